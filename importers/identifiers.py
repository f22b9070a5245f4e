"""French organisation identifiers as published files really hold them: SIRET, SIREN, RNA numbers."""
from __future__ import annotations

import re
from dataclasses import dataclass

from graph.i18n import Message

LA_POSTE_SIREN = "356000000"  # La Poste's SIRETs do not satisfy the Luhn check; their digit sum is a multiple of 5
_RNA = re.compile(r"^W[0-9A-Z]{9}$")


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
    if re.fullmatch(r"\d+\.0+", text) or re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", text):
        mangled = True
        text = str(int(float(text)))
    if not text.isdigit():
        return Checked(None, Message("expect.siret"), False)
    if len(text) == 9:
        return Checked(text, Message("expect.siret_is_siren"), False)
    if len(text) != 14:
        return Checked(None, Message("expect.siret"), False)
    if mangled:
        return Checked(text, Message("expect.siret_mangled"), False)
    if text.startswith(LA_POSTE_SIREN):
        valid = sum(int(d) for d in text) % 5 == 0
    else:
        valid = luhn_ok(text)
    if not valid:
        return Checked(text, Message("expect.siret_luhn"), False)
    return Checked(text)


def check_rna(raw: str) -> Checked:
    """An RNA number: ``W`` followed by 9 digits or capital letters.

    >>> check_rna(" w751234567 ").value
    'W751234567'
    """
    text = (raw or "").strip().upper()
    if not text:
        return Checked(None)
    if not _RNA.match(text):
        return Checked(None, Message("expect.rna"), False)
    return Checked(text)
