"""How a network view or a figure is declared, once: the ``/views/…`` route and ``maillage view`` come from it.

A view's *build* takes a territory and checked parameters and returns a view graph
and its :class:`visualisations.render.Page`; a figure's *draw* returns the bytes of a
PNG or SVG image. Parameters are those of the questions
(:class:`graph.questions.declaration.Parameter`), checked the same way.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graph.errors import InvalidParameter
from graph.i18n import Bilingual, Message
from graph.questions.declaration import Parameter, narrowed, with_evidence
from graph.territory import Territory

FORMATS = ("png", "svg")


@dataclass(frozen=True)
class View:
    """A network view: one self-contained HTML page."""

    name: str  # the ``maillage view`` subcommand
    path: str  # under /views, path parameters between braces
    title: Bilingual
    parameters: tuple[Parameter, ...]
    build: Callable[..., Any]  # (territory, **checked) -> (view graph, Page)
    counts_only: bool = False  # counts by service only: drawn from the whole snapshot, whoever asks

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", with_evidence(self.parameters))

    def check(self, territory: Territory, raw: dict[str, Any]) -> dict[str, Any]:
        return {p.name: p.check(raw.get(p.name), territory) for p in self.parameters}

    def html(self, territory: Territory, nonce: str | None = None, assets_url: str | None = None, **raw: Any) -> str:
        from visualisations.render import to_html

        territory, values = narrowed(territory, self.check(territory, raw))
        graph, page = self.build(territory, **values)
        return to_html(graph, page, nonce=nonce, assets_url=assets_url)


@dataclass(frozen=True)
class Figure:
    """A static figure, as PNG or SVG (``/views/figures/NAME.png``)."""

    name: str
    title: Bilingual
    parameters: tuple[Parameter, ...]
    draw: Callable[..., bytes]  # (territory, format, **checked) -> image bytes
    counts_only: bool = True  # the figures are counts by service

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", with_evidence(self.parameters))

    def image(self, territory: Territory, fmt: str, **raw: Any) -> bytes:
        if fmt not in FORMATS:
            raise InvalidParameter("format", fmt, Message("expect.choice", choices=", ".join(FORMATS)))
        territory, values = narrowed(territory, {p.name: p.check(raw.get(p.name), territory)
                                                 for p in self.parameters})
        return self.draw(territory, fmt, **values)

    @staticmethod
    def mimetype(fmt: str) -> str:
        return "image/png" if fmt == "png" else "image/svg+xml"
