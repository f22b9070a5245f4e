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


_DATE_TOKEN = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{4}|\d{1,2}/\d{1,2}/\d{2}(?!\d)"
                         r"|\d{1,2}\.\d{1,2}\.\d{4}|(?<![\d/.-])\d{4}(?![\d/.-])")
_PERIOD_SEPARATORS = re.compile(r"(?:[\s_;,/|–-]|\bau\b|\bet\b|\bdu\b|\bà\b|\bdes?\b)+", re.IGNORECASE)


@lru_cache(maxsize=16384)  # the same periods, row after row
def _dates_in(text: str) -> tuple[tuple[str | None, ...], str]:
    dates, leftover = _read_dates(text)
    return tuple(dates), leftover


def dates_in(text: str) -> tuple[list[str | None], str]:
    """The dates written in a free text (a payment period as published), and what is left that is not a date.

    A text in two parts (``2017-12-12/fin de l'action``, ``NC/2019-06-30``) gives
    one value per part, ``None`` for a part with no date, so that a period keeps its
    start and end apart. Two-digit years are of this century below 70.

    >>> dates_in("2017-01-01_2017-12-31")
    (['2017-01-01', '2017-12-31'], '')
    >>> dates_in("NC/2019-06-30")
    ([None, '2019-06-30'], 'NC')
    >>> dates_in("24/09/17\\n15/10/17")
    (['2017-09-24', '2017-10-15'], '')
    >>> dates_in("versement subvention")
    ([], 'versement subvention')
    """
    dates, leftover = _dates_in(text or "")
    return list(dates), leftover


def _read_dates(text: str) -> tuple[list[str | None], str]:
    text = text.strip()
    found: list[tuple[int, int, str | None]] = []
    for match in _DATE_TOKEN.finditer(text):
        token = match.group(0)
        if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{2}", token):
            day, month, year = token.split("/")
            token = f"{day}/{month}/{(2000 if int(year) < 70 else 1900) + int(year)}"
        try:
            found.append((match.start(), match.end(), parse_date(token)))
        except ValueError:  # 2017-30-05: not a date, left in the text
            continue
    pieces, last = [], 0
    for start, end, _ in found:
        pieces.append(text[last:start])
        last = end
    pieces.append(text[last:])
    left = [_PERIOD_SEPARATORS.sub(" ", piece).strip() for piece in pieces]
    leftover = " ".join(piece for piece in left if piece)
    dates: list[str | None] = [value for _, _, value in found if value]
    if len(dates) == 1 and leftover:
        two_parts = re.split(r"\s*[_/]\s*", text)
        if len(two_parts) == 2:  # NC/2019-06-30, 2017-12-12/fin de l'action: the date keeps its place
            return [dates[0], None] if found[0][0] < len(two_parts[0]) + 1 else [None, dates[0]], leftover
    return dates, leftover
