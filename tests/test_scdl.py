"""SCDL grant files: the real published files in ../shared/data, and the identifier checks (a first part of issue 3)."""
from __future__ import annotations

import pytest

from importers.identifiers import check_rna, check_siret
from importers.report import ImportRejected
from importers.scdl import payment_period
from importers.templates import import_templates, read_templates
from tests.conftest import SHARED_DATA

SCDL = SHARED_DATA / "scdl-subventions"


def test_lot_2017_windows_1252_french_amounts_loads_and_reloads_unchanged(store):
    result = import_templates([SCDL / "lot-2017.csv"], store)
    assert result.summary.relationships_created == 13
    grants = {r.target: r for r in store.relationships(["FUNDS"])}
    names = {n.id: n.name for n in store.nodes()}
    assert 'Association "Ecaussystème"' in names.values()
    amounts = sorted(r.properties["amount"] for r in grants.values())
    assert 40000.0 in amounts and 260000.0 in amounts
    funder = store.get_node("siret-22460001500511")
    assert funder.name == "Departement du Lot" and funder.provenance.source == "lot-2017.csv"
    again = import_templates([SCDL / "lot-2017.csv"], store)
    assert again.summary.relationships_created == 0 and again.summary.relationships_unchanged == 13
    period = next(r for r in grants.values() if r.properties.get("payment_start") == "2018-01-04")
    assert period.properties["payment_end"] == "2021-06-21"


def test_real_flaws_are_reported_with_file_line_field_and_value(store):
    report = read_templates([SCDL / "exemple_valide.csv"]).report
    bad = [(i.line, i.field, i.value) for i in report.errors]
    assert bad == [(27, "datesPeriodeVersement", "2017-03-02/2017-30-05")]  # month 30, in the standard's own example
    report = read_templates([SCDL / "haute-garonne-2017.csv"]).report
    assert [(i.file, i.line, i.field) for i in report.errors] == [("haute-garonne-2017.csv", 35, "nomBeneficiaire")]
    with pytest.raises(ImportRejected):
        import_templates([SCDL / "haute-garonne-2017.csv"], store)
    assert sum(store.node_counts().values()) == 0  # a file with errors writes nothing


def test_invalid_examples_flag_doubtful_identifiers_as_warnings():
    report = read_templates([SCDL / "exemple_invalide_erreurs_cellules.csv"]).report
    assert any(i.field == "idAttribuant" and "Luhn" in i.expected for i in report.warnings)


def test_identifier_checks():
    assert check_siret("218 601 946 00019'").value == "21860194600019"
    mangled = check_siret("21860194600000.0")
    assert mangled.value == "21860194600000" and not mangled.trusted
    assert not check_siret("218601946").trusted and "SIREN" in check_siret("218601946").problem
    assert check_siret("21060004500392").trusted and check_siret("").value is None
    assert not check_siret("21060004500391").trusted
    assert check_rna("w12300012a").value == "W12300012A" and check_rna("W12").value is None
    assert payment_period("2017-01-01_2017-12-31") == ("2017-01-01", "2017-12-31")
    assert payment_period("2017-03-30/2017-05-24") == ("2017-03-30", "2017-05-24")
    assert payment_period("") == (None, None)
