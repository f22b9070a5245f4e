"""Endpoints declare themselves once: the Flask route and its OpenAPI description come from the same place.

Parameters are :class:`graph.questions.declaration.Parameter` objects, the same the
questions declare, so that a parameter is documented (in French and English) and
checked in one way everywhere.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint

from graph.answers import Schema
from graph.i18n import Bilingual
from graph.questions.declaration import Parameter


@dataclass
class Endpoint:
    path: str  # Flask syntax, e.g. /api/v1/actors/<actor>
    summary: Bilingual
    params: tuple[Parameter, ...]
    tag: str
    view: Callable
    not_found: bool = False
    operation: str = ""  # the OpenAPI operationId (the view's name by default)
    media_types: tuple[str, ...] = ("application/json",)  # what a 200 answer may be
    answer: Schema | None = None  # a JSON answer's shape (graph.answers)
    problems: tuple[int, ...] = ()  # statuses of its own problems, beside those of any endpoint (e.g. 422)

    @property
    def operation_id(self) -> str:
        return self.operation or self.view.__name__


@dataclass
class Registry:
    endpoints: list[Endpoint] = field(default_factory=list)

    def add(self, blueprint: Blueprint, endpoint: Endpoint) -> None:
        prefix = blueprint.url_prefix or ""
        blueprint.add_url_rule(endpoint.path[len(prefix):], endpoint=endpoint.operation_id,
                               view_func=endpoint.view, methods=["GET"])
        self.endpoints.append(endpoint)

    def get(self, blueprint: Blueprint, path: str, summary: Bilingual, *params: Parameter, tag: str,
            not_found: bool = False, media_types: tuple[str, ...] = ("application/json",),
            answer: Schema | None = None, problems: tuple[int, ...] = ()) -> Callable[[Callable], Callable]:
        """Decorate a view answering ``GET`` on *path* (relative to the blueprint's prefix) with *answer*."""
        def decorate(view: Callable) -> Callable:
            self.add(blueprint, Endpoint((blueprint.url_prefix or "") + path, summary, params, tag, view, not_found,
                                         media_types=media_types, answer=answer, problems=problems))
            return view

        return decorate


REGISTRY = Registry()
