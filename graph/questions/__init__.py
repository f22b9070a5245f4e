"""The cooperation questions: one module each, found here by themselves.

Each module of this package declares one :class:`graph.questions.declaration.Question`
as ``QUESTION``: a plain function over a :class:`graph.territory.Territory`, its
parameters, its cache policy and its terminal table. The HTTP API, its OpenAPI, the
``maillage query`` command and the README's table are all made from :data:`QUESTIONS`.
To add a question, add a module (and its test): nothing else lists it.
"""
from __future__ import annotations

from typing import Any

from graph.discovery import declared_in
from graph.questions.declaration import Question
from graph.territory import Territory

_NOT_QUESTIONS = {"declaration", "table"}


def _discover() -> dict[str, Question]:
    found = declared_in(__name__, __path__, "QUESTION", Question, _NOT_QUESTIONS)
    found.sort(key=lambda q: (q.order, q.name))
    names = [q.name for q in found]
    if len(set(names)) != len(names):
        raise ValueError(f"two questions share a name: {names}")
    return {q.name: q for q in found}


QUESTIONS: dict[str, Question] = _discover()


def ask(name: str, territory: Territory, **raw: Any) -> dict:
    """The answer to question *name* on *territory*, parameters checked (raw values, as typed or given)."""
    return QUESTIONS[name].ask(territory, **raw)
