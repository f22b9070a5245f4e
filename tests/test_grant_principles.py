"""Each principle of reading published grant files, on small files the test writes itself.

Essentials (payer, beneficiary, amount) refuse a row when missing; everything else is a
warning with the raw text kept. Identifiers as found in the wild, a NIR never stored,
dates in free text, headers as publishers write them, lists that are not SCDL, decimal
commas, mixed encodings, the RNA's ``import`` layout.
"""
from __future__ import annotations

from collections import Counter

import pytest

from importers.context import ImportOptions
from importers.pipeline import ImportRejected, import_files, read_files
from tests.helpers import maillage

HEADER = "nomAttribuant;idAttribuant;dateConvention;referenceDecision;nomBeneficiaire;idBeneficiaire;objet;montant;" \
         "nature;datesPeriodeVersement"


def read(tmp_path, text: str, name: str = "subventions.csv", encoding: str = "utf-8", **options):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    result = read_files([path], options=ImportOptions(**options))
    return result, {g.provenance.line: g for g in result.all_relationships()}


def keys(report, severity: str = "warning") -> Counter:
    return Counter((i.line, i.field, i.expectation.key) for i in report.issues if i.severity == severity)


def test_a_grant_needs_a_payer_a_beneficiary_and_an_amount_everything_else_is_secondary(tmp_path):
    rows = ["Ville;21060004500392;le 3 mars;D1;Asso A;;O;100;aide;versement subvention",  # secondary unreadable
            "Ville;21060004500392;2024-01-02;D2;;;O;100;;",  # no beneficiary
            "Ville;21060004500392;2024-01-02;D3;Asso B;;O;;;",  # no amount
            "Ville;21060004500392;2024-01-02;D4;Asso B;;O;douze;;",  # an amount no one can read
            ";;2024-01-02;D5;Asso C;;O;100;;",  # no payer
            "Ville;21060004500392;2024-01-02;D6;;21860194600013;O;50;;"]  # a beneficiary known by its SIRET only
    result, grants = read(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n")
    assert sorted((i.line, i.field) for i in result.report.errors) == [
        (3, "nomBeneficiaire"), (4, "montant"), (5, "montant"), (6, "nomAttribuant")]
    assert sorted(grants) == [2, 7]
    first = grants[2].properties
    assert first["amount"] == 100.0 and first["raw_date"] == "le 3 mars" and first["date"] is None
    assert first["raw_payment_period"] == "versement subvention" and first["payment_start"] is None
    assert keys(result.report) == Counter({(2, "dateConvention", "expect.unreadable_kept"): 1,
                                          (2, "datesPeriodeVersement", "expect.period_text"): 1})
    assert grants[7].target == "siret-21860194600013"
    nodes = {n.id: n for n in result.batch.nodes}
    assert nodes["siret-21860194600013"].name == "SIRET 21860194600013"


def test_identifiers_as_found_in_the_wild_are_set_aside_with_a_warning(tmp_path):
    rows = {"7,86E+13": "expect.siret_mangled", "21060004500391": "expect.siret_luhn", "NC": "expect.siret",
            "35181600000000": "expect.siret_truncated", "218601946": "expect.siret_is_siren"}
    text = HEADER + "".join(f"\nVille;21060004500392;2024-01-02;D{i};Les Jardins;{raw};O;10;;"
                            for i, raw in enumerate(rows))
    result, grants = read(tmp_path, text)
    assert not result.report.errors
    assert [i.expectation.key for i in result.report.warnings] == list(rows.values())
    assert [i.value for i in result.report.warnings] == list(rows)  # the value as found, in the message
    nodes = {n.id: n for n in result.batch.nodes}
    assert not any(node.properties.get("siret") for node in nodes.values() if node.name == "Les Jardins")
    # Set aside, matching falls back to the name: the same association, which the file names once with a real
    # SIREN (the legal unit), is one node.
    assert {grants[line].target for line in grants} == {"siren-218601946"}
    only_named = read(tmp_path, HEADER + "\nVille;21060004500392;2024-01-02;D1;Les Jardins;NC;O;10;;")[1]
    assert [g.target for g in only_named.values()] == ["nom-les-jardins"]


def test_a_bad_siret_falls_back_to_the_name_of_a_known_actor(store, tmp_path):
    (tmp_path / "acteurs.csv").write_text("identifiant;type;nom\nasso-jardins;association;Les Jardins Partagés\n",
                                          encoding="utf-8")
    (tmp_path / "subventions.csv").write_text(
        HEADER + "\nVille;21060004500392;2024-01-02;D1;LES JARDINS PARTAGES;NC;O;10;;\n", encoding="utf-8")
    import_files([tmp_path / "acteurs.csv"], store)
    import_files([tmp_path / "subventions.csv"], store)
    [grant] = store.relationships(["FUNDS"])
    assert grant.target == "asso-jardins"


NIR = "1850578006084"
NIR_WITH_KEY = "185057800608491"


def test_a_social_security_number_is_never_stored(store, tmp_path):
    path = tmp_path / "liste.csv"
    path.write_text("Année;SIRET ou NIR;Raison sociale;Mandaté\n"
                    f"2019;{NIR};DUPONT JEAN;1200.0\n2019;{NIR_WITH_KEY};MARTIN ANNE;800.0\n", encoding="utf-8")
    result = import_files([path], store, options=ImportOptions(payer="Département", payer_id="22490001900015"))
    nirs = [i for i in result.report.warnings if i.expectation.key == "expect.nir"]
    assert [(i.line, i.value) for i in nirs] == [(2, "1••••••••••••"), (3, "1••••••••••••••")]
    assert all(NIR not in i.message() and NIR not in str(i.as_dict()) for i in result.report.issues)
    stored = repr([(n.id, n.name, n.properties) for n in store.nodes()]) + repr(
        [(r.identity, r.properties) for r in store.relationships()])
    assert len(list(store.relationships(["FUNDS"]))) == 2
    assert NIR not in stored and NIR[:9] not in stored and NIR_WITH_KEY not in stored


@pytest.mark.parametrize(("text", "start", "end", "warned"), [
    ("2017-12-12/fin de l'action", "2017-12-12", None, True),
    ("NC/2019-06-30", None, "2019-06-30", True),
    ("versement subvention", None, None, True),
    ("2017-01-01_2017-12-31", "2017-01-01", "2017-12-31", False),
    ("24/09/17\n15/10/17", "2017-09-24", "2017-10-15", False),
    ("2017-03-02/2017-30-05", "2017-03-02", None, True),  # no month 30: the date that is one is kept
])
def test_dates_in_free_text_keep_what_is_a_date(tmp_path, text, start, end, warned):
    quoted = '"' + text + '"'
    result, grants = read(tmp_path, HEADER + f"\nVille;21060004500392;2024-01-02;D1;Asso;;O;10;;{quoted}\n")
    [grant] = grants.values()
    assert (grant.properties["payment_start"], grant.properties["payment_end"]) == (start, end)
    assert (grant.properties.get("raw_payment_period") == text) is warned
    assert bool(result.report.warnings) is warned


@pytest.mark.parametrize("header", [
    "NOM ATTRIBUANT;Id Attribuant;Date Convention;nom_beneficiaire;ID_BENEFICIAIRE;OBJET;MONTANT",
    "Nom de l'attribuant;Identification de l'attribuant;Date de la convention de subvention;Nom du bénéficiaire;"
    "Identification du bénéficiaire;Objet de la subvention;Montant total de la subvention",
    "ATTRIBUANT_NOM;ATTRIBUANT_SIRET;SUBVENTION_DATE_CONVENTION;BENEFICIAIRE_NOM;BENEFICIAIRE_SIRET;SUBVENTION_OBJET;"
    "SUBVENTION_MONTANT",
    "Autorité administrative;SIRET autorité administrative;Date convention;Nom attributaire;N° SIRET attributaire;"
    "Objet convention;Montant décidé ligne",
])
def test_headers_as_publishers_write_them(tmp_path, header):
    result, grants = read(tmp_path, header + "\nVille;21060004500392;2024-01-02;Asso;21860194600013;Fête;1 500,00\n")
    assert not result.report.issues
    [grant] = grants.values()
    assert (grant.source, grant.target) == ("siret-21060004500392", "siret-21860194600013")
    assert grant.properties["amount"] == 1500.0 and grant.properties["object"] == "Fête"
    assert grant.properties["date"] == "2024-01-02"


def test_a_header_below_title_rows_or_over_two_rows_and_a_workbook_of_several_sheets(tmp_path):
    result, grants = read(tmp_path, "Subventions versées en 2023\n\nDonnées essentielles\n" + HEADER
                          + "\nVille;21060004500392;2024-01-02;D1;Asso;;O;10;;\n")
    assert not result.report.issues and [g.provenance.line for g in grants.values()] == [5]
    from openpyxl import Workbook

    book = Workbook()
    notes = book.active
    notes.title = "Lisez-moi"
    notes.append(["Ce classeur liste les subventions de plus de 23 000 €."])
    sheet = book.create_sheet("Subventions 2023")
    sheet.append(["Liste des conventions signées"])
    sheet.append(["Attribuant", None, "Bénéficiaire", None, "Subvention", None])
    sheet.append(["Nom", "SIRET", "Nom", "SIRET", "Montant", "Objet"])
    sheet.append(["Ville", "21060004500392", "Asso", "21860194600013", 23500, "Fête"])
    sheet.merge_cells("A2:B2")
    sheet.merge_cells("C2:D2")
    path = tmp_path / "classeur.xlsx"
    book.save(path)
    result = read_files([path])
    assert not result.report.errors
    assert [(i.file, i.expectation.key) for i in result.report.warnings] == [
        ("classeur.xlsx[Lisez-moi]", "expect.sheet_skipped")]
    [grant] = result.all_relationships()
    assert (grant.source, grant.target, grant.properties["amount"]) == ("siret-21060004500392",
                                                                        "siret-21860194600013", 23500.0)
    assert grant.provenance.line == 4


def test_an_unrecognised_file_is_explained_and_map_names_a_column_by_hand(tmp_path):
    text = "Organisme payeur;Nom du bénéficiaire;Somme versée\nVille;Asso;1 000\n"
    result, _ = read(tmp_path, text)
    [error] = result.report.errors
    assert error.line is None
    expected = error.expected
    assert "Nom du bénéficiaire → nomBeneficiaire" in expected and "Organisme payeur → nomAttribuant" in expected
    assert "absent : montant" in expected and "--map" in expected
    result, grants = read(tmp_path, text, mapping={"Somme versée": "montant"})
    assert not result.report.errors and [g.properties["amount"] for g in grants.values()] == [1000.0]


def test_a_list_without_payer_takes_it_from_the_command_line(tmp_path):
    text = "Année;SIRET;Raison sociale;Commune;Montant versé\n2016;21860194600013;Club;Angers;250.5\n"
    result, _ = read(tmp_path, text)
    assert [i.expectation.key for i in result.report.errors] == ["expect.payer"]
    result, grants = read(tmp_path, text, payer="Département de Maine-et-Loire", payer_id="22490001900015")
    [grant] = grants.values()
    assert grant.source == "siret-22490001900015" and grant.properties["date"] == "2016"
    payer = next(n for n in result.batch.nodes if n.id == grant.source)
    assert payer.name == "Département de Maine-et-Loire"


def test_text_in_mixed_encodings_is_repaired_with_a_warning(tmp_path):
    row = "Ville;21060004500392;2024-01-02;D1;{name};;Fête;10;;\n"
    mixed = (HEADER + "\n").encode() + row.format(name="Société").encode("cp1252") \
        + row.format(name="Vendée").replace("D1", "D2").encode("utf-8")  # Windows-1252 with a UTF-8 fragment
    result, _ = read(tmp_path, mixed, name="mixte.csv")
    names = sorted(n.name for n in result.batch.nodes if n.properties.get("category") != "attribuant")
    assert names == ["Société", "Vendée"]
    assert [(i.line, i.field, i.expectation.key) for i in result.report.warnings] == [
        (3, "nomBeneficiaire", "expect.encoding"), (3, "objet", "expect.encoding")]
    twice = "Vendée".encode().decode("cp1252")  # « VendÃ©e »: encoded twice
    result, _ = read(tmp_path, HEADER + "\n" + row.format(name=twice), name="deux-fois.csv")
    assert [n.name for n in result.batch.nodes if n.properties.get("category") != "attribuant"] == ["Vendée"]


def test_unquoted_decimal_commas_are_put_back_when_the_columns_around_leave_no_doubt(tmp_path):
    header = HEADER.replace(";", ",")
    rows = ["Ville,21060004500392,2024-01-02,D1,Asso,,Travaux, phase 2,58 400,00,aide en numéraire,2024-03-01",
            "Ville,21060004500392,2024-01-02,D2,Club,,Fête,1 500,50,aide en numéraire,2024-03-01",
            "Ville,21060004500392,2024-01-02,D3,Club,Ligue,,Z,1500,aide,2024-03-01"]
    result, grants = read(tmp_path, header + "\n" + "\n".join(rows) + "\n")
    assert {line: (g.properties["amount"], g.properties["object"]) for line, g in grants.items()} == {
        2: (58400.0, "Travaux, phase 2"), 3: (1500.5, "Fête")}
    assert keys(result.report) == Counter({(2, None, "expect.unquoted_commas"): 1,
                                          (3, None, "expect.unquoted_commas"): 1})
    assert [(i.line, i.expectation.key) for i in result.report.errors] == [(4, "expect.cells")]


RNA_IMPORT_HEADER = ("id;id_ex;siret;gestion;date_creat;date_publi;nature;groupement;titre;objet;objet_social1;"
                     "objet_social2;adr1;adr2;adr3;adrs_codepostal;libcom;adrs_codeinsee;dir_civilite;telephone;"
                     "siteweb;email;observation;position;rup_mi;maj_time")


def test_the_rna_import_layout_keys_an_association_by_its_w_number_and_meets_the_grant_file(store, tmp_path):
    rows = ["751P00085568;;;751P;1950-03-01;1950-04-01;D;S;AMICALE DES JARDINS;Jardiner;006030;000000;;;;76360;"
            "MALAUNAY;76402;PM;;;;Numéro RNA W762001234 attribué;A;;2010-01-01 10:00:00",
            "762P00000017;;;762P;1960-01-01;1960-02-01;D;S;CERCLE DES AINES;Se retrouver;;;;;;76360;MALAUNAY;"
            "76402;PM;;;;;A;;2010-01-01 10:00:00"]
    (tmp_path / "rna_import.csv").write_bytes((RNA_IMPORT_HEADER + "\n" + "\n".join(rows) + "\n").encode("latin-1"))
    (tmp_path / "subventions.csv").write_text(
        "nomAttribuant;idAttribuant;dateConvention;nomBeneficiaire;rnaBeneficiaire;objet;montant\n"
        "Malaunay;21760402000016;2024-03-01;Amicale des jardins;W762001234;Fonctionnement;1 500,00\n",
        encoding="utf-8")
    result = import_files([tmp_path / "rna_import.csv", tmp_path / "subventions.csv"], store)
    assert not result.report.errors
    associations = {n.id: n for n in store.nodes("Association")}
    assert set(associations) == {"rna-W762001234", "rna-762P00000017"}
    kept = associations["rna-W762001234"].properties
    assert kept["rna"] == "W762001234" and kept["rna_import_id"] == "751P00085568" and kept["rna_layout"] == "import"
    [grant] = store.relationships(["FUNDS"])
    assert grant.target == "rna-W762001234"


def test_an_rna_import_id_that_is_no_identifier_is_refused(tmp_path):
    row = "XYZ;;;;1950-03-01;;;;AMICALE;;;;;;;;;76402;;;;;;A;;"
    (tmp_path / "rna.csv").write_text(RNA_IMPORT_HEADER + "\n" + row + "\n", encoding="utf-8")
    [error] = read_files([tmp_path / "rna.csv"]).report.errors
    assert (error.line, error.field, error.value) == (2, "id", "XYZ") and "751P00085568" in error.expected


def test_skip_invalid_says_when_a_layout_is_not_recognised(tmp_path):
    path = tmp_path / "liste.csv"
    path.write_text("Colonne A;Commentaire\nVille;rien\n", encoding="utf-8")
    done = maillage("import", "--data", str(tmp_path / "data"), "--skip-invalid", str(path))
    assert done.returncode != 0
    assert "--skip-invalid ne s'applique qu'aux lignes" in done.stderr and "liste.csv" in done.stderr
    with pytest.raises(ImportRejected):
        from graph.stores.embedded import EmbeddedStore

        with EmbeddedStore(tmp_path / "data2") as store:
            import_files([path], store, skip_invalid=True)


def test_the_cli_names_the_payer_and_maps_columns(tmp_path):
    path = tmp_path / "liste.csv"
    path.write_text("Année;SIRET;Raison sociale;Somme\n2016;21860194600013;Club;250.5\n", encoding="utf-8")
    data = str(tmp_path / "data")
    unknown = maillage("import", "--data", data, str(path))
    assert unknown.returncode != 0 and "absent : montant" in unknown.stderr and "--map" in unknown.stderr
    refused = maillage("import", "--data", data, "--map", "Somme=montant", str(path))
    assert refused.returncode != 0 and "--payer" in refused.stderr
    done = maillage("import", "--data", data, "--payer", "Département", "--payer-id", "22490001900015",
                    "--map", "Somme=montant", str(path))
    assert done.returncode == 0, done.stderr
    assert "1 relations" in done.stdout
    unknown = maillage("import", "--data", data, "--map", "Somme=somme_versee", str(path))
    assert unknown.returncode != 0 and "somme_versee" in unknown.stderr and "nomBeneficiaire" in unknown.stderr


VENDEE_HEADER = ("nomAttribuant", "idAttribuant", "dateConvention", "referenceDecision", "idBeneficiaire",
                 "nomBeneficiaire", "objet", "montant", "nature", "conditionsVersement", "datesPeriodeVersement",
                 "IdRAE", "notificationUE", "pourcentageSubvention")  # the Vendée files' header


def _vendee_rows():
    from hypothesis import strategies as st

    words = st.text(alphabet="abcdefghij éèàÉ'-", min_size=1, max_size=12).filter(lambda w: w.strip())
    texts = st.lists(words, min_size=1, max_size=4).map(",".join)  # free text, with commas
    euros = st.integers(0, 9_999_999).map(lambda n: f"{n:,}".replace(",", " "))
    cents = st.integers(0, 99).map(lambda n: f"{n:02d}")
    return st.tuples(words, st.just("22850001300658"), st.just("2017-09-08"), words,
                     st.from_regex(r"[0-9]{14}", fullmatch=True), words, texts, euros, cents,
                     st.sampled_from(["aide en numéraire", "aide en nature"]), texts,
                     st.just("2017-09-30_2021-06-30"), st.just(""), st.sampled_from(["oui", "non"]), st.just("1"))


def test_a_row_put_back_together_is_always_the_row_that_was_written():
    """Whatever the commas in the texts: a reading is given only when it is the row as written, and a row whose
    only unquoted comma is the amount's is always read back."""
    from hypothesis import given, settings

    from importers.formats.scdl import column_shapes, recovered_row
    from importers.tabular import Table

    shapes = column_shapes(Table("vendee.csv", "vendee", list(VENDEE_HEADER)))
    assert shapes[6:9] == ("text", "amount", "word")

    @settings(max_examples=300, deadline=None)
    @given(_vendee_rows())
    def check(row):
        written = list(row[:7]) + [f"{row[7]},{row[8]}"] + list(row[9:])
        cells = ",".join(written).split(",")  # as a CSV reader splits a line whose cells are not quoted
        recovered = recovered_row(shapes, cells)
        assert recovered is None or recovered == written
        if "," not in row[6] + row[10]:
            assert recovered == written

    check()
