"""Exports for Gephi (GEXF 1.3, valid against the official schema), yEd and Cytoscape (GraphML), Kumu and
spreadsheets (CSV, XLSX), Cytoscape.js (JSON): read back with networkx, the same network."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile

import networkx as nx
import pytest
from lxml import etree
from openpyxl import load_workbook

from api.app import create_app
from graph import schema
from graph.territory import TerritoryCache
from importers.pipeline import import_files
from tests.collab import setting
from tests.conftest import EXAMPLE, SHARED_DATA
from tests.helpers import maillage
from visualisations import exports

GEXF_SCHEMA = SHARED_DATA.parent / "specs" / "gexf-1.3" / "gexf.xsd"


@pytest.fixture
def territory(embedded_store):
    import_files([EXAMPLE], embedded_store)
    return TerritoryCache(embedded_store).current()


def test_the_gexf_is_valid_gexf_1_3_and_reads_back_as_the_same_network(territory):
    data = exports.export(territory, "gexf")
    xsd = etree.XMLSchema(etree.parse(str(GEXF_SCHEMA)))
    assert xsd.validate(etree.fromstring(data)), xsd.error_log.last_error
    expected = exports.export_graph(territory)
    read = nx.read_gexf(io.BytesIO(data))
    assert set(read.nodes) == set(expected.nodes)
    assert {frozenset(e) for e in read.edges} == {frozenset(e) for e in expected.edges}
    a, b, data_ab = next(iter(expected.edges(data=True)))
    assert read.nodes[a]["label"] == expected.nodes[a]["label"] and read.nodes[a]["kind"] == expected.nodes[a]["kind"]
    edge = read.get_edge_data(a, b) or read.get_edge_data(b, a)
    assert float(edge["weight"]) == data_ab["weight"] and edge["kinds"] == data_ab["kinds"]
    # Validity as spells, for Gephi's timeline; positions, colours and sizes of the view.
    root = etree.fromstring(exports.export(territory, "gexf"))
    ns = {"g": exports.GEXF_NS}
    assert root.xpath("//g:edge/g:spells/g:spell[@start]", namespaces=ns)
    assert len(root.xpath("//g:node/g:position", namespaces=ns)) == read.number_of_nodes()
    assert len(root.xpath("//g:node/g:color", namespaces=ns)) == read.number_of_nodes()


def test_graphml_and_cytoscape_read_back_with_every_attribute(territory):
    expected = exports.export_graph(territory)
    graphml = nx.read_graphml(io.BytesIO(exports.export(territory, "graphml")))
    cytoscape = nx.cytoscape_graph(json.loads(exports.export(territory, "cytoscape")), name="label", ident="id")
    for read in (graphml, cytoscape):
        assert set(read.nodes) == set(expected.nodes)
        assert {frozenset(e) for e in read.edges} == {frozenset(e) for e in expected.edges}
        for n in list(expected.nodes)[:20]:
            for name in ("label", "kind", "service", "themes"):
                assert read.nodes[n][name] == expected.nodes[n][name]
    a, b, attrs = next(iter(expected.edges(data=True)))
    assert graphml[a][b]["weight"] == attrs["weight"] and graphml[a][b]["evidence"] == attrs["evidence"]


def test_kumu_sheets_have_the_columns_kumu_expects(territory):
    expected = exports.export_graph(territory)
    with zipfile.ZipFile(io.BytesIO(exports.export(territory, "kumu-csv"))) as archive:
        elements = list(csv.DictReader(io.StringIO(archive.read("elements.csv").decode("utf-8-sig"))))
        connections = list(csv.DictReader(io.StringIO(archive.read("connections.csv").decode("utf-8-sig"))))
    assert list(elements[0])[:2] == ["Label", "Type"] and list(connections[0])[:3] == ["From", "To", "Type"]
    assert len(elements) == expected.number_of_nodes() and len(connections) == expected.number_of_edges()
    labels = {row["Label"] for row in elements}
    assert all(row["From"] in labels and row["To"] in labels for row in connections)
    assert any("|" in row["Type"] for row in connections) or all(row["Type"] for row in connections)
    workbook = load_workbook(io.BytesIO(exports.export(territory, "kumu-xlsx")))
    assert workbook.sheetnames == ["Elements", "Connections"]
    assert [c.value for c in workbook["Connections"][1]][:3] == ["From", "To", "Type"]
    assert workbook["Elements"].max_row == len(elements) + 1


def test_without_persons_no_agent_or_elected_official_is_in_any_export(territory):
    names = [n.name for n in territory.nodes.values() if n.kind in schema.PERSONAL_LABELS]
    for fmt in exports.FORMATS:
        data = exports.export(territory, fmt, personal=False)
        text = data.decode("utf-8", "replace") if fmt not in ("kumu-csv", "kumu-xlsx") else ""
        if fmt == "kumu-csv":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                text = "".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
        if fmt == "kumu-xlsx":
            workbook = load_workbook(io.BytesIO(data))
            text = " ".join(str(c.value) for sheet in workbook for row in sheet.iter_rows() for c in row)
        assert not [name for name in names if name in text], fmt
    graph = exports.export_graph(territory, personal=False)
    assert graph.number_of_nodes() > 0 and {d["kind"] for _, d in graph.nodes(data=True)} <= {
        "Service", "Association", "Partner"}


def test_the_api_leaves_persons_out_for_those_who_may_not_see_them(embedded_store, monkeypatch):
    world = setting(embedded_store)
    client = create_app(embedded_store, anonymous_read=True, persons_visible_to="contributeur").test_client()
    anonymous = nx.read_graphml(io.BytesIO(client.get("/api/v1/export/graphml").data))
    signed_in = nx.read_graphml(io.BytesIO(client.get("/api/v1/export/graphml", headers=world.headers("camille")).data))
    assert "ag-00001" in signed_in and "ag-00001" not in anonymous
    answer = client.get("/api/v1/export/gexf?as_of=2023-01-01", headers=world.headers("camille"))
    assert answer.status_code == 200 and answer.mimetype == "application/gexf+xml"
    assert "attachment" in answer.headers["Content-Disposition"]
    assert client.get("/api/v1/export/pdf").status_code == 400
    monkeypatch.delenv("MAILLAGE_ANONYMOUS_READ", raising=False)
    assert create_app(embedded_store).test_client().get("/api/v1/export/gexf").status_code == 401


def test_maillage_export_writes_the_file(tmp_path):
    data = str(tmp_path / "data")
    assert maillage("import", "--data", data, str(EXAMPLE)).returncode == 0
    out = tmp_path / "reseau.gexf"
    done = maillage("export", "--format", "gexf", "--out", str(out), "--without-persons", "--data", data)
    assert done.returncode == 0 and str(out) in done.stdout
    read = nx.read_gexf(out)
    assert read.number_of_nodes() > 0 and not [n for n in read if n.startswith("ag-")]


def test_the_open_data_package_is_valid_and_holds_no_personal_data(territory, tmp_path):
    from frictionless import Package, validate

    from visualisations import opendata

    descriptor = opendata.write_package(territory, tmp_path / "package")
    report = validate(str(descriptor))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "message"])
    package = Package(str(descriptor))
    assert package.licenses[0]["name"] == "etalab-2.0" and package.sources
    text = "".join(path.read_text(encoding="utf-8") for path in (tmp_path / "package").iterdir())
    persons = [n for n in territory.nodes.values() if n.kind in schema.PERSONAL_LABELS]
    assert persons and not [n for n in persons if n.id in text or n.name in text]
    def table(name: str) -> list[dict]:
        return list(csv.DictReader(io.StringIO((tmp_path / "package" / f"{name}.csv").read_text(encoding="utf-8"))))

    services = {row["id"]: row for row in table("services")}
    sizes = {s: len([a for a, of in territory.service_of.items() if of == s]) for s in services}
    assert all(int(services[s]["agents"]) == sizes[s] for s in services)
    between = table("liens_entre_services")
    assert between and all(sizes[r["service_a"]] >= opendata.MIN_GROUP and sizes[r["service_b"]] >= opendata.MIN_GROUP
                           for r in between)
    # Through the API, the same package whoever asks, and never a person in it.
    world_zip = exports.export(territory, "opendata")
    with zipfile.ZipFile(io.BytesIO(world_zip)) as archive:
        assert "datapackage.json" in archive.namelist()
        assert not [n for n in persons if n.name in "".join(archive.read(m).decode() for m in archive.namelist())]


def test_maillage_export_writes_the_open_data_folder(tmp_path):
    data = str(tmp_path / "data")
    assert maillage("import", "--data", data, str(EXAMPLE)).returncode == 0
    done = maillage("export", "--format", "opendata", "--out", str(tmp_path / "ouvert"), "--data", data)
    assert done.returncode == 0 and (tmp_path / "ouvert" / "datapackage.json").is_file()
    checked = subprocess.run([sys.executable, "-m", "frictionless", "validate", "datapackage.json"],
                             cwd=tmp_path / "ouvert", capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout[-2000:]
