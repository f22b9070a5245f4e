"""How a network view or a figure is declared, once: the ``/views/…`` route and ``maillage view`` come from it.

A view's *build* takes a territory and checked parameters and returns a view graph
and its :class:`visualisations.render.Page`; a figure's *draw* returns the bytes of a
PNG or SVG image. Parameters are those of the questions
(:class:`graph.questions.declaration.Parameter`), checked the same way.
"""
from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graph import i18n
from graph.errors import InvalidParameter
from graph.i18n import Bilingual, Message
from graph.questions.declaration import Parameter, narrowed, with_evidence
from graph.territory import Territory

FORMATS = ("png", "svg")


# What a view served last weighs at most, in characters, kept for the next ones (a pôle's view: 0.3 MB).
DRAWN_BUDGET = 32_000_000
# Stands for a response's nonce in a view kept for the next responses: random, so that no text of the store can
# hold it, and hexadecimal, so that the template's escaping leaves it as it is.
NONCE_SLOT = "nonce" + secrets.token_hex(16)


class DrawnViews:
    """Views drawn for a request and kept for the next ones while what they read is unchanged.

    While imports run, the snapshot changes every second, and a pôle's view (hundreds of people, a thousand
    ties: 13 to 16 ms of processor) was drawn again at each change although no tie or name it shows had changed.
    A view declares what it reads (:attr:`View.witness`): objects, compared by identity (a snapshot refreshed
    shares every node's neighbours and ties, and every node, that it did not change with the one before, and makes
    new ones for what changed), and values, compared by equality (names, kinds, services, members). A view kept
    holds those objects, so that no other object can take their identity while it is kept.
    """

    def __init__(self, budget: int = DRAWN_BUDGET):
        self.budget = budget
        self._kept: OrderedDict[tuple, tuple[str, tuple]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> str | None:
        with self._lock:
            found = self._kept.get(key)
            if found is None:
                return None
            self._kept.move_to_end(key)
            return found[0]

    def put(self, key: tuple, html: str, objects: tuple) -> None:
        if len(html) > self.budget // 4:
            return
        with self._lock:
            if key in self._kept:
                return
            self._kept[key] = (html, objects)
            self._size += len(html)
            while self._size > self.budget:
                _, (dropped, _) = self._kept.popitem(last=False)
                self._size -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self._size = 0


DRAWN = DrawnViews()


@dataclass(frozen=True)
class View:
    """A network view: one self-contained HTML page."""

    name: str  # the ``maillage view`` subcommand
    path: str  # under /views, path parameters between braces
    title: Bilingual
    parameters: tuple[Parameter, ...]
    build: Callable[..., Any]  # (territory, **checked) -> (view graph, Page)
    counts_only: bool = False  # counts by service only: drawn from the whole snapshot, whoever asks
    # (territory, **checked) -> (objects, values) that the view reads, or None when it cannot say (DrawnViews)
    witness: Callable[..., tuple[tuple, tuple] | None] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", with_evidence(self.parameters))

    def check(self, territory: Territory, raw: dict[str, Any]) -> dict[str, Any]:
        return {p.name: p.check(raw.get(p.name), territory) for p in self.parameters}

    def html(self, territory: Territory, nonce: str | None = None, assets_url: str | None = None, **raw: Any) -> str:
        """The view as one HTML page. Served (with a *nonce*), a view that declares its :attr:`witness` is drawn
        once for as long as what it reads is unchanged (:class:`DrawnViews`)."""
        territory, values = narrowed(territory, self.check(territory, raw))
        seen = self.witness(territory, **values) if self.witness is not None and nonce is not None else None
        if seen is None:
            return self._drawn(territory, values, nonce, assets_url)
        objects, read = seen
        key = (self.name, tuple(values.items()), i18n.current_language(), assets_url,
               tuple(map(id, objects)), read)
        html = DRAWN.get(key)
        if html is None:
            html = self._drawn(territory, values, NONCE_SLOT, assets_url)
            DRAWN.put(key, html, objects)
        return html.replace(NONCE_SLOT, nonce or "")

    def _drawn(self, territory: Territory, values: dict[str, Any], nonce: str | None, assets_url: str | None) -> str:
        from visualisations.render import to_html

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
