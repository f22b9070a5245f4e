"""Static figures for reports: the cross-service matrix as a heat map, the E-I index per service as bars."""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display on a server
import matplotlib.pyplot as plt

from graph.i18n import t

plt.rcParams["svg.fonttype"] = "none"  # text stays text in SVG: searchable, and readable by screen readers
FORMATS = ("png", "svg")


def _labels(groups: list[dict]) -> list[str]:
    return [g["name"] if len(g["name"]) <= 32 else g["name"][:31] + "…" for g in groups]


def _save(figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, dpi=150, bbox_inches="tight", metadata={"Date": None} if fmt == "svg" else None)
    plt.close(figure)
    return buffer.getvalue()


def matrix_heatmap(result: dict, fmt: str = "png") -> bytes:
    """Heat map of :func:`graph.questions.services.cross_service`'s matrix (ties between the agents of each
    pair of groups)."""
    labels = _labels(result["groups"])
    size = max(4.0, 0.45 * len(labels) + 2)
    figure, axes = plt.subplots(figsize=(size + 1.5, size))
    image = axes.imshow(result["matrix"], cmap="Blues")
    axes.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=8)
    axes.set_yticks(range(len(labels)), labels, fontsize=8)
    if len(labels) <= 25:
        top = max((max(row) for row in result["matrix"]), default=0)
        for i, row in enumerate(result["matrix"]):
            for j, value in enumerate(row):
                axes.text(j, i, str(value), ha="center", va="center", fontsize=7,
                          color="white" if top and value > top / 2 else "#222")
    figure.colorbar(image, ax=axes, label=t("figure.matrix_scale"))
    axes.set_title(t("figure.matrix_title"))
    return _save(figure, fmt)


def ei_bars(result: dict, fmt: str = "png") -> bytes:
    """E-I index of each group: -1 all ties inside (silo), +1 all ties outside."""
    groups = [g for g in result["groups"] if g["index"] is not None]
    groups.sort(key=lambda g: g["index"])
    labels = _labels(groups)
    figure, axes = plt.subplots(figsize=(7, max(2.5, 0.35 * len(labels) + 1)))
    values = [g["index"] for g in groups]
    colours = ["#d62728" if v < 0 else "#2ca02c" for v in values]
    axes.barh(range(len(values)), values, color=colours)
    axes.set_yticks(range(len(labels)), labels, fontsize=8)
    axes.set_xlim(-1, 1)
    axes.axvline(0, color="#444", linewidth=0.8)
    if result.get("ei_index") is not None:
        axes.axvline(result["ei_index"], color="#1f77b4", linestyle="--", linewidth=1,
                     label=t("figure.organisation") + f" ({result['ei_index']:+.2f})")
        axes.legend(loc="lower right", fontsize=8)
    axes.set_xlabel(t("figure.ei_axis"))
    axes.set_title(t("figure.ei_title"))
    return _save(figure, fmt)
