"""SCDL grant files: the real published files in ../shared/data, and the identifier checks (a first part of issue 3)."""
from __future__ import annotations

import pytest

from importers.formats.scdl import payment_period
from importers.identifiers import check_rna, check_siret
from importers.pipeline import ImportRejected, import_files, read_files
from tests.conftest import SHARED_DATA

SCDL = SHARED_DATA / "scdl-subventions"


def test_lot_2017_windows_1252_french_amounts_loads_and_reloads_unchanged(store):
    result = import_files([SCDL / "lot-2017.csv"], store)
    assert result.summary.relationships_created == 13
    grants = {r.target: r for r in store.relationships(["FUNDS"])}
    names = {n.id: n.name for n in store.nodes()}
    assert 'Association "Ecaussystème"' in names.values()
    amounts = sorted(r.properties["amount"] for r in grants.values())
    assert 40000.0 in amounts and 260000.0 in amounts
    funder = store.get_node("siret-22460001500511")
    assert funder.name == "Departement du Lot" and funder.provenance.source == "lot-2017.csv"
    again = import_files([SCDL / "lot-2017.csv"], store)
    assert again.summary.relationships_created == 0 and again.summary.relationships_unchanged == 13
    period = next(r for r in grants.values() if r.properties.get("payment_start") == "2018-01-04")
    assert period.properties["payment_end"] == "2021-06-21"


def test_real_flaws_are_reported_with_file_line_field_and_value(store):
    report = read_files([SCDL / "exemple_valide.csv"]).report
    assert not report.errors  # a payment period is secondary: the grant is loaded, the doubt is a warning
    doubts = [(i.line, i.field, i.value) for i in report.warnings]
    assert doubts == [(27, "datesPeriodeVersement", "2017-03-02/2017-30-05")]  # month 30, in the standard's example
    report = read_files([SCDL / "haute-garonne-2017.csv"]).report
    assert [(i.file, i.line, i.field) for i in report.errors] == [("haute-garonne-2017.csv", 35, "nomBeneficiaire")]
    with pytest.raises(ImportRejected):
        import_files([SCDL / "haute-garonne-2017.csv"], store)
    assert sum(store.node_counts().values()) == 0  # a file with errors writes nothing


def test_invalid_examples_flag_doubtful_identifiers_as_warnings():
    report = read_files([SCDL / "exemple_invalide_erreurs_cellules.csv"]).report
    assert any(i.field == "idBeneficiaire" and "Luhn" in i.expected for i in report.warnings)
    assert any(i.field == "idAttribuant" and "zéros" in i.expected for i in report.warnings)


def test_the_standards_column_errors_example_is_read_by_column_name():
    # Columns reordered (idAttribuant first), "NOM_Beneficiaire" for nomBeneficiaire, no dispositifAide.
    result = read_files([SCDL / "exemple_invalide_erreurs_colonnes.csv"])
    assert [(i.line, i.field, i.value) for i in result.report.errors] == [(10, "montant", "")]  # Stade poitevin
    grants = result.all_relationships()
    assert len(grants) == result.deferred_count == 28  # 29 rows, one without an amount
    first = grants[0]
    assert first.target == "rna-W333216789" and first.properties["amount"] == 10000.0
    assert (first.properties["payment_start"], first.properties["payment_end"]) == ("2016-12-05", "2017-12-05")
    assert "Trouver sonnette a son pied" in {n.name for n in result.batch.nodes}


def test_every_field_of_the_official_schema_is_recognised():
    import json

    from importers.formats import scdl
    from importers.tabular import Table

    schema = json.loads((SCDL / "schema.json").read_text(encoding="utf-8"))
    names = [f["name"] for f in schema["fields"]]
    unused = {"idRAE", "notificationUE"}  # of no use to the cooperation graph yet
    assert schema["version"] == "2.1.1"
    assert set(names) - unused <= set(scdl.BY_NAME)
    found = scdl.columns(Table("schema", "schema", names))
    assert all(found[field] == names.index(field) for field in scdl.BY_NAME if field in names)
    assert scdl.FORMAT.recognise(Table("schema", "schema", names)).complete


def test_identifier_checks():
    assert check_siret("218 601 946 00019'").value == "21860194600019"
    mangled = check_siret("21860194600000.0")
    assert mangled.value == "21860194600000" and not mangled.trusted
    assert not check_siret("218601946").trusted and "SIREN" in str(check_siret("218601946").problem)
    assert check_siret("21060004500392").trusted and check_siret("").value is None
    assert not check_siret("21060004500391").trusted
    assert check_rna("w12300012a").value == "W12300012A" and check_rna("W12").value is None
    assert payment_period("2017-01-01_2017-12-31") == ("2017-01-01", "2017-12-31")
    assert payment_period("2017-03-30/2017-05-24") == ("2017-03-30", "2017-05-24")
    assert payment_period("") == (None, None)


def test_rna_waldec_sample_flags_dissolved_and_filters_by_commune(tmp_path):
    from tests.helpers import maillage

    path = SHARED_DATA / "rna" / "rna_sample_waldec.csv"
    result = read_files([path])
    assert not result.report.errors, [i.message() for i in result.report.errors]
    associations = {n.properties["rna"]: n for n in result.batch.nodes}
    assert set(associations) == {"W632007046", "W012000002", "W012000005"}
    black_owl = associations["W632007046"]
    assert black_owl.properties["dissolved"] is True and black_owl.properties["until"] == "2015-01-20"
    # The published sample lost its accents upstream ("scne"): kept as found, not "repaired".
    assert black_owl.properties["description"].startswith("promouvoir la sc")
    assert associations["W012000002"].properties.get("dissolved") is None
    assert associations["W012000002"].properties["social_object_codes"] == ["006070"]
    only = read_files([path], communes={"69266"}).batch.nodes
    assert [n.properties["commune"] for n in only] == ["69266"]
    data = str(tmp_path / "data")
    done = maillage("import", "--data", data, "--commune", "69266", "--commune", "63113", str(path))
    assert done.returncode == 0 and "2 nœuds" in done.stdout, done.stderr


def test_rna_import_layout_is_recognised(tmp_path):
    header = ("id;id_ex;siret;gestion;date_creat;date_publi;nature;groupement;titre;objet;objet_social1;objet_social2;"
              "adr1;adr2;adr3;adrs_codepostal;libcom;adrs_codeinsee;dir_civilite;telephone;siteweb;email;observation;"
              "position;rup_mi;maj_time")
    row = ("W7612345AB;;;762P;1999-05-01;1999-06-01;D;S;AMICALE DES JARDINS D'ÉTÉ;Jardiner ensemble;006030;000000;;;;"
           "76360;MALAUNAY;76402;PM;;;;;A;;2010-01-01 10:00:00")
    path = tmp_path / "rna_import.csv"
    path.write_bytes((header + "\n" + row + "\n").encode("latin-1"))
    result = read_files([path])
    assert not result.report.errors
    node = result.batch.nodes[0]
    assert node.id == "rna-W7612345AB" and node.properties["rna_layout"] == "import"
    assert node.name == "AMICALE DES JARDINS D'ÉTÉ"  # ISO-8859-1, as the RNA publishes it
    assert node.properties["commune"] == "76402" and node.properties["since"] == "1999-05-01"


def test_same_association_from_rna_and_scdl_is_one_node(tmp_path):
    (tmp_path / "subventions.csv").write_text(
        "nomAttribuant;idAttribuant;dateConvention;referenceDecision;nomBeneficiaire;idBeneficiaire;rnaBeneficiaire;"
        "objet;montant\nCommune fictive;21060004500392;2024-03-01;DEL-1;Amicale des jardins;;W7612345AB;"
        "Fonctionnement;1 500,00\n", encoding="utf-8")
    header = "id;siret;date_creat;date_disso;titre;objet;objet_social1;objet_social2;adrs_codeinsee;position"
    (tmp_path / "rna.csv").write_text(header + "\nW7612345AB;;1999-05-01;0001-01-01;AMICALE DES JARDINS;Jardiner;"
                                      "006030;000000;76402;A\n", encoding="utf-8")
    result = read_files([tmp_path])
    associations = [n for n in result.batch.nodes if n.kind == "Association"]
    assert len(associations) == 1 and associations[0].id == "rna-W7612345AB"
    assert [r.target for r in result.all_relationships()] == ["rna-W7612345AB"]


def test_skip_invalid_loads_valid_rows_and_writes_rejects(store, tmp_path):
    import csv

    from tests.helpers import maillage

    result = import_files([SCDL / "haute-garonne-2017.csv"], store, skip_invalid=True)
    assert result.rejected == [("haute-garonne-2017.csv", 35)]
    assert result.summary.relationships_created == 68  # 69 grants in the file, one rejected
    if store.backend == "embedded":
        rejects = tmp_path / "rejets.csv"
        done = maillage("import", "--data", str(tmp_path / "data"), "--skip-invalid", "--rejects", str(rejects),
                        str(SCDL / "haute-garonne-2017.csv"))
        assert done.returncode == 0 and "1 ligne(s) rejetée(s)" in done.stdout, done.stderr
        with rejects.open(encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle, delimiter=";"))
        assert rows[0][:3] == ["fichier", "ligne", "champ"]
        assert rows[1][:3] == ["haute-garonne-2017.csv", "35", "nomBeneficiaire"] and "SICOVAL" in rows[1][5]


def test_skip_invalid_also_leaves_out_what_points_at_a_rejected_row(tmp_path, embedded_store):
    (tmp_path / "acteurs.csv").write_text("identifiant;type;nom\na1;agent;Un\na2;sorcier;Deux\n", encoding="utf-8")
    (tmp_path / "cooperations.csv").write_text("acteur_a;acteur_b\na1;a2\n", encoding="utf-8")
    result = import_files([tmp_path], embedded_store, skip_invalid=True)
    assert ("acteurs.csv", 3) in result.rejected and ("cooperations.csv", 2) in result.rejected
    assert [n.id for n in embedded_store.nodes()] == ["a1"]
    assert list(embedded_store.relationships()) == []


def test_relational_survey_declares_cooperations_and_never_invents_people(store, tmp_path):
    from tests.conftest import EXAMPLE

    import_files([EXAMPLE], store)
    survey = tmp_path / "enquete.csv"
    survey.write_text(
        "Horodateur,Votre nom,Avec qui travaillez-vous au quotidien ?,Avec qui travaillez-vous chaque mois ?\n"
        '2025-03-01,Camille Aubertin,"Léa Hamelin; Hugo Ollivier","Club de la Vallée"\n'
        "2025-03-02,Léa Hamelin,Camille Aubertin,\n", encoding="utf-8")
    result = import_files([survey], store)
    declared = [r for r in store.relationships(["COOPERATES_WITH"]) if r.provenance.kind == "survey"]
    assert len(declared) == 4 and result.summary.relationships_created == 4
    daily = {(r.source, r.target): r.properties for r in declared}
    assert daily[("ag-00001", "ag-00002")]["frequency"] == "quotidienne"
    assert daily[("ag-00001", "asso-00020")]["frequency"] == "mensuelle"
    assert all(r.properties["declared_by"] == r.source for r in declared)
    typo = tmp_path / "enquete2.csv"
    typo.write_text("Votre nom;Avec qui travaillez-vous ?\nCamille Aubertin;Lea Hamlin\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as rejected:
        import_files([typo], store)
    issue = rejected.value.report.errors[0]
    assert (issue.file, issue.line, issue.value) == ("enquete2.csv", 2, "Lea Hamlin")
    assert "Léa Hamelin" in issue.expected


GRANT = ("nomAttribuant;idAttribuant;dateConvention;nomBeneficiaire;idBeneficiaire;rnaBeneficiaire;objet;montant\n"
         "Ville fictive;21060004500392;2024-03-01;LES JARDINS DU CAILLY;;W761234567;Fonctionnement;1 500,00\n")


def test_an_organisation_already_entered_is_matched_not_duplicated(store, tmp_path):
    (tmp_path / "acteurs.csv").write_text("identifiant;type;nom;rna;commune\n"
                                          "asso-jardins;association;Les Jardins du Cailly;W761234567;76999\n",
                                          encoding="utf-8")
    import_files([tmp_path / "acteurs.csv"], store)
    (tmp_path / "subventions.csv").write_text(GRANT, encoding="utf-8")
    import_files([tmp_path / "subventions.csv"], store)
    assert [n.id for n in store.nodes("Association")] == ["asso-jardins"]
    grant = next(iter(store.relationships(["FUNDS"])))
    assert grant.target == "asso-jardins"
    assert store.get_node("asso-jardins").name == "Les Jardins du Cailly"  # what the town entered wins


def test_an_organisation_without_identifiers_is_matched_by_name_and_commune_in_the_store(store, tmp_path):
    (tmp_path / "acteurs.csv").write_text("identifiant;type;nom\npart-velo;partenaire;Vélo Services\n"
                                          "part-velo-2;partenaire;Velo Services\n"
                                          "asso-club;association;Club de l'Étoile\n", encoding="utf-8")
    import_files([tmp_path / "acteurs.csv"], store)
    (tmp_path / "subventions.csv").write_text(
        "nomAttribuant;idAttribuant;dateConvention;nomBeneficiaire;idBeneficiaire;objet;montant\n"
        "Ville fictive;21060004500392;2024-03-01;CLUB DE L'ETOILE;;Fonctionnement;800\n"
        "Ville fictive;21060004500392;2024-03-02;VELO SERVICES;;Atelier;900\n", encoding="utf-8")
    result = import_files([tmp_path / "subventions.csv"], store)
    targets = {r.properties["object"]: r.target for r in store.relationships(["FUNDS"])}
    assert targets["Fonctionnement"] == "asso-club"  # one actor of that name: matched, not duplicated
    assert targets["Atelier"] == "nom-velo-services"  # two: reported for a person to decide, not merged
    assert any("part-velo, part-velo-2" in i.expected for i in result.report.warnings)
    assert {n.id for n in store.nodes("Association")} == {"asso-club"}


def test_ambiguous_matches_are_reported_not_merged(tmp_path):
    (tmp_path / "acteurs.csv").write_text("identifiant;type;nom;rna\nasso-a;association;A;W761234567\n"
                                          "asso-b;association;B;W761234567\n", encoding="utf-8")
    (tmp_path / "subventions.csv").write_text(GRANT, encoding="utf-8")
    result = read_files([tmp_path])
    assert any("asso-a, asso-b" in i.expected for i in result.report.warnings)
    assert "rna-W761234567" in {n.id for n in result.batch.nodes}


def test_format_can_be_forced(tmp_path):
    from tests.helpers import maillage

    path = SCDL / "lot-2017.csv"
    assert not read_files([path], fmt="scdl").report.errors
    forced = read_files([path], fmt="rna").report.errors
    assert forced and forced[0].file == "lot-2017.csv" and "rna" in forced[0].expected
    wrong = maillage("import", "--dry-run", "--format", "enquete", "--data", str(tmp_path / "d"), str(path))
    assert wrong.returncode == 1 and "« enquete »" in wrong.stderr
