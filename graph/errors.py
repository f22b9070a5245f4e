"""Errors the questions and rules raise; the API turns them into 404/400 problems, the CLI into messages.

They carry :class:`graph.i18n.Message` objects, not sentences: who reads them, and in
which language, is known only when they are shown.
"""
from __future__ import annotations

from typing import Any

from graph.i18n import Message, Text, render


class NotFound(LookupError):
    """*identifier* names no *what* (a :class:`Message` such as ``Message("what.actor")``)."""

    def __init__(self, what: Text, identifier: str):
        self.what, self.identifier = what, identifier
        super().__init__(identifier)

    def message(self, lang: str | None = None) -> str:
        return Message("error.not_found", what=self.what, id=self.identifier).render(lang)

    def __str__(self) -> str:
        return self.message()


class InvalidParameter(ValueError):
    """Parameter *name* got *value*; *expected* says what it should have been."""

    def __init__(self, name: str, value: Any, expected: Text):
        self.name, self.value, self.expected = name, value, expected
        super().__init__(name)

    def reason(self, lang: str | None = None) -> str:
        return str(render(self.expected, lang))

    def message(self, lang: str | None = None) -> str:
        return Message("error.invalid", name=self.name, value=self.value, expected=self.expected).render(lang)

    def __str__(self) -> str:
        return self.message()
