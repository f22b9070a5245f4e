"""Answers as plain-text tables for a terminal, in the current language: what each question's
``table`` function is built from."""
from __future__ import annotations

from typing import Any

from graph import i18n, schema


def w(key: str, **values: Any) -> str:
    """A word of the terminal tables (``table.*`` in :mod:`graph.messages`)."""
    return i18n.t(f"table.{key}", **values)


def table(headers: list[str], rows: list[list]) -> str:
    """Columns aligned on their widest cell; floats with three decimals.

    >>> print(table(["a", "b"], [[1, 0.5]]))
    a  b
    -  -----
    1  0.500
    """
    if not rows:
        return w("none")
    cells = [[("" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(widths[i]) for i, v in enumerate(values)).rstrip()

    return "\n".join([line(headers), line(["-" * x for x in widths])] + [line(r) for r in cells])


def evidence_text(evidence: list[dict]) -> str:
    parts = []
    for e in evidence:
        if e["kind"] == "project":
            parts.append(e.get("project_name", e.get("project")))
        elif e["kind"] == "declared":
            parts.append("/".join(x for x in (e.get("nature"), e.get("frequency")) if x) or w("declared"))
        else:
            parts.append(f"{e.get('amount') or ''} €".strip())
    return "; ".join(str(p) for p in parts)


def kind(item: dict) -> str:
    return schema.kind_name(item["kind"])


def name(item: dict) -> str:
    return f"{item['name']} ({item['id']})"
