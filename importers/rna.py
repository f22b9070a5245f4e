"""RNA extracts (Répertoire national des associations), in the ``waldec`` and the older ``import`` layouts.

Both are ``;``-separated and ISO-8859-1 in the published files (decoding is
detected, see :mod:`importers.tabular`). Each row is an association with its
title, object, social-object codes, creation date and INSEE commune code;
dissolved associations (position ``D``) are kept and flagged, not dropped.
"""
from __future__ import annotations

from graph import schema
from graph.model import Node
from importers.identifiers import check_rna, check_siret
from importers.scdl import organisation_id
from importers.report import shaped_rows
from importers.tabular import Table, normalise_header
from importers.values import parse_date

REQUIRED = ("id", "titre", "position", "adrscodeinsee")
NO_CODE = {"", "000000"}


def positions(table: Table) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        found.setdefault(normalise_header(header), index)
    return found


def is_rna(table: Table) -> bool:
    found = positions(table)
    return all(column in found for column in REQUIRED)


def layout(table: Table) -> str:
    return "waldec" if "datedisso" in positions(table) else "import"


def load(builder, table: Table, communes: set[str] | None = None) -> None:
    """Add the associations of *table* to *builder*; with *communes*, only those of these INSEE codes."""
    found = positions(table)
    report, label = builder.report, table.label
    for line, cells in shaped_rows(builder.report, table):
        cell = {name: cells[i].strip() for name, i in found.items()}
        commune = cell.get("adrscodeinsee", "")
        if communes and commune not in communes:
            continue
        rna = check_rna(cell.get("id", ""))
        if rna.value is None:
            report.error(label, line, "id", cell.get("id"), rna.problem or "un numéro RNA")
            continue
        title = cell.get("titre", "")
        if not title:
            report.error(label, line, "titre", "", "valeur obligatoire")
            continue
        siret = check_siret(cell.get("siret", ""))
        if siret.problem:
            report.warning(label, line, "siret", cell.get("siret"), siret.problem)
        try:
            created = parse_date(cell.get("datecreat", ""))
            dissolved_on = parse_date(cell.get("datedisso", ""))
        except ValueError:
            report.error(label, line, "date_creat", cell.get("datecreat"), "une date AAAA-MM-JJ")
            continue
        codes = list(dict.fromkeys(c for c in (cell.get("objetsocial1", ""), cell.get("objetsocial2", "")) if c not in NO_CODE))
        dissolved = cell.get("position", "").upper() == "D"
        node_id = organisation_id(siret.value if siret.trusted else None, rna.value, title, commune)
        builder.nodes[node_id] = Node(schema.ASSOCIATION.label, node_id, title, {
            "rna": rna.value, "siret": siret.value if siret.trusted else None, "commune": commune,
            "description": cell.get("objet"), "social_object_codes": codes, "since": created,
            "dissolved": True if dissolved else None, "until": dissolved_on if dissolved else None,
            "rna_layout": layout(table)}, builder.provenance(_row(table, line, cell)))


def _row(table: Table, line: int, cell: dict):
    from importers.templates import Row

    return Row(table, line, cell)
