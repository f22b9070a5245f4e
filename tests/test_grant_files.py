"""Every real grant file of ../shared/data/scdl-subventions (and more/), against what a careful person reads in it.

The figures below were established by reading each file, not by running the importer:
the grants a person finds (payer, beneficiary, amount), their total, the rows no one
could read as a grant, and each doubt worth a warning. How each was counted:

- ``exemple_valide.csv`` (29 rows): every row is a grant; line 27's payment period
  ``2017-03-02/2017-30-05`` has a month 30.
- ``exemple_invalide_erreurs_*.csv`` (29 rows): line 10 (Stade poitevin) has no amount;
  SIRETs ending in ``00000`` (48 in the cells example, 47 in the columns one, which has
  ``47972165600100`` instead), one SIREN (``218601946``), one SIRET turned into a number
  (``32402138500000.0``), check digits that fail, three RNA numbers that are not.
- ``haute-garonne-2017.csv`` (69 rows): line 35 names no beneficiary, by name or number.
- ``lot-2017.csv``: 13 grants among 34 lines (quoted names spanning lines).
- ``deux-sevres.xls`` (467 rows, old binary Excel): « Autorité administrative », « Nom
  attributaire » (the beneficiary), « Montant décidé ligne »…; no flaw.
- ``loire-atlantique.csv`` (18,148 rows, French titles): 32 rows have no grant amount
  (they are loans, guarantees or benefits in kind: « Montant du prêt »…), one names no
  beneficiary; every beneficiary identifier is a 9-digit SIREN (18,057).
- ``maine-et-loire-associations.csv`` (11,843 rows, not SCDL; the département pays):
  every 14-digit SIRET lost its last digits to a spreadsheet (11,481 end in ``00000``),
  12 SIRENs, 14 numbers of 13 digits of which three (``7220220000000``) read as a
  person's social security number.
- ``mayenne-2019.xlsx`` (61 rows): rows 30 to 45 repeat rows 14 to 29 (same beneficiary,
  date, decision, object and amount; three of the repeats lost their SIRET): 45 grants;
  the payer's SIRET lost its digits on 9 rows, a beneficiary's on row 2.
- ``pyrenees-orientales.ods``: title rows, the header on row 6, no payer column; 54
  grants, each of the 22 rows that hold only a second payment date (cells merged over
  two rows) continues the grant above; 17 payment « dates » that are sentences, one
  ``2911/17``; the SIRET ``3058354150124`` (13 digits) twice.
- ``sarthe-2018.xls``: the payer in the sheet's title with its SIRET; 24 grants; the
  SIRET of « Graines d'Images » fails its check twice, one of 13 digits, one SIREN.
- ``vendee-2017.csv``, ``vendee-201903.csv``: comma-separated, every amount written
  ``24 975,00`` without quotes, and commas in the free texts: 23 and 47 rows, each put
  back together; one SIRET fails its check.
- ``vendee.xlsx``: 4 grants.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from importers.context import ImportOptions
from importers.pipeline import ImportRejected, import_files, read_files
from tests.conftest import SHARED_DATA

SCDL = SHARED_DATA / "scdl-subventions"
MAINE_ET_LOIRE = {"payer": "Département de Maine-et-Loire", "payer_id": "22490001900015"}
PYRENEES = {"payer": "Département des Pyrénées-Orientales"}


@dataclass(frozen=True)
class Reading:
    """What a careful person reads in a file."""

    path: str
    grants: int
    total: str
    refused: tuple[int, ...] = ()
    warnings: dict[str, int] = field(default_factory=dict)  # message key -> count
    options: dict[str, str] = field(default_factory=dict)


READINGS = [
    Reading("exemple_valide.csv", 29, "2821393.50", (), {"expect.period_text": 1}),
    Reading("exemple_invalide_erreurs_cellules.csv", 28, "851436.10", (10,),
            {"expect.siret_truncated": 48, "expect.rna": 3, "expect.siret_mangled": 1, "expect.siret_is_siren": 1,
             "expect.siret_luhn": 1}),
    Reading("exemple_invalide_erreurs_colonnes.csv", 28, "851436.10", (10,),
            {"expect.siret_truncated": 47, "expect.rna": 3, "expect.siret_mangled": 1, "expect.siret_is_siren": 1,
             "expect.siret_luhn": 2}),
    Reading("haute-garonne-2017.csv", 68, "351558.85", (35,)),
    Reading("lot-2017.csv", 13, "878205.00"),
    Reading("more/deux-sevres.xls", 467, "29988907.79"),
    Reading("more/loire-atlantique.csv", 18115, "472221540.88",
            (44, 84, 1225, 1664, 2236, 5058, 5290, 5866, 5887, 6381, 6691, 7640, 7955, 8486, 10673, 10867, 11063, 11133,
             11961, 12360, 12500, 13480, 14122, 14537, 14872, 15136, 15221, 15407, 16712, 16954, 17402, 17490, 17720),
            {"expect.siret_is_siren": 18057}),
    Reading("more/maine-et-loire-associations.csv", 11843, "120502177.96", (),
            {"expect.siret_truncated": 11481, "expect.siret_is_siren": 12, "expect.siret": 11, "expect.nir": 3},
            MAINE_ET_LOIRE),
    Reading("more/mayenne-2019.xlsx", 45, "5831733.00", (), {"expect.siret_truncated": 10, "expect.repeated": 16}),
    Reading("more/pyrenees-orientales.ods", 54, "3604713.98", (),
            {"expect.siret": 2, "expect.period_text": 18, "expect.continuation": 22}, PYRENEES),
    Reading("more/sarthe-2018.xls", 24, "1778125.00", (),
            {"expect.payer_from_title": 1, "expect.siret_luhn": 2, "expect.siret": 1, "expect.siret_is_siren": 1}),
    Reading("more/vendee-2017.csv", 23, "1721009.54", (), {"expect.unquoted_commas": 23, "expect.siret_luhn": 1}),
    Reading("more/vendee-201903.csv", 47, "6969345.00", (), {"expect.unquoted_commas": 47}),
    Reading("more/vendee.xlsx", 4, "2367625.00"),
]


def test_every_shared_grant_file_has_its_reading():
    files = {str(p.relative_to(SCDL)) for p in SCDL.rglob("*") if p.is_file() and p.suffix != ".json"}
    assert files == {reading.path for reading in READINGS}


def total_of(relationships) -> Decimal:
    return sum((Decimal(str(r.properties["amount"])) for r in relationships), Decimal(0)).quantize(Decimal("0.01"))


@pytest.mark.parametrize("reading", READINGS, ids=[r.path for r in READINGS])
def test_the_importer_reads_what_a_careful_person_reads(reading):
    result = read_files([SCDL / reading.path], options=ImportOptions(**reading.options))
    grants = result.all_relationships()
    assert (len(grants), result.deferred_count) == (reading.grants, reading.grants)
    assert total_of(grants) == Decimal(reading.total)
    assert tuple(sorted(issue.line for issue in result.report.errors)) == reading.refused
    assert dict(Counter(issue.expectation.key for issue in result.report.warnings)) == reading.warnings
    assert len({grant.identity for grant in grants}) == reading.grants  # no two grants stored as one


@pytest.mark.slow
def test_every_file_into_both_stores_holds_what_was_read(store):
    for reading in READINGS:
        store.clear()
        result = import_files([SCDL / reading.path], store, skip_invalid=True, options=ImportOptions(**reading.options))
        stored = list(store.relationships(["FUNDS"]))
        assert len(stored) == reading.grants, reading.path
        assert total_of(stored) == Decimal(reading.total), reading.path
        assert result.rejected == [(result.tables[0].label, line) for line in reading.refused], reading.path


def test_a_file_with_refused_rows_writes_nothing_unless_told(store):
    before = (store.node_counts(), store.relationship_counts())
    with pytest.raises(ImportRejected) as refused:
        import_files([SCDL / "more/loire-atlantique.csv"], store)
    assert len(refused.value.report.errors) == 33
    with pytest.raises(ImportRejected):  # no payer column and no --payer: the whole file is refused
        import_files([SCDL / "more/maine-et-loire-associations.csv"], store)
    assert (store.node_counts(), store.relationship_counts()) == before


def test_the_same_payer_and_beneficiaries_across_files_are_one_node_each(store):
    import_files([SCDL / "more/vendee-2017.csv", SCDL / "more/vendee-201903.csv", SCDL / "more/vendee.xlsx"], store)
    payers = [n for n in store.nodes() if n.properties.get("category") == "attribuant"]
    assert [n.id for n in payers] == ["siret-22850001300658"]
    aubepine = store.get_node("siret-32834053400010")  # Institut L'Aubépine: funded in 2017 and in 2019
    assert aubepine is not None
    assert len([r for r in store.relationships(["FUNDS"]) if r.target == aubepine.id]) == 2
