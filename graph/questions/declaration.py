"""How a question is declared: its function, its parameters, its cache policy, its terminal table.

Everything else is derived from a :class:`Question`: the HTTP route and its OpenAPI
entry (:mod:`api.questions`), the ``maillage query`` subcommand (:mod:`api.query_cli`)
and the README's table of questions (:mod:`api.docs`).

A parameter's *type* checks a raw value (a query-string or command-line text, or a
value given in Python) and returns what the function receives: an ISO date, an
integer within bounds, a schema label, the identifier of an existing node. A bad value
raises :class:`graph.errors.InvalidParameter`; an identifier that names nothing,
:class:`graph.errors.NotFound`.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from graph import schema
from graph.answers import Schema
from graph.errors import InvalidParameter
from graph.i18n import Bilingual, Message
from graph.territory import Territory


def _empty(value: Any) -> bool:
    return value is None or value == ""


class ParameterType:
    """How a raw value becomes a checked one; the OpenAPI schema that documents it."""

    openapi: dict[str, Any] = {"type": "string"}
    not_found = False  # an unknown value is a 404 (an identifier), not a 400
    choices: tuple[str, ...] | None = None

    def check(self, name: str, value: Any, territory: Territory) -> Any:
        return value


class Date(ParameterType):
    openapi = {"type": "string", "format": "date"}

    def check(self, name: str, value: Any, territory: Territory) -> str | None:
        if _empty(value):
            return None
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise InvalidParameter(name, value, Message("expect.iso_date"))
        try:
            date.fromisoformat(value)
        except ValueError:
            raise InvalidParameter(name, value, Message("expect.existing_date")) from None
        return value


@dataclass(frozen=True)
class Integer(ParameterType):
    low: int
    high: int

    @property
    def openapi(self) -> dict[str, Any]:  # type: ignore[override]
        return {"type": "integer", "minimum": self.low, "maximum": self.high}

    def check(self, name: str, value: Any, territory: Territory) -> int | None:
        if _empty(value):
            return None
        expected = Message("expect.int_between", low=self.low, high=self.high)
        if isinstance(value, bool):
            raise InvalidParameter(name, value, expected)
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise InvalidParameter(name, value, expected) from None
        if not self.low <= number <= self.high or (isinstance(value, float) and value != number):
            raise InvalidParameter(name, value, expected)
        return number


@dataclass(frozen=True)
class Choice(ParameterType):
    choices: tuple[str, ...]

    @property
    def openapi(self) -> dict[str, Any]:  # type: ignore[override]
        return {"type": "string", "enum": list(self.choices)}

    def check(self, name: str, value: Any, territory: Territory) -> str | None:
        if _empty(value):
            return None
        if value not in self.choices:
            raise InvalidParameter(name, value, Message("expect.choice", choices=", ".join(self.choices)))
        return value


class ActorKind(ParameterType):
    """An actor kind in any of its words (``elu``, ``Élu``, ``elected``): its schema label."""

    def check(self, name: str, value: Any, territory: Territory) -> str | None:
        if _empty(value):
            return None
        label = schema.actor_kind(value) if isinstance(value, str) else None
        if label is None:
            raise InvalidParameter(name, value, Message("expect.actor_kind"))
        return label


class ServiceId(ParameterType):
    def check(self, name: str, value: Any, territory: Territory) -> str | None:
        if _empty(value):
            return None
        node = territory.nodes.get(value) if isinstance(value, str) else None
        if node is None or node.kind != schema.SERVICE.label:
            raise InvalidParameter(name, value, Message("expect.service"))
        return value


class ThemeRef(ParameterType):
    """A theme by identifier or by label (``Inclusion numérique``): its identifier."""

    def check(self, name: str, value: Any, territory: Territory) -> str | None:
        if _empty(value):
            return None
        if isinstance(value, str):
            if value in territory.nodes and territory.nodes[value].kind == schema.THEME.label:
                return value
            candidate = schema.theme_id(value)
            if candidate in territory.nodes:
                return candidate
        raise InvalidParameter(name, value, Message("expect.theme"))


@dataclass(frozen=True)
class Text(ParameterType):
    """Free text of at most *longest* characters."""

    longest: int = 200

    @property
    def openapi(self) -> dict[str, Any]:  # type: ignore[override]
        return {"type": "string", "maxLength": self.longest}

    def check(self, name: str, value: Any, territory: Territory) -> str | None:
        if _empty(value):
            return None
        if not isinstance(value, str) or len(value) > self.longest:
            shown = value[:40] + "…" if isinstance(value, str) else value
            raise InvalidParameter(name, shown, Message("expect.text_max", max=self.longest))
        return value


@dataclass(frozen=True)
class NodeId(ParameterType):
    """The identifier of an existing node of some kinds (an unknown one is a 404)."""

    kinds: tuple[str, ...]
    what: str  # the ``what.*`` message naming the kinds
    not_found = True

    def check(self, name: str, value: Any, territory: Territory) -> str | None:
        if _empty(value):
            return None
        territory.node(str(value), self.kinds, self.what)
        return str(value)


ACTOR_ID = NodeId(schema.ACTOR_LABELS, "actor")
THEME_ID = NodeId((schema.THEME.label,), "theme")


@dataclass(frozen=True)
class Parameter:
    """One parameter of a question.

    *name* is the function's parameter; *public* the name people type (``from`` for
    ``source``), in the query string, the OpenAPI and the command line (``--as-of``).
    A *path* parameter is part of the URL. On the command line, a *required* parameter
    is a positional argument, an optional path parameter an optional positional one,
    any other an option.
    """

    name: str
    type: ParameterType
    help: Bilingual
    default: Any = None
    required: bool = False
    path: bool = False
    public: str | None = None
    expected_when_missing: str = "expect.required"
    example: Any = None  # a value of the fictitious example territory, in the OpenAPI (and tried by the fuzzer)

    @property
    def public_name(self) -> str:
        return self.public or self.name

    def check(self, value: Any, territory: Territory) -> Any:
        checked = self.type.check(self.public_name, value, territory)
        if checked is None:
            if self.required:
                raise InvalidParameter(self.public_name, "" if value is None else value,
                                       Message(self.expected_when_missing))
            return self.default
        return checked

    def openapi(self, lang: str | None = None) -> dict[str, Any]:
        schema_ = dict(self.type.openapi)
        if self.default is not None:
            schema_["default"] = self.default
        return {"name": self.public_name, "in": "path" if self.path else "query",
                "required": self.required or self.path, "description": self.help.render(lang), "schema": schema_,
                **({"example": self.example} if self.example is not None else {})}


AS_OF = Parameter("as_of", Date(), Bilingual(
    "Date d'observation (AAAA-MM-JJ) : seuls les faits valides à cette date comptent.",
    "Observation date (YYYY-MM-DD): only the facts valid on that date count."))
ACTOR = Parameter("actor", ACTOR_ID, Bilingual("Identifiant de l'acteur.", "The actor's identifier."), required=True,
                  path=True, public="actor_id", expected_when_missing="expect.actor", example="ag-00001")

EVIDENCE = Parameter("evidence", Choice(("all", "confirmed")), Bilingual(
    "Liens comptés : all (tous, avec leur statut) ou confirmed (un lien déclaré ne compte que confirmé par "
    "l'autre partie).",
    "Ties counted: all (every one, with its status) or confirmed (a declared tie counts only once the other "
    "side confirmed it)."), default="all")


def with_evidence(parameters: tuple[Parameter, ...]) -> tuple[Parameter, ...]:
    """*parameters* and :data:`EVIDENCE`: every question and view can be restricted to confirmed ties."""
    return parameters if any(p.name == "evidence" for p in parameters) else parameters + (EVIDENCE,)


def narrowed(territory: Territory, values: dict[str, Any]) -> tuple[Territory, dict[str, Any]]:
    """The territory of the ``evidence`` asked for, and the other values (what the function takes)."""
    values = dict(values)
    return territory.restricted(values.pop("evidence", None)), values


GLOBAL, LOCAL = "global", "local"


@dataclass(frozen=True)
class Question:
    """A cooperation question, declared once.

    *path* is its address under ``/api/v1``, path parameters between braces
    (``/actors/{actor}/ego``). A *global* question (a measure over the whole network)
    is computed once per store version and parameters, and its answer cached; a
    *local* one (about one actor) is computed at each request. *table* renders an
    answer for a terminal, in the current language.
    """

    name: str
    title: Bilingual  # short, for the command's help and the README
    summary: Bilingual  # one sentence, for the OpenAPI
    function: Callable[..., dict]
    parameters: tuple[Parameter, ...]
    path: str
    table: Callable[[dict], str]
    answer: Schema  # the answer's shape (graph.answers), in the OpenAPI and checked by the fuzzer
    cache: str = LOCAL
    order: int = 100  # where it comes in lists (README, --help)
    tags: tuple[str, ...] = field(default=("cooperation",))
    # Counts by service only, never a person: answered from the whole snapshot, persons counted, whoever asks.
    counts_only: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", with_evidence(self.parameters))

    def check(self, territory: Territory, raw: dict[str, Any]) -> dict[str, Any]:
        """The checked values of *raw* (by parameter name; what is missing takes its default)."""
        return {p.name: p.check(raw.get(p.name), territory) for p in self.parameters}

    def ask(self, territory: Territory, **raw: Any) -> dict:
        """The answer to the question on *territory*, for raw parameter values."""
        territory, values = narrowed(territory, self.check(territory, raw))
        if self.cache == GLOBAL:
            key = ("question", self.name) + tuple(sorted(values.items()))
            return territory.measure(key, lambda: self.function(territory, **values))
        return self.function(territory, **values)

    @property
    def not_found(self) -> bool:
        """Whether an unknown identifier among its parameters makes a 404."""
        return any(p.type.not_found for p in self.parameters)
