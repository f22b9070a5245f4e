"""One self-contained, offline, injection-safe HTML page from a view graph, through pyvis.

pyvis builds the vis-network data model; what this module changes:

* the page inlines vis-network's script and style from the pyvis package
  itself, and loads nothing from a CDN (pyvis' template loads vis-network and
  Bootstrap from CDNs even in its ``local`` and ``in_line`` modes);
* every text from users is escaped: the page is rendered with autoescaping, the
  data is embedded with ``tojson`` (which escapes ``<``, ``>`` and ``&``), and
  tooltips are plain strings, which vis-network 9 shows with ``innerText`` (pyvis
  switches to an ``innerHTML`` tooltip as soon as a title contains ``href``);
* nodes and edges go into the pyvis network in bulk, because its ``add_edge``
  scans every known edge (quadratic), and the graph given is never modified
  (``Network.from_nx`` rewrites node attributes in place);
* positions come from :func:`visualisations.layout.layout`; physics is off and
  edges are straight, so a large view appears at once and does not drift.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import orjson
import pyvis
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pyvis.network import Network

from graph import i18n, schema

VIS_DIR = Path(pyvis.__file__).resolve().parent / "lib" / "vis-9.1.2"
TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
                        autoescape=select_autoescape(default=True, default_for_string=True))


def _json(value: object, **_: object) -> str:
    """What ``tojson`` writes into a view (its nodes and ties, keys sorted as Jinja's default does): by orjson,
    which a pôle's view of 1,300 ties takes a tenth of the time that the standard library's json does."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY).decode()


TEMPLATES.policies["json.dumps_function"] = _json  # Jinja still escapes <, >, & and ' for a <script>

KIND_COLOURS = {
    "Agent": "#4e79a7", "Service": "#f28e2b", "Elected": "#e15759", "Association": "#59a14f",
    "Partner": "#b07aa1", "Project": "#edc948", "Theme": "#76b7b2", "Group": "#9c755f",
}
HIGHLIGHTS = {"isolated": "#d62728", "single_point": "#111111", "center": "#17becf"}

def text(lang: str | None = None) -> Mapping[str, str]:
    return i18n.words("view.word", lang)


def kind_label(kind: str, lang: str | None = None) -> str:
    node_kind = schema.NODE_KINDS.get(kind)
    if node_kind is None:
        return text(lang)["group"]
    return node_kind.display(lang)


@dataclass
class FormField:
    name: str
    label: str
    value: str | None = None
    choices: list[tuple[str, str]] | None = None
    placeholder: str | None = None


@dataclass
class Page:
    """What a view says besides its graph."""

    heading: str
    subtitle: str = ""
    notes: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    nav: list[tuple[str, str]] = field(default_factory=list)
    form: list[FormField] = field(default_factory=list)
    legend: list[tuple[str, str]] | None = None  # (colour, label) replacing the legend by kind


def scaled(values: dict, low: float = 10, high: float = 42) -> dict:
    """Node sizes from a measure, on a square-root scale between *low* and *high*."""
    if not values:
        return {}
    top = max(values.values()) or 1
    return {n: low + (high - low) * math.sqrt(max(v, 0) / top) for n, v in values.items()}


def to_html(graph: nx.Graph, page: Page, lang: str | None = None, seed: int = 42, nonce: str | None = None,
            assets_url: str | None = None) -> str:
    """Render a view graph as one offline HTML page (*nonce*: its scripts' and styles' Content-Security-Policy
    nonce, when served; *assets_url*: where the server serves :data:`ASSETS`, which the page then loads
    from there, cached by the browser, rather than carrying their 690 KB in every view).

    Node attributes read: ``name``, ``kind``, ``size``, ``tooltip`` (plain text),
    ``highlight`` (isolated, single_point, center), ``url``; edge attributes:
    ``weight``, ``tooltip``. The graph is not modified.
    """
    from visualisations.layout import layout  # numba loaded by the first view drawn, not by every command

    lang = lang or i18n.current_language()
    # Room in proportion to the graph, so that vis-network's fit keeps labels readable on small views.
    positions = layout(graph, seed=seed, scale=min(6000.0, max(250.0, 60 * math.sqrt(graph.number_of_nodes()))))
    net = Network(height="100%", width="100%", directed=False, cdn_resources="in_line", heading=page.heading)
    nodes, edges = [], []
    for node_id, data in graph.nodes(data=True):
        kind = data.get("kind", "Group")
        item = {"id": str(node_id), "label": str(data.get("name", node_id)), "shape": "dot",
                "size": round(float(data.get("size", 14)), 1), "title": data.get("tooltip", ""),
                "color": {"background": data.get("colour") or KIND_COLOURS.get(kind, "#999999"),
                          "border": HIGHLIGHTS.get(data.get("highlight"), KIND_COLOURS.get(kind, "#999999"))},
                "borderWidth": 4 if data.get("highlight") else 1,
                "x": positions[node_id][0], "y": positions[node_id][1], "kind": kind}
        if data.get("url"):
            item["url"] = data["url"]
        nodes.append(item)
    for a, b, data in graph.edges(data=True):
        weight = data.get("weight", 1)
        edges.append({"from": str(a), "to": str(b), "width": round(1 + math.log(max(weight, 1)), 2),
                      "title": data.get("tooltip", ""), "color": {"color": "#9aa5b1", "opacity": 0.55}})
    # Bulk load: pyvis' add_node/add_edge re-scan their lists at every call.
    net.nodes, net.edges = nodes, edges
    net.node_ids = [n["id"] for n in nodes]
    net.node_map = {n["id"]: n for n in nodes}
    net.options = {
        "physics": {"enabled": False},
        "edges": {"smooth": False},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": len(edges) > 3000},
        "nodes": {"font": {"size": 14, "face": "system-ui"}},
        "layout": {"improvedLayout": False},
    }
    nodes_data, edges_data, heading, _, _, options = net.get_network_data()
    kinds_present = sorted({n["kind"] for n in nodes}, key=lambda k: list(KIND_COLOURS).index(k))
    legend = [(KIND_COLOURS[k], kind_label(k, lang), False) for k in kinds_present] if page.legend is None \
        else [(colour, label, False) for colour, label in page.legend]
    for highlight in ("center", "isolated", "single_point"):
        if any(d.get("highlight") == highlight for _, d in graph.nodes(data=True)):
            legend.append((HIGHLIGHTS[highlight], text(lang)[highlight], True))
    return TEMPLATES.get_template("view.html").render(
        lang=lang, heading=heading, subtitle=page.subtitle, nodes=nodes_data, edges=edges_data, options=options,
        legend=legend, notes=page.notes, links=page.links, nav=page.nav, form=page.form, text=text(lang),
        node_count=len(nodes_data), edge_count=len(edges_data), clickable=any("url" in n for n in nodes),
        vis_js=None if assets_url else _asset("vis-network.min.js"),
        vis_css=None if assets_url else _asset("vis-network.css"), assets_url=assets_url, nonce=nonce)


ASSETS = ("vis-network.min.js", "vis-network.css")  # in VIS_DIR: vis-network's script and style, as pyvis ships them
_ASSETS: dict[str, str] = {}


def _asset(name: str) -> str:
    if name not in _ASSETS:
        content = (VIS_DIR / name).read_text(encoding="utf-8")
        # Inlined in <script>/<style>: a closing tag inside would end the element early.
        _ASSETS[name] = content.replace("</script", "<\\/script").replace("</style", "<\\/style")
    return _ASSETS[name]


def write(html: str, out: Path) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out

