"""The cooperation network for other tools: Gephi (GEXF 1.3), yEd and Cytoscape (GraphML), Kumu and spreadsheets
(CSV, XLSX), Cytoscape.js (JSON).

One graph is built once (:func:`export_graph`): the actors with their kind, service, themes
and validity, the ties with their weight, the kinds of their evidence and their validity;
each format only writes it. *personal* says whether natural persons (agents, elected
officials) are in it: without them, what remains are organisations and services.

Reference: GEXF 1.3 (gexf.net, schema in ``shared/specs/gexf-1.3``), GraphML
(graphml.graphdrawing.org), Kumu's spreadsheet import (docs.kumu.io, "Import"),
Cytoscape.js elements JSON (js.cytoscape.org).
"""
from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import defaultdict
from datetime import date
from xml.etree import ElementTree as ET

import networkx as nx

from graph import schema
from graph.answers import TEXT, array, obj
from graph.territory import Territory
from visualisations.render import KIND_COLOURS

FORMATS = ("gexf", "graphml", "kumu-csv", "kumu-xlsx", "cytoscape", "opendata")
JOIN = "|"  # several values in a cell, as Kumu reads them
GEXF_NS = "http://gexf.net/1.3"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"


def export_graph(t: Territory, personal: bool = True, as_of: str | None = None) -> nx.Graph:
    """The cooperation network as exported: node attributes ``label``, ``kind``, ``service``, ``themes`` (joined by
    ``|``), ``since``/``until``; tie attributes ``weight``, ``kinds`` (of evidence, joined), ``evidence`` (how many),
    ``since``/``until`` (the earliest start and the latest end of the facts behind it, none when one is open).

    >>> from graph.model import Node, Relationship
    >>> t = Territory("v", [Node("Agent", "a", "A"), Node("Service", "s", "S"), Node("Partner", "p", "P")],
    ...               [Relationship("COOPERATES_WITH", "s", "p", "x", {"since": "2021-01-01"}),
    ...                Relationship("COOPERATES_WITH", "a", "p", "y")])
    >>> g = export_graph(t, personal=False)
    >>> sorted(g.nodes), g["s"]["p"]["since"]
    (['p', 's'], '2021-01-01')
    """
    network = t.network(as_of)
    keep = [n for n in network.nodes if personal or t.nodes[n].kind not in schema.PERSONAL_LABELS]
    spells = _tie_spells(t, set(keep))
    graph = nx.Graph()
    for n in keep:
        node = t.nodes[n]
        service = t.service_of.get(n)
        graph.add_node(n, label=node.name, kind=node.kind,
                       service=t.nodes[service].name if service in t.nodes else (service or ""),
                       themes=JOIN.join(sorted(t.nodes[th].name for th in t.actor_themes.get(n, ()) if th in t.nodes)),
                       since=str(node.properties.get("since") or ""), until=str(node.properties.get("until") or ""))
    for a, b, data in network.subgraph(keep).edges(data=True):
        since, until = spells.get((a, b) if a < b else (b, a), ("", ""))
        graph.add_edge(a, b, weight=int(data["weight"]), kinds=JOIN.join(sorted({e["kind"] for e in data["evidence"]})),
                       evidence=len(data["evidence"]), since=since, until=until)
    return graph


def _tie_spells(t: Territory, keep: set[str]) -> dict[tuple[str, str], tuple[str, str]]:
    """(a, b) -> (earliest since, latest until) of the facts between two kept actors (a shared project's dates
    bound the participations in it); an open end is ``""``."""
    starts: dict[tuple[str, str], list[str]] = defaultdict(list)
    ends: dict[tuple[str, str], list[str]] = defaultdict(list)

    def note(a: str, b: str, props: dict) -> None:
        pair = (a, b) if a < b else (b, a)
        starts[pair].append(str(props.get("since") or ""))
        ends[pair].append(str(props.get("until") or ""))

    members: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for rel in t.facts():
        if rel.type == "PARTICIPATES_IN":
            project = t.nodes.get(rel.target)
            props = {**(project.properties if project else {}), **{k: v for k, v in rel.properties.items() if v}}
            members[rel.target].append((rel.source, props))
        elif rel.source in keep and rel.target in keep and rel.source != rel.target:
            note(rel.source, rel.target, rel.properties)
    for people in members.values():
        for i, (a, pa) in enumerate(people):
            for b, pb in people[i + 1:]:
                if a in keep and b in keep and a != b:
                    note(a, b, {"since": max(pa.get("since") or "", pb.get("since") or ""),
                                "until": min(x for x in (pa.get("until"), pb.get("until"), "9999") if x)})
    spells = {}
    for pair, values in starts.items():
        since = "" if "" in values else min(values)
        until = "" if "" in ends[pair] or "9999" in ends[pair] else max(ends[pair])
        spells[pair] = (since, until)
    return spells


# --- GEXF 1.3 -------------------------------------------------------------------------------------------
NODE_ATTRIBUTES = ("kind", "service", "themes")
EDGE_ATTRIBUTES = (("kinds", "string"), ("evidence", "integer"))


def _hex_rgb(colour: str) -> dict[str, str]:
    return {"r": str(int(colour[1:3], 16)), "g": str(int(colour[3:5], 16)), "b": str(int(colour[5:7], 16))}


def to_gexf(graph: nx.Graph) -> bytes:
    """GEXF 1.3: attributes, validity as spells (Gephi's timeline), positions, colours and sizes of the view.

    In the 1.3 schema the visual elements (``color``, ``position``, ``size``) belong to the GEXF namespace itself
    (``shared/specs/gexf-1.3/dynamics.xsd``); Gephi reads them by name."""
    ET.register_namespace("", GEXF_NS)
    ET.register_namespace("xsi", XSI_NS)
    root = ET.Element(f"{{{GEXF_NS}}}gexf", {
        "version": "1.3", f"{{{XSI_NS}}}schemaLocation": f"{GEXF_NS} http://gexf.net/1.3/gexf.xsd"})
    meta = ET.SubElement(root, f"{{{GEXF_NS}}}meta", {"lastmodifieddate": date.today().isoformat()})
    ET.SubElement(meta, f"{{{GEXF_NS}}}creator").text = "Maillage"
    ET.SubElement(meta, f"{{{GEXF_NS}}}description").text = "Réseau de coopération du territoire"
    g = ET.SubElement(root, f"{{{GEXF_NS}}}graph", {"defaultedgetype": "undirected", "mode": "dynamic",
                                                   "timeformat": "date", "timerepresentation": "interval"})
    node_attributes = ET.SubElement(g, f"{{{GEXF_NS}}}attributes", {"class": "node", "mode": "static"})
    for i, name in enumerate(NODE_ATTRIBUTES):
        ET.SubElement(node_attributes, f"{{{GEXF_NS}}}attribute", {"id": str(i), "title": name, "type": "string"})
    edge_attributes = ET.SubElement(g, f"{{{GEXF_NS}}}attributes", {"class": "edge", "mode": "static"})
    for i, (name, kind) in enumerate(EDGE_ATTRIBUTES):
        ET.SubElement(edge_attributes, f"{{{GEXF_NS}}}attribute", {"id": str(i), "title": name, "type": kind})
    from visualisations.layout import layout  # numba: loaded by a GEXF export, not by every command

    positions = layout(graph) if graph.number_of_nodes() else {}
    degrees = dict(graph.degree())
    nodes = ET.SubElement(g, f"{{{GEXF_NS}}}nodes")
    for n, data in graph.nodes(data=True):
        node = ET.SubElement(nodes, f"{{{GEXF_NS}}}node", {"id": str(n), "label": data["label"]})
        values = ET.SubElement(node, f"{{{GEXF_NS}}}attvalues")
        for i, name in enumerate(NODE_ATTRIBUTES):
            if data.get(name):
                ET.SubElement(values, f"{{{GEXF_NS}}}attvalue", {"for": str(i), "value": str(data[name])})
        _spell_ns(node, data["since"], data["until"])
        ET.SubElement(node, f"{{{GEXF_NS}}}color", _hex_rgb(KIND_COLOURS.get(data["kind"], "#999999")))
        x, y = positions.get(n, (0.0, 0.0))
        ET.SubElement(node, f"{{{GEXF_NS}}}position", {"x": f"{x:.2f}", "y": f"{-y:.2f}", "z": "0.0"})
        ET.SubElement(node, f"{{{GEXF_NS}}}size", {"value": f"{6 + 2 * degrees[n] ** 0.5:.2f}"})
    edges = ET.SubElement(g, f"{{{GEXF_NS}}}edges")
    for i, (a, b, data) in enumerate(graph.edges(data=True)):
        edge = ET.SubElement(edges, f"{{{GEXF_NS}}}edge", {"id": str(i), "source": str(a), "target": str(b),
                                                           "weight": str(data["weight"])})
        values = ET.SubElement(edge, f"{{{GEXF_NS}}}attvalues")
        for j, (name, _) in enumerate(EDGE_ATTRIBUTES):
            ET.SubElement(values, f"{{{GEXF_NS}}}attvalue", {"for": str(j), "value": str(data[name])})
        _spell_ns(edge, data["since"], data["until"])
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _spell_ns(element: ET.Element, since: str, until: str) -> None:
    if since or until:
        spells = ET.SubElement(element, f"{{{GEXF_NS}}}spells")
        ET.SubElement(spells, f"{{{GEXF_NS}}}spell", {k: v for k, v in (("start", since), ("end", until)) if v})


# --- the others -------------------------------------------------------------------------------------------
def to_graphml(graph: nx.Graph) -> bytes:
    """GraphML with every attribute typed (yEd, Cytoscape, Gephi)."""
    out = io.BytesIO()
    nx.write_graphml(graph, out, encoding="utf-8", named_key_ids=True)
    return out.getvalue()


def kumu_tables(graph: nx.Graph) -> tuple[list[list[str]], list[list[str]]]:
    """Kumu's two sheets: elements (``Label``, ``Type``, …) and connections (``From``, ``To``, ``Type``, …), several
    values in a cell joined by ``|``. Elements are named by their label, as Kumu links them; an identifier column
    keeps them apart."""
    elements = [["Label", "Type", "ID", "Service", "Tags", "Since", "Until"]]
    for n, data in sorted(graph.nodes(data=True), key=lambda item: item[0]):
        elements.append([data["label"], schema.kind_name(data["kind"]), str(n), data["service"], data["themes"],
                         data["since"], data["until"]])
    connections = [["From", "To", "Type", "Weight", "Evidence", "Since", "Until"]]
    for a, b, data in sorted(graph.edges(data=True), key=lambda item: (item[0], item[1])):
        connections.append([graph.nodes[a]["label"], graph.nodes[b]["label"], data["kinds"], str(data["weight"]),
                            str(data["evidence"]), data["since"], data["until"]])
    return elements, connections


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM: spreadsheets then read UTF-8 as such


def to_kumu_csv(graph: nx.Graph) -> bytes:
    """A ZIP of ``elements.csv`` and ``connections.csv`` (UTF-8 with BOM, comma-separated, as Kumu imports)."""
    elements, connections = kumu_tables(graph)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("elements.csv", _csv(elements))
        archive.writestr("connections.csv", _csv(connections))
    return out.getvalue()


def to_kumu_xlsx(graph: nx.Graph) -> bytes:
    """One workbook, sheets ``Elements`` and ``Connections`` (Kumu's XLSX import, any spreadsheet)."""
    from openpyxl import Workbook

    workbook = Workbook()
    elements, connections = kumu_tables(graph)
    sheet = workbook.active
    sheet.title = "Elements"
    for row in elements:
        sheet.append(row)
    sheet = workbook.create_sheet("Connections")
    for row in connections:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# Its shape (graph.answers).
CYTOSCAPE = obj({"elements": obj({"nodes": array(obj({"data": obj({"id": TEXT}, more=True)}, more=True)),
                                  "edges": array(obj({"data": obj({"source": TEXT, "target": TEXT}, more=True)},
                                                     more=True))})}, more=True)


def to_cytoscape(graph: nx.Graph) -> bytes:
    """Cytoscape.js elements: ``{"elements": {"nodes": [{"data": …}], "edges": [{"data": …}]}}``."""
    return json.dumps(nx.cytoscape_data(graph, name="label", ident="id"), ensure_ascii=False).encode("utf-8")


WRITERS = {"gexf": to_gexf, "graphml": to_graphml, "kumu-csv": to_kumu_csv, "kumu-xlsx": to_kumu_xlsx,
           "cytoscape": to_cytoscape}
SUFFIXES = {"gexf": ".gexf", "graphml": ".graphml", "kumu-csv": ".zip", "kumu-xlsx": ".xlsx", "cytoscape": ".json",
            "opendata": ".zip"}


def to_opendata(t: Territory) -> bytes:
    """The open-data package (:mod:`visualisations.opendata`, never a natural person, whoever asks) as a ZIP."""
    import tempfile
    from pathlib import Path

    from visualisations.opendata import write_package

    out = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        write_package(t, Path(folder))
        for path in sorted(Path(folder).iterdir()):
            archive.write(path, path.name)
    return out.getvalue()


def export(t: Territory, fmt: str, personal: bool = True, as_of: str | None = None) -> bytes:
    """The network of *t* in format *fmt* (one of :data:`FORMATS`)."""
    if fmt == "opendata":
        return to_opendata(t)
    return WRITERS[fmt](export_graph(t, personal, as_of))
