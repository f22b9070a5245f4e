"""RNA extracts (Répertoire national des associations), in the ``waldec`` and the older ``import`` layouts.

Both are ``;``-separated and ISO-8859-1 in the published files (decoding is
detected, see :mod:`importers.tabular`). Each row is an association with its
title, object, social-object codes, creation date and INSEE commune code;
dissolved associations (position ``D``) are kept and flagged, not dropped. An
association's key is its W number: in the ``import`` layout (associations declared
before the Waldec register) the row's ``id`` is the prefecture's older number
(``751P00085568``), and the W number, when it has one, is in ``observation``.
"""
from __future__ import annotations

from collections.abc import Iterator

from graph import schema
from graph.i18n import Bilingual, Message
from graph.model import Node
from graph.values import parse_date
from importers.context import ImportContext
from importers.formats import Format, Recognition, recognition
from importers.identifiers import check_rna, check_siret, rna_in
from importers.tabular import Table, normalise_header, shaped_rows

REQUIRED = ("id", "titre", "position", "adrscodeinsee")
OPTIONAL = ("objet", "datecreat", "datedisso", "siret", "objetsocial1", "objetsocial2")
NO_CODE = {"", "000000"}


def positions(table: Table) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        found.setdefault(normalise_header(header), index)
    return found


def layout(table: Table) -> str:
    return "waldec" if "datedisso" in positions(table) else "import"


class Associations(Format):
    name = "rna"
    title = Bilingual("extrait du RNA (dispositions « waldec » et « import »)",
                      "RNA extract (waldec and import layouts)")
    description = Bilingual("les associations, les dissoutes signalées", "associations, dissolved ones flagged")
    example = "maillage import rna_waldec_76.csv --commune 76402"
    phase = 20

    def fields(self) -> tuple[str, ...]:
        return REQUIRED + OPTIONAL

    def recognise(self, table: Table) -> Recognition:
        found = positions(table)
        return recognition({column: column in found for column in REQUIRED},
                           sum(1 for column in OPTIONAL if column in found))

    def rows(self, context: ImportContext, table: Table) -> Iterator[int]:
        found = positions(table)
        report, label, communes = context.report, table.label, context.options.communes
        kept_layout = layout(table)
        for line, cells in shaped_rows(context.report, table):
            cell = {name: cells[i].strip() for name, i in found.items()}
            commune = cell.get("adrscodeinsee", "")
            if communes and commune not in communes:
                continue
            rna = check_rna(cell.get("id", ""), old_style=kept_layout == "import")
            if rna.value is None:
                report.error(label, line, "id", cell.get("id"), rna.problem or Message("expect.rna"))
                continue
            # The import layout: the prefecture's number is the row's id; the W number, when the association
            # has one, is written in "observation" and is its key (the same association in waldec or a grant file).
            old_id = rna.value if not rna.value.startswith("W") else None
            w_number = rna.value if old_id is None else rna_in(cell.get("observation", ""))
            title = cell.get("titre", "")
            if not title:
                report.error(label, line, "titre", "", Message("expect.required"))
                continue
            siret = check_siret(cell.get("siret", ""))
            if siret.problem:
                report.warning(label, line, "siret", siret.shown or cell.get("siret"), siret.problem)
            try:
                created = parse_date(cell.get("datecreat", ""))
                dissolved_on = parse_date(cell.get("datedisso", ""))
            except ValueError:
                report.error(label, line, "date_creat", cell.get("datecreat"), Message("expect.date"))
                continue
            codes = list(dict.fromkeys(c for c in (cell.get("objetsocial1", ""), cell.get("objetsocial2", ""))
                                       if c not in NO_CODE))
            dissolved = cell.get("position", "").upper() == "D"
            node_id = f"rna-{w_number or old_id}"
            context.nodes[node_id] = Node(schema.ASSOCIATION.label, node_id, title, {
                "rna": w_number, "rna_import_id": old_id, "siret": siret.value if siret.trusted else None,
                "commune": commune,
                "description": cell.get("objet"), "social_object_codes": codes, "since": created,
                "dissolved": True if dissolved else None, "until": dissolved_on if dissolved else None,
                "rna_layout": kept_layout}, context.provenance(table, line))
            yield line


FORMAT = Associations()
