"""Endpoints declare themselves once: the Flask route and its OpenAPI description come from the same place."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from flask import Blueprint


@dataclass(frozen=True)
class Param:
    name: str
    description: str
    type: str = "string"
    location: str = "query"
    required: bool = False
    enum: tuple[str, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None
    format: str | None = None

    def openapi(self) -> dict:
        schema: dict = {"type": self.type}
        for key in ("enum", "minimum", "maximum", "format"):
            value = getattr(self, key)
            if value is not None:
                schema[key] = list(value) if key == "enum" else value
        return {"name": self.name, "in": self.location, "required": self.required or self.location == "path",
                "description": self.description, "schema": schema}


@dataclass
class Endpoint:
    path: str  # Flask syntax, e.g. /api/v1/actors/<actor_id>
    summary: str
    params: tuple[Param, ...]
    tag: str
    view: Callable
    not_found: bool = False


@dataclass
class Registry:
    endpoints: list[Endpoint] = field(default_factory=list)

    def get(self, blueprint: Blueprint, path: str, summary: str, *params: Param, tag: str, not_found: bool = False):
        def decorate(view):
            blueprint.add_url_rule(path, view_func=view, methods=["GET"])
            self.endpoints.append(Endpoint(path, summary, params, tag, view, not_found))
            return view

        return decorate


REGISTRY = Registry()

AS_OF = Param("as_of", "Date d'observation (AAAA-MM-JJ) : seuls les faits valides à cette date comptent.",
              format="date")
ACTOR_ID = Param("actor_id", "Identifiant de l'acteur.", location="path")
