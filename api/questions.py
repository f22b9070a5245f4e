"""The cooperation questions over HTTP: one route per declared question (:mod:`graph.questions`).

Nothing here names a question: each declaration gives its address, its parameters and
its cache policy. A global measure's JSON is encoded once per store version and
parameters; repeats cost a cache lookup, not a computation or an encoding.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import Blueprint, Response, request

from api.json_provider import encode
from api.registry import REGISTRY, Endpoint
from api.state import territory
from graph.questions import QUESTIONS
from graph.questions.declaration import GLOBAL, Parameter, Question

PREFIX = "/api/v1"
blueprint = Blueprint("questions", __name__, url_prefix=PREFIX)


def flask_path(path: str) -> str:
    """``/actors/{actor}/ego`` -> ``/actors/<actor>/ego``."""
    return re.sub(r"\{([a-z_]+)\}", r"<\1>", path)


def raw_values(parameters: Iterable[Parameter], in_path: Mapping[str, str] | None = None) -> dict[str, str | None]:
    """Each parameter's value as the request gives it, from the URL's path or its query string."""
    in_path = in_path or {}
    return {p.name: in_path.get(p.public_name) if p.path else request.args.get(p.public_name) for p in parameters}


def _view(question: Question) -> Callable[..., Response]:
    def answer(**in_path: str) -> Response:
        t = territory(question.counts_only)
        raw = raw_values(question.parameters, in_path)
        if question.cache == GLOBAL:
            values = question.check(t, raw)
            key: tuple[Any, ...] = ("json", question.name) + tuple(sorted(values.items()))
            body = t.measure(key, lambda: encode(question.ask(t, **values)))
        else:
            body = encode(question.ask(t, **raw))
        return Response(body, mimetype="application/json")

    answer.__name__ = question.name.replace("-", "_")
    return answer


for _question in QUESTIONS.values():
    REGISTRY.add(blueprint, Endpoint(PREFIX + flask_path(_question.path), _question.summary, _question.parameters,
                                     "cooperation", _view(_question), _question.not_found,
                                     answer=_question.answer))
