"""French organisation identifiers as published files really hold them: SIRET, SIREN, RNA numbers."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from graph.i18n import Message

LA_POSTE_SIREN = "356000000"  # La Poste's SIRETs do not satisfy the Luhn check; their digit sum is a multiple of 5
_RNA = re.compile(r"^W[0-9A-Z]{9}$")
_OLD_RNA = re.compile(r"^[0-9][0-9AB][0-9][A-Z][0-9]{4,10}$")
_FLOAT = re.compile(r"\d+\.0+|\d([.,]\d+)?[eE]\+?\d+")  # a number a spreadsheet wrote as a float
_RNA_IN_TEXT = re.compile(r"\bW[0-9][0-9A-Z]{8}\b")


def luhn_ok(digits: str) -> bool:
    """True when *digits* pass the Luhn checksum."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char)
        if i % 2:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return total % 10 == 0


@dataclass(frozen=True)
class Checked:
    value: str | None  # the identifier to keep, None when unusable
    problem: Message | None = None  # why it is doubtful or unusable
    trusted: bool = True
    shown: str | None = None  # what a message may show of the raw value (a NIR is masked), when not the raw value
    siren: str | None = None  # the SIREN it holds (a SIREN, or a sound SIRET's first 9 digits), when believable

    def __post_init__(self) -> None:
        value = self.value or ""
        if self.siren is None and value.isdigit() and (len(value) == 9 or (len(value) == 14 and self.trusted)) \
                and luhn_ok(value[:9]):
            object.__setattr__(self, "siren", value[:9])


_NIR_MONTHS = {f"{m:02d}" for m in (*range(1, 13), *range(20, 43), *range(50, 100))}


def looks_like_nir(text: str) -> bool:
    """Whether *text* may be a person's social security number (NIR): 13 digits, or 15 with its key, starting
    with the sex (1, 2, or 7, 8 for a provisional number) and a possible month of birth. Erring on the safe
    side: a mangled SIRET that looks like one is dropped too (personal data is never kept).

    >>> looks_like_nir("1850578006084"), looks_like_nir("185057800608491"), looks_like_nir("35181600000000")
    (True, True, False)
    """
    digits = text.replace("2A", "19").replace("2B", "18") if len(text) in (13, 15) else text
    if len(digits) not in (13, 15) or not digits.isdigit() or digits[0] not in "1278" or digits[3:5] not in _NIR_MONTHS:
        return False
    return len(digits) == 13 or 97 - int(digits[:13]) % 97 == int(digits[13:])


def masked(text: str) -> str:
    """What a message may show of a NIR: its first digit, the rest hidden."""
    return text[:1] + "•" * (len(text) - 1)


@lru_cache(maxsize=16384)  # a file names the same few thousand organisations again and again
def check_siret(raw: str) -> Checked:
    """Normalise a SIRET: spaces, a trailing apostrophe and a float rendering are undone.

    ``21860194600000.0`` (a spreadsheet turned it into a number) may have lost digits:
    it is kept but flagged untrusted. A 9-digit SIREN where a SIRET is expected is
    flagged. La Poste's SIRETs are checked by their own rule (digit sum multiple of 5).

    >>> check_siret("218 601 946 00019").value
    '21860194600019'
    >>> check_siret("21860194600000.0").trusted
    False
    """
    text = (raw or "").strip().strip("'’").replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    if not text:
        return Checked(None)
    mangled = False
    if _FLOAT.fullmatch(text):
        mangled = True
        text = str(int(float(text.replace(",", "."))))
    if looks_like_nir(text):
        return Checked(None, Message("expect.nir"), False, shown=masked(text))
    if not text.isdigit():
        return Checked(None, Message("expect.siret"), False)
    if len(text) == 9:
        return Checked(text, Message("expect.siret_is_siren"), False)
    if len(text) != 14:
        return Checked(None, Message("expect.siret"), False)
    if mangled:
        return Checked(text, Message("expect.siret_mangled"), False)
    if text.endswith("00000"):  # no establishment is numbered 00000: a spreadsheet rounded the number
        return Checked(text, Message("expect.siret_truncated"), False)
    if text.startswith(LA_POSTE_SIREN):
        valid = sum(int(d) for d in text) % 5 == 0
    else:
        valid = luhn_ok(text)
    if not valid:
        return Checked(text, Message("expect.siret_luhn"), False)
    return Checked(text)


@lru_cache(maxsize=16384)
def check_rna(raw: str, old_style: bool = False) -> Checked:
    """An RNA number: ``W`` followed by 9 digits or capital letters; with *old_style*, also the number a
    prefecture gave before the Waldec register (``751P00085568``: its code, a letter, a serial number),
    which the RNA's ``import`` layout holds.

    >>> check_rna(" w751234567 ").value, check_rna("751P00085568", old_style=True).value
    ('W751234567', '751P00085568')
    """
    text = (raw or "").strip().upper()
    if not text:
        return Checked(None)
    if not (_RNA.match(text) or (old_style and _OLD_RNA.match(text))):
        return Checked(None, Message("expect.rna_import" if old_style else "expect.rna"), False)
    return Checked(text)


def rna_in(text: str) -> str | None:
    """The first W number written in a free text (the ``observation`` of the RNA's ``import`` layout)."""
    found = _RNA_IN_TEXT.search((text or "").upper())
    return found.group(0) if found else None
