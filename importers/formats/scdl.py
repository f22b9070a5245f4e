"""SCDL « subventions » files (grants paid by a public body), schema 1.x and 2.1.1 and their real-world variants.

The attributing body and each beneficiary become organisations, identified by
RNA number, else SIRET, else normalised name, so that the same organisation in
several files (or twice in one) is one node; each grant becomes a ``FUNDS``
relationship with its amount, convention date, object, decision reference and
payment period. A grant file may hold a million rows: it is streamed, read once to
check and once to write, never held in memory.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from graph import schema
from graph.i18n import Bilingual, Message
from graph.model import Node, Relationship
from graph.schema import slugify
from graph.values import parse_amount, parse_date
from importers.context import ImportContext
from importers.formats import Format, Recognition, recognition
from importers.identifiers import check_rna, check_siret
from importers.tabular import Table, normalise_header, shaped_rows

FIELDS: dict[str, tuple[str, ...]] = {
    "nomAttribuant": ("nomattribuant", "nomdelattribuant"),
    "idAttribuant": ("idattribuant", "identificationdelattribuantsiret", "siretattribuant"),
    "dateConvention": ("dateconvention", "datedelaconvention"),
    "referenceDecision": ("referencedecision", "referencedeladecision"),
    "nomBeneficiaire": ("nombeneficiaire", "nomdubeneficiaire"),
    "idBeneficiaire": ("idbeneficiaire", "identificationdubeneficiairesiret", "siretbeneficiaire"),
    "rnaBeneficiaire": ("rnabeneficiaire", "numerornadubeneficiaire"),
    "objet": ("objet", "objetdelasubvention"),
    "montant": ("montant", "montanttotaldelasubvention", "montantdelasubvention"),
    "nature": ("nature", "naturedelasubvention"),
    "conditionsVersement": ("conditionsversement", "conditionsdeversement"),
    "datesPeriodeVersement": ("datesperiodeversement", "datesouperiodesdeversement"),
    "pourcentageSubvention": ("pourcentagesubvention", "pourcentagedusubventionne"),
    "dispositifAide": ("dispositifaide",),
}
REQUIRED = ("nomAttribuant", "nomBeneficiaire", "montant")
ASSOCIATION_WORDS = re.compile(r"\b(association|asso|amicale|club|comite|comité|union|federation|fédération|"
                               r"collectif|foyer|cercle|societe sportive)\b", re.IGNORECASE)


def columns(table: Table) -> dict[str, int]:
    """SCDL field -> column position, whatever the case, accents, spacing or French title of the header."""
    found: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        key = normalise_header(header)
        for field, spellings in FIELDS.items():
            if key in spellings and field not in found:
                found[field] = index
    return found


def organisation_id(siret: str | None, rna: str | None, name: str, commune: str | None = None) -> str:
    """A stable identifier for an organisation: by RNA number, else SIRET, else normalised name (and commune).

    The order is the matching order of the sources: an association known by its RNA
    number in the RNA and in a grant file is one node.

    >>> organisation_id(None, "W761234567", "Les Jardins"), organisation_id(None, None, "Les Jardins", "76402")
    ('rna-W761234567', 'nom-les-jardins-76402')
    """
    if rna:
        return f"rna-{rna}"
    if siret:
        return f"siret-{siret}"
    return "nom-" + slugify(f"{name} {commune or ''}")[:100]


def payment_period(text: str) -> tuple[str | None, str | None]:
    """``2017-01-01_2017-12-31`` or ``2017-03-30/2017-05-24`` (or one date) -> (start, end)."""
    text = (text or "").strip()
    if not text:
        return None, None
    parts = re.split(r"\s*[_;]\s*|(?<=\d)/(?=\d{4}-)", text)
    dates = [parse_date(p) for p in parts if p.strip()]
    return (dates[0], dates[-1]) if dates else (None, None)


class Grants(Format):
    name = "scdl"
    title = Bilingual("subventions au format SCDL (schéma 1.x et 2.1.1)", "SCDL grant files (schema 1.x and 2.1.1)")
    description = Bilingual("l'attribuant et les bénéficiaires deviennent des organisations, chaque subvention un "
                            "financement", "the attributing body and beneficiaries become organisations, each grant "
                            "a funding")
    example = "maillage import subventions-2017.csv"
    phase = 30
    streamed = True

    def recognise(self, table: Table) -> Recognition:
        found = columns(table)
        return recognition({field: field in found for field in REQUIRED}, len(found))

    def rows(self, context: ImportContext, table: Table) -> Iterator[int]:
        positions = columns(table)
        for line, cells in shaped_rows(context.report, table):
            value = {field: cells[i].strip() for field, i in positions.items()}  # shaped: as wide as the header
            _grant(context, table, line, value)
            yield line


def _grant(context: ImportContext, table: Table, line: int, value: dict[str, str]) -> None:
    report, label = context.report, table.label
    funder_name, beneficiary_name = value.get("nomAttribuant", ""), value.get("nomBeneficiaire", "")
    ok = True
    for field, text in (("nomAttribuant", funder_name), ("nomBeneficiaire", beneficiary_name)):
        if not text:
            report.error(label, line, field, "", Message("expect.required"))
            ok = False
    try:
        amount = parse_amount(value.get("montant", ""))
        if amount is None:
            report.error(label, line, "montant", "", Message("expect.amount"))
            ok = False
    except ValueError:
        report.error(label, line, "montant", value.get("montant"), Message("expect.amount"))
        ok = False
    try:
        convention = parse_date(value.get("dateConvention", ""))  # None when empty or 0001-01-01 (unknown)
    except ValueError:
        report.error(label, line, "dateConvention", value.get("dateConvention"), Message("expect.date"))
        convention, ok = None, False
    try:
        start, end = payment_period(value.get("datesPeriodeVersement", ""))
    except ValueError:
        report.error(label, line, "datesPeriodeVersement", value.get("datesPeriodeVersement"),
                     Message("expect.period"))
        start = end = None
        ok = False
    funder_siret = _siret(context, label, line, "idAttribuant", value.get("idAttribuant", ""))
    beneficiary_siret = _siret(context, label, line, "idBeneficiaire", value.get("idBeneficiaire", ""))
    rna = check_rna(value.get("rnaBeneficiaire", ""))
    if rna.problem:
        report.warning(label, line, "rnaBeneficiaire", value.get("rnaBeneficiaire"), rna.problem)
    if not ok:
        return
    prov = context.provenance(table, line)
    funder = organisation_id(funder_siret, None, funder_name)
    context.nodes.setdefault(funder, Node(schema.PARTNER.label, funder, funder_name,
                                          {"category": "attribuant", "siret": funder_siret}, prov))
    beneficiary = organisation_id(beneficiary_siret, rna.value, beneficiary_name)
    kind = schema.ASSOCIATION.label if (rna.value or ASSOCIATION_WORDS.search(beneficiary_name)) \
        else schema.PARTNER.label
    properties = {"siret": beneficiary_siret, "rna": rna.value} if kind == schema.ASSOCIATION.label \
        else {"siret": beneficiary_siret, "category": "beneficiaire"}
    context.nodes.setdefault(beneficiary, Node(kind, beneficiary, beneficiary_name, properties, prov))
    reference, obj = value.get("referenceDecision", ""), value.get("objet", "")
    key = slugify(f"{reference} {convention or ''} {obj}")[:200] or f"ligne-{line}"
    context.relationships.append(Relationship("FUNDS", funder, beneficiary, key, {
        "amount": amount, "date": convention, "object": obj, "reference": reference,
        "nature": value.get("nature"), "payment_start": start, "payment_end": end, "since": convention},
        prov))


def _siret(context: ImportContext, label: str, line: int, field: str, raw: str) -> str | None:
    checked = check_siret(raw)
    if checked.problem:
        context.report.warning(label, line, field, raw, checked.problem)
    return checked.value if checked.trusted else None


FORMAT = Grants()
