"""Real files are messy: each case of issue 3, on small synthetic SCDL files the test writes itself."""
from __future__ import annotations

from importers.pipeline import read_files

HEADER = "NomAttribuant;idAttribuant;dateConvention;referenceDecision;nomBeneficiaire;idBeneficiaire;objet;montant;" \
         "datesperiodeVersement"


def grants(tmp_path, text: str, name: str = "subventions.csv", encoding: str = "utf-8", bom: bytes = b""):
    path = tmp_path / name
    path.write_bytes(bom + text.encode(encoding))
    result = read_files([path])
    funds = [r for r in result.all_relationships() if r.type == "FUNDS"]
    return result, funds


def test_encodings_even_when_the_file_name_lies(tmp_path):
    row = "\nVille fictive;21060004500392;2024-01-02;D1;Société d'Été;;Fête;1 000,00;\n"
    for encoding, bom, name in (("utf-8", b"", "utf8.csv"), ("utf-8", b"\xef\xbb\xbf", "bom.csv"),
                                ("cp1252", b"", "fichier-utf8.csv"), ("latin-1", b"", "latin1.csv"),
                                ("cp1252", b"\xef\xbb\xbf", "bom-1252.csv")):
        result, funds = grants(tmp_path, HEADER + row, name, encoding, bom)
        assert not result.report.errors, (name, [i.message() for i in result.report.errors])
        beneficiary = next(n for n in result.batch.nodes if n.id == funds[0].target)
        assert beneficiary.name == "Société d'Été", name


def test_separators_and_quoted_cells_spanning_lines(tmp_path):
    text = HEADER.replace(";", "\t") + '\nVille\t21060004500392\t2024-01-02\tD1\t"Club\nsur deux lignes"\t\tX\t10\t\n' \
        "Ville\t21060004500392\t2024-01-02\tD2\tAutre\t\tY\t20\t\n"
    result, funds = grants(tmp_path, text)
    assert not result.report.errors and len(funds) == 2
    assert any(n.name == "Club\nsur deux lignes" for n in result.batch.nodes)
    # The second grant starts on line 4: the quoted cell took two lines.
    assert sorted(f.provenance.line for f in funds) == [2, 4]
    comma = HEADER.replace(";", ",") + "\nVille,21060004500392,2024-01-02,D1,Asso,,X,\"1 500,50\",\n"
    assert grants(tmp_path, comma)[1][0].properties["amount"] == 1500.5


def test_amounts_dates_and_periods(tmp_path):
    rows = [("40 000,00", 40000.0), ("12\u202f350\u00a0000 €", 12350000.0), ("24000.0", 24000.0),
            ("1\u2009500", 1500.0)]
    for raw, expected in rows:
        _, funds = grants(tmp_path, HEADER + f"\nVille;21060004500392;2024-01-02;D;A;;O;{raw};\n")
        assert funds[0].properties["amount"] == expected, raw
    for raw, expected in (("2024-03-01", "2024-03-01"), ("01/03/2024", "2024-03-01"), ("2024/03/01", "2024-03-01"),
                          ("2024", "2024"), ("0001-01-01", None)):
        _, funds = grants(tmp_path, HEADER + f"\nVille;21060004500392;{raw};D;A;;O;10;\n")
        assert funds[0].properties.get("date") == expected, raw
    for raw in ("2017-01-01_2017-12-31", "2017-01-01/2017-12-31"):
        _, funds = grants(tmp_path, HEADER + f"\nVille;21060004500392;2017-01-01;D;A;;O;10;{raw}\n")
        assert (funds[0].properties["payment_start"], funds[0].properties["payment_end"]) == \
            ("2017-01-01", "2017-12-31")


def test_identifiers_as_spreadsheets_mangle_them(tmp_path):
    cases = {"210 600 045 00392": ("siret-21060004500392", None),
             "21060004500392'": ("siret-21060004500392", None),
             "21860194600000.0": ("nom-a", "converti en nombre"),
             "218601946": ("siren-218601946", "SIREN"),  # the legal unit: a real identifier, kept as such
             "21060004500391": ("nom-a", "Luhn")}
    for raw, (expected_id, warning) in cases.items():
        result, funds = grants(tmp_path, HEADER + f"\nVille;21060004500392;2024-01-02;D;A;{raw};O;10;\n")
        assert funds[0].target == expected_id, raw
        warnings = [i for i in result.report.warnings if i.field == "idBeneficiaire"]
        assert (warning is None and not warnings) or (warnings and warning in warnings[0].expected), raw


def test_header_drift_reordered_columns_and_extra_empty_columns(tmp_path):
    text = ("MONTANT ; Nom du bénéficiaire;;nom_attribuant;Date de la convention;\n"
            "10;Asso;;Ville;2024-01-02;\n")
    result, funds = grants(tmp_path, text)
    assert not result.report.errors and funds[0].properties["amount"] == 10.0


def test_rows_whose_cells_do_not_match_the_header_are_reported_with_their_line(tmp_path):
    text = HEADER.replace(";", ",") + ("\nVille,21060004500392,2024-01-02,D1,Asso,,X,1500,2024-03-01\n"
                                      "Ville,21060004500392,2024-01-02,D2,Club,,Y,1500,50,2024-03-01\n"
                                      "Ville,21060004500392,2024-01-02,D3,Club,Ligue,,Z,1500,2024-03-01\n")
    result, funds = grants(tmp_path, text)
    # Line 3: a decimal comma, put back (1 500,50) since the columns around it leave no doubt; line 4: "Club,Ligue"
    # is one name or a name and an identifier, and two cells may be the object: a person must look.
    assert [(i.line, "cellules" in i.expected) for i in result.report.errors] == [(4, True)]
    assert sorted(f.properties["amount"] for f in funds) == [1500.0, 1500.5]
    trailing = HEADER.replace(";", ",") + "\nVille,21060004500392,2024-01-02,D1,Asso,,X,1500,,\n" * 2
    assert not grants(tmp_path, trailing)[0].report.errors  # a separator closing every line is no error


def test_csv_rows_are_read_from_disk_at_each_pass_not_kept(tmp_path):
    from importers.tabular import CsvRows, read_csv

    path = tmp_path / "subventions.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + "\nVille;;2024-01-02;D1;Club;;X;10;\n\nVille;;;D2;Été;;Y;20;\n")
                     .encode("cp1252"))
    table = read_csv(path)
    assert isinstance(table.rows, CsvRows) and table.encoding == "cp1252" and table.separator == ";"
    assert table.headers[0] == "NomAttribuant"
    first, second = list(table.rows), list(table.rows)
    assert first == second and [line for line, _ in first] == [2, 4] and first[1][1][4] == "Été"
