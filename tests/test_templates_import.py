"""Loading the canonical templates: the example, the workbook, and every kind of bad input."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from graph.values import parse_amount, parse_date
from importers.pipeline import ImportRejected, import_files, read_files
from tests.conftest import EXAMPLE, ROOT

ACTORS = "identifiant;type;nom;service\nsvc;service;Service;\nag-1;agent;Agent Un;svc\n"


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def test_workbook_and_csv_templates_give_the_same_facts():
    from_csv = read_files([EXAMPLE]).batch
    from_xlsx = read_files([ROOT / "examples" / "malaunay-fictif.xlsx"]).batch
    strip = lambda batch: ([(n.kind, n.id, n.name, n.clean_properties()) for n in batch.nodes],
                           sorted((r.identity, sorted(r.clean_properties().items())) for r in batch.relationships))
    assert strip(from_csv) == strip(from_xlsx)
    assert from_xlsx.nodes[0].provenance.source == "malaunay-fictif.xlsx[acteurs]"


def write_ods(path: Path, sheets: dict[str, list[list[str]]], empty_rows_after_header: int = 0) -> Path:
    """An OpenDocument workbook written by odfpy (not by Maillage): amounts as currency cells shown
    the French way, ISO dates as date cells shown dd/mm/yyyy, runs of a repeated space, rows
    ending with a thousand repeated empty cells, and optionally a run of empty rows."""
    import re

    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P, S

    document = OpenDocumentSpreadsheet()
    for name, rows in sheets.items():
        sheet = Table(name=name)
        for number, cells in enumerate(rows):
            row = TableRow()
            for column, value in enumerate(cells):
                header = rows[0][column]
                if number and header == "montant" and value:
                    amount = float(value.replace(",", "."))
                    cell = TableCell(valuetype="currency", currency="EUR", value=amount)
                    cell.addElement(P(text=f"{amount:,.2f} €".replace(",", "\u202f").replace(".", ",")))
                elif number and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                    cell = TableCell(valuetype="date", datevalue=value)
                    cell.addElement(P(text="/".join(reversed(value.split("-")))))
                elif "  " in value:  # ODS keeps a run of spaces as <text:s text:c="n"/>
                    head, tail = value.split("  ", 1)
                    paragraph = P(text=head)
                    paragraph.addElement(S(c=2))
                    paragraph.addText(tail)
                    cell = TableCell(valuetype="string")
                    cell.addElement(paragraph)
                else:
                    cell = TableCell(valuetype="string")
                    if value:
                        cell.addElement(P(text=value))
                row.addElement(cell)
            row.addElement(TableCell(numbercolumnsrepeated=1000))
            sheet.addElement(row)
            if number == 0 and empty_rows_after_header:
                empty = TableRow(numberrowsrepeated=empty_rows_after_header)
                empty.addElement(TableCell(numbercolumnsrepeated=1024))
                sheet.addElement(empty)
        document.spreadsheet.addElement(sheet)
    document.save(str(path))
    return path


def csv_rows(path: Path) -> list[list[str]]:
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle, delimiter=";"))


def test_ods_workbook_gives_the_same_facts_as_the_csv_templates(tmp_path):
    sheets = {p.stem: csv_rows(p) for p in sorted(EXAMPLE.glob("*.csv"))}
    sheets["acteurs"][1][2] = "Service  Accueil"  # two spaces, kept
    path = write_ods(tmp_path / "territoire.ods", sheets)
    from_ods = read_files([path])
    assert not from_ods.report.errors
    folder = tmp_path / "csv"
    shutil.copytree(EXAMPLE, folder)
    (folder / "acteurs.csv").write_text("\n".join(";".join(r) for r in sheets["acteurs"]) + "\n", encoding="utf-8")
    from_csv = read_files([folder]).batch
    strip = lambda batch: ([(n.kind, n.id, n.name, n.clean_properties()) for n in batch.nodes],
                           sorted((r.identity, sorted(r.clean_properties().items())) for r in batch.relationships))
    assert strip(from_ods.batch) == strip(from_csv)
    assert from_ods.batch.nodes[0].provenance.source == "territoire.ods[acteurs]"
    assert any(n.name == "Service  Accueil" for n in from_ods.batch.nodes)


def test_ods_errors_name_the_sheet_and_the_true_line(tmp_path):
    rows = [["identifiant", "type", "nom", "service"], ["svc", "service", "Service", ""], ["ag-1", "agent", "", "svc"]]
    path = write_ods(tmp_path / "acteurs.ods", {"acteurs": rows}, empty_rows_after_header=3)
    errors = read_files([path]).report.errors
    assert [(e.file, e.line, e.field) for e in errors] == [("acteurs.ods[acteurs]", 6, "nom")]
    broken = write(tmp_path, "casse.ods", "pas un classeur")
    report = read_files([broken]).report
    assert report.errors and report.errors[0].file == "casse.ods"


def test_dangling_reference_names_file_line_and_value_and_writes_nothing(store, tmp_path):
    import_files([EXAMPLE], store)
    before = (store.node_counts(), store.relationship_counts())
    folder = tmp_path / "bad"
    write(folder, "acteurs.csv", ACTORS)
    write(folder, "participations.csv", "acteur;projet;role\nag-1;proj-00001;pilote\nag-inconnu;proj-00001;pilote\n")
    with pytest.raises(ImportRejected) as raised:
        import_files([folder], store)
    messages = str(raised.value)
    assert "participations.csv, ligne 3, champ « acteur » : valeur « ag-inconnu »" in messages
    assert len(raised.value.report.errors) == 1
    assert (store.node_counts(), store.relationship_counts()) == before


def test_references_may_point_to_what_is_already_stored(store, tmp_path):
    import_files([EXAMPLE], store)
    folder = tmp_path / "more"
    write(folder, "participations.csv", "acteur,projet,role\nag-00001,proj-00002,contributeur\n")
    result = import_files([folder], store)
    assert result.summary.relationships_created == 1


def test_every_bad_cell_is_reported_with_what_was_expected(tmp_path):
    folder = tmp_path / "bad"
    write(folder, "acteurs.csv", "identifiant;type;nom;service\n"
                                 "svc;service;Service;\n"
                                 "bad id!;agent;X;svc\n"
                                 "ag-2;sorcier;Y;svc\n"
                                 "ag-3;agent;;svc\n"
                                 "ag-4;agent;Z;ag-5\n"
                                 "ag-5;agent;W;svc\n"
                                 "svc;service;Doublon;\n")
    write(folder, "projets.csv", "identifiant;nom;debut\np1;Projet;32/13/2024\n")
    write(folder, "participations.csv", "acteur;projet;role\nag-5;p1;chef\n")
    write(folder, "financements.csv", "financeur;beneficiaire;montant\nsvc;ag-5;beaucoup\nsvc;;10\n")
    write(folder, "cooperations.csv", "acteur_a;acteur_b\nag-5;ag-5\n")
    report = read_files([folder]).report
    found = {(i.file, i.line, i.field): i for i in report.errors}
    assert ("acteurs.csv", 3, "identifiant") in found
    assert found[("acteurs.csv", 4, "type")].value == "sorcier"
    assert "agent" in found[("acteurs.csv", 4, "type")].expected
    assert ("acteurs.csv", 5, "nom") in found
    assert "service" in found[("acteurs.csv", 6, "service")].expected  # ag-5 is an agent, not a service
    assert "acteurs.csv:2" in found[("acteurs.csv", 8, "identifiant")].expected
    assert ("projets.csv", 2, "debut") in found
    assert found[("participations.csv", 2, "role")].value == "chef"
    assert ("financements.csv", 2, "montant") in found
    assert ("financements.csv", 3, "beneficiaire") in found
    assert ("cooperations.csv", 2, "acteur_b") in found


def test_missing_required_column_and_ragged_rows_are_reported(tmp_path):
    folder = tmp_path / "bad"
    write(folder, "projets.csv", "identifiant;statut\np1;en cours\n")
    write(folder, "acteurs.csv", "identifiant,type,nom\nx,agent,Un,de trop\ny,agent\n")
    report = read_files([folder]).report
    assert any(i.file == "projets.csv" and i.field == "nom" for i in report.errors)
    assert {i.line for i in report.errors if i.file == "acteurs.csv"} == {2, 3}


def test_english_headers_drifting_spellings_cp1252_and_bom_are_read(tmp_path):
    folder = tmp_path / "en"
    write(folder, "actors.csv", "\ufeffID,Kind,Name,Service,Job title\nsvc,service,Santé,,\n"
                                "a1,agent,Hélène Exemple,svc,cheffe\n")
    write(folder, "projects.csv", "Identifier;Name;Start\np1;Épicerie;03/02/2024\n", encoding="cp1252")
    write(folder, "participations.tsv", "Actor\tProject\tRole\na1\tp1\tlead\n")
    # A UTF-8 BOM in front of Windows-1252 text, as some tools write it.
    fundings = "Funder;Project;Amount\nsvc;p1;\"1 500,50 €\"\n".encode("cp1252")
    (folder / "fundings.csv").write_bytes(b"\xef\xbb\xbf" + fundings)
    result = read_files([folder])
    assert not result.report.errors, [i.message() for i in result.report.errors]
    nodes = {n.id: n for n in result.batch.nodes}
    assert nodes["p1"].name == "Épicerie" and nodes["p1"].properties["since"] == "2024-02-03"
    assert nodes["a1"].properties["job_title"] == "cheffe"
    funds = [r for r in result.all_relationships() if r.type == "FUNDS"]
    assert funds[0].properties["amount"] == 1500.5


def test_values_parsers():
    assert parse_date("2024-03-01") == "2024-03-01" and parse_date("01/03/2024") == "2024-03-01"
    assert parse_date("2024/03/01") == "2024-03-01" and parse_date("2024") == "2024"
    assert parse_date("0001-01-01") is None and parse_date("") is None
    with pytest.raises(ValueError):
        parse_date("2024-02-30")
    assert parse_amount("40 000,00") == 40000.0 and parse_amount("12\u202f350\u00a0000 €") == 12350000.0
    assert parse_amount("24000.0") == 24000.0 and parse_amount("1,500.50") == 1500.5
    assert parse_amount("1.500,50") == 1500.5 and parse_amount("") is None


def test_a_file_that_is_not_a_template_is_an_error(tmp_path):
    path = write(tmp_path, "divers.csv", "a;b\n1;2\n")
    report = read_files([path]).report
    assert report.errors[0].file == "divers.csv" and "modèle" in report.errors[0].expected


def test_a_corrupt_workbook_is_reported_not_crashed(tmp_path):
    path = write(tmp_path, "classeur.xlsx", "pas un classeur")
    report = read_files([path]).report
    assert report.errors and report.errors[0].file == "classeur.xlsx"


def test_an_error_in_one_file_blocks_the_whole_import(store, tmp_path):
    folder = tmp_path / "mixed"
    shutil.copytree(EXAMPLE, folder)
    with (folder / "cooperations.csv").open("a", encoding="utf-8") as handle:
        handle.write("ag-00001;fantome;travail;;;;\n")
    with pytest.raises(ImportRejected):
        import_files([folder], store)
    assert sum(store.node_counts().values()) == 0
