"""What people read, in French by default and English on request: the machinery.

The sentences themselves live in :mod:`graph.messages`. The language is held per
context (:mod:`contextvars`), not per process: the web server answers several people
at once, each in the language they asked for, and a command line sets it once at start.
"""
from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from types import MappingProxyType
from typing import Any

from graph.messages import MESSAGES

LANGUAGES = ("fr", "en")
_language: ContextVar[str | None] = ContextVar("maillage_language", default=None)


def detect_language(explicit: str | None = None, environ: dict[str, str] | None = None) -> str:
    """``explicit`` if given, else English when LC_ALL/LANGUAGE/LANG starts with ``en``, else French.

    >>> detect_language("en-GB"), detect_language(None, {"LANG": "fr_FR.UTF-8"}), detect_language(None, {})
    ('en', 'fr', 'fr')
    """
    if explicit:
        return "en" if explicit.lower().startswith("en") else "fr"
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LANGUAGE", "LANG"):
        value = env.get(name)
        if value:
            return "en" if value.lower().startswith("en") else "fr"
    return "fr"


def set_language(lang: str | None) -> str:
    """Set the language of the current context (a command, a request); returns it."""
    chosen = detect_language(lang)
    _language.set(chosen)
    return chosen


def enter_language(lang: str | None) -> Token[str | None]:
    """Set the language until :func:`leave_language` is given the token returned (a request's span)."""
    return _language.set(detect_language(lang))


def leave_language(token: Token[str | None]) -> None:
    _language.reset(token)


@contextmanager
def use_language(lang: str | None) -> Iterator[str]:
    """The block speaks *lang*; the language before it comes back afterwards."""
    token = _language.set(detect_language(lang))
    try:
        yield _language.get() or "fr"
    finally:
        _language.reset(token)


def current_language() -> str:
    return _language.get() or detect_language()


def is_french(lang: str | None = None) -> bool:
    return (lang or current_language()) == "fr"


def words(prefix: str, lang: str | None = None) -> Mapping[str, str]:
    """Every message under ``prefix.`` in *lang*, by its short key: the words a page template reads (read-only,
    made once: a view asks for them for each of its thousands of tooltips)."""
    return _words(prefix, lang or current_language())


@functools.lru_cache(maxsize=256)
def _words(prefix: str, lang: str) -> Mapping[str, str]:
    start = prefix + "."
    return MappingProxyType({key[len(start):]: text[lang] for key, text in MESSAGES.items() if key.startswith(start)})


def t(key: str, lang: str | None = None, **values: Any) -> str:
    """The message *key* in *lang* (default: the current language), filled with *values*.

    A value that is itself a :class:`Message` is written in the same language.

    >>> t("expect.required", "en")
    'a value is required'
    """
    lang = lang or current_language()
    text = MESSAGES[key][lang]
    if not values:
        return text
    return text.format(**{name: render(value, lang) for name, value in values.items()})


def render(value: Any, lang: str | None = None) -> Any:
    """*value* as people read it: a :class:`Message` in *lang*, anything else as it is."""
    renderer = getattr(value, "render", None)  # a Message, a Bilingual, or any text written late
    return renderer(lang) if callable(renderer) else value


class Message:
    """A message to be written later, in the language of whoever reads it.

    Errors are raised deep in the code, long before anyone knows who will read them
    (a terminal in French, an English API client): they carry a ``Message``, which
    becomes text only when shown.

    >>> expected = Message("expect.date")
    >>> expected.render("fr"), expected.render("en")
    ('une date (AAAA-MM-JJ, JJ/MM/AAAA ou AAAA)', 'a date (YYYY-MM-DD, DD/MM/YYYY or YYYY)')
    """

    __slots__ = ("key", "values")

    def __init__(self, key: str, **values: Any):
        if key not in MESSAGES:
            raise KeyError(f"no message {key!r} in graph.messages")
        self.key, self.values = key, values

    def render(self, lang: str | None = None) -> str:
        return t(self.key, lang, **self.values)

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Message({self.key!r}, {self.values!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and (self.key, self.values) == (other.key, other.values)

    def __hash__(self) -> int:
        return hash((self.key, repr(sorted(self.values.items(), key=lambda item: item[0]))))


class Bilingual:
    """A text given in place in both languages: the help of a question's parameter, declared with it
    in the question's own module rather than in the shared catalogue.

    >>> Bilingual("Profondeur (1 à 3).", "Depth (1 to 3).").render("en")
    'Depth (1 to 3).'
    """

    __slots__ = ("en", "fr")

    def __init__(self, fr: str, en: str):
        self.fr, self.en = fr, en

    def render(self, lang: str | None = None) -> str:
        return self.fr if (lang or current_language()) == "fr" else self.en

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Bilingual({self.fr!r}, {self.en!r})"


Text = str | Message | Bilingual  # what a field of an error may hold: already written, or to be written
