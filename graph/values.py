"""Parsing the values French spreadsheets really hold: dates, amounts, lists."""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

UNKNOWN_DATES = {"0001-01-01", "01/01/0001"}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_FRENCH = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_YEAR_FIRST = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007]")


@lru_cache(maxsize=65536)  # a file holds a few thousand distinct dates over a million rows
def parse_date(text: str) -> str | None:
    """An ISO date (``YYYY-MM-DD``, or ``YYYY`` for a year alone) from the usual French forms.

    Returns ``None`` for an empty cell or the ``0001-01-01`` placeholder; raises
    ``ValueError`` for anything else that is not a date.
    """
    text = (text or "").strip()
    if not text or text in UNKNOWN_DATES:
        return None
    if m := _YEAR.match(text):
        return m.group(1)
    for pattern, order in ((_ISO, (1, 2, 3)), (_YEAR_FIRST, (1, 2, 3)), (_FRENCH, (3, 2, 1))):
        if m := pattern.match(text):
            year, month, day = (int(m.group(i)) for i in order)
            return date(year, month, day).isoformat()
    raise ValueError(text)


def parse_amount(text: str) -> float | None:
    """Euros from ``40 000,00``, ``12 350 000 €``, ``24000.0``, ``1,500.50``; ``None`` when empty."""
    text = _SPACES.sub("", (text or "").replace("€", "").replace("EUR", ""))
    if not text:
        return None
    if "," in text and "." in text:
        # The last separator is the decimal one.
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif "," in text:
        text = text.replace(",", ".")
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(text)
    return value


def split_list(text: str) -> list[str]:
    """The values of a multi-valued cell, separated by ``|``."""
    return [part.strip() for part in (text or "").split("|") if part.strip()]
