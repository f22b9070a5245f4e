"""The network views: which actors and ties each view shows, with sizes, highlights and tooltips.

Each builder takes a :class:`graph.territory.Territory` and returns a fresh
networkx graph for :func:`visualisations.render.to_html` plus its
:class:`visualisations.render.Page`. They read the cooperation network and the
cooperation questions; they never alter the graphs they are given.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from urllib.parse import quote, urlencode

import networkx as nx

from graph import i18n, schema
from graph.cooperation import Tie, evidence_of
from graph.i18n import Bilingual
from graph.i18n import t as say
from graph.questions import ask
from graph.questions.brokers import betweenness_of
from graph.questions.declaration import ACTOR, AS_OF, ActorKind, Choice, NodeId, Parameter, ServiceId, ThemeRef
from graph.questions.ego import DEPTH
from graph.questions.services import LEVEL
from graph.territory import Territory
from visualisations.declaration import Figure, View
from visualisations.render import FormField, Page, kind_label, scaled, text

# Above this many nodes the territory view shows the aggregated map. Measured with
# benchmarks/views.py: at 5,000 nodes a straight-edge, physics-free view is still
# drawn within about a second, but labels overlap into an unreadable mass from a few
# thousand nodes on.
AGGREGATE_ABOVE = 2500
SIZES = ("degree", "betweenness")


def actor_url(node_id: str) -> str:
    return "/views/actors/" + quote(node_id, safe="")


def _tooltip(t: Territory, g: nx.Graph, node: str, measures: dict | None = None) -> str:
    words = text()
    data = g.nodes[node]
    lines = [data.get("name", node), f"{words['kind']} : {kind_label(data.get('kind', ''))}"]
    service = t.service_of.get(node)
    if service:
        lines.append(f"{words['service']} : {t.name_of(service)}")
    lines.append(f"{words['degree']} : {g.degree(node)}")
    if measures and node in measures:
        lines.append(f"{words['betweenness']} : {measures[node]:.3f}")
    return "\n".join(lines)


def _edge_tooltip(t: Territory, data, said: dict | None = None, weight_word: str | None = None) -> str:
    """*said*: the lines written so far for this view, by evidence (a view of a pôle has thousands of ties, and
    most of their lines are alike: "projet X", "déclaré : travail / mensuelle")."""
    said = {} if said is None else said
    parts = [_said(t, item, said) for item in (data.facts if isinstance(data, Tie) else data.get("evidence", []))]
    return (f"{weight_word or text()['weight']} : {data.get('weight', 1)}\n" + "\n".join(parts[:8])
            + ("\n…" if len(parts) > 8 else ""))


# A tie's tooltip, by the tie (a refreshed network shares the ties it did not change), the language and the projects'
# names it was written with: a view drawn again after a change draws again only the ties that changed (a pôle's
# view writes 1,700 tooltips). Each entry holds its tie and its names, so that no other object takes their identity.
_TIE_TOOLTIPS: dict[tuple, tuple[Tie, object, str]] = {}
TIE_TOOLTIPS_KEPT = 50_000  # ~30 views of a pôle, about 10 MB


def _tie_tooltip(t: Territory, tie: Tie, said: dict, weight_word: str) -> str:
    key = (id(tie), i18n.current_language(), id(t.project_names))
    found = _TIE_TOOLTIPS.get(key)
    if found is not None:
        return found[2]
    tooltip = _edge_tooltip(t, tie, said, weight_word)
    if len(_TIE_TOOLTIPS) >= TIE_TOOLTIPS_KEPT:  # emptied rather than ordered: refilled by the next views drawn
        _TIE_TOOLTIPS.clear()
    _TIE_TOOLTIPS[key] = (tie, t.project_names, tooltip)
    return tooltip


def _said(t: Territory, item, said: dict) -> str:
    """The line of one piece of evidence: a tie's fact, or an evidence entry; *said* memoises them. A shared
    project, ``(project, a, role of a, b, role of b)``, is looked up by project, without making its entry."""
    entry = None if isinstance(item, tuple) else item if isinstance(item, dict) else evidence_of(item)
    key = ("project", item[0]) if entry is None else (
        entry["kind"], entry.get("project"), entry.get("nature"), entry.get("frequency"), entry.get("workshop"),
        entry.get("amount"))
    line = said.get(key)
    if line is None:
        line = said[key] = _evidence_line(t, entry if entry is not None else evidence_of(item))
    return line


def _evidence_line(t: Territory, e: dict) -> str:
    if e["kind"] == "project":
        return (say("view.text.evidence_project", name=t.nodes[e["project"]].name)
                if e.get("project") in t.nodes else str(e.get("project")))
    if e["kind"] == "declared":
        what = " / ".join(x for x in (e.get("nature"), e.get("frequency")) if x)
        return say("view.text.evidence_declared", what=what)
    if e["kind"] == "workshop":
        return say("view.text.evidence_workshop", workshop=e.get("workshop", ""))
    return say("view.text.evidence_grant") + (f" : {e['amount']} €" if e.get("amount") else "")


def _copy(t: Territory, g: nx.Graph, nodes, size: str = "degree", as_of=None,
          highlights: dict | None = None) -> nx.Graph:
    """A new view graph over *nodes* of the cooperation network *g* (which stays untouched)."""
    view = nx.Graph()
    nodes = list(nodes)
    measures = betweenness_of(t, as_of) if size == "betweenness" else None
    values = {n: (measures[n] if measures else g.degree(n)) for n in nodes}
    sizes = scaled(values)
    highlights = highlights or {}
    view.add_nodes_from((n, {"name": g.nodes[n].get("name", n), "kind": g.nodes[n].get("kind"),
                             "size": sizes.get(n, 12), "tooltip": _tooltip(t, g, n, measures), "url": actor_url(n),
                             "highlight": highlights.get(n)}) for n in nodes)
    keep, done = set(nodes), set()
    said: dict[tuple, str] = {}
    weight_word = text()["weight"]
    edges = []
    for a in nodes:  # each tie once, from its first end; a subgraph view's filtered iteration cost more than all
        for b, data in g.adj[a].items():
            if b in keep and b not in done:
                tooltip = (_tie_tooltip(t, data, said, weight_word) if data.__class__ is Tie
                           else _edge_tooltip(t, data, said, weight_word))
                edges.append((a, b, {"weight": data["weight"], "tooltip": tooltip}))
        done.add(a)
    view.add_edges_from(edges)
    return view


def _read_by_copy(t: Territory, g: nx.Graph, nodes: list) -> tuple[tuple, tuple]:
    """What :func:`_copy` reads to draw *nodes* of the network of all dates *g*, for :class:`DrawnViews`: each node's
    neighbours and ties (its adjacency, which a refreshed network shares while none of them changed), its name
    and kind, its service and that service's node, and whether any project changed (a tie's evidence names
    projects)."""
    attributes = g._node
    services = tuple(t.service_of.get(n) for n in nodes)
    objects = (t.project_names, *(g._adj[n] for n in nodes), *(t.nodes.get(s) for s in services if s is not None))
    return objects, (tuple(nodes), services, tuple((attributes[n]["name"], attributes[n]["kind"]) for n in nodes))


def _highlights(t: Territory, as_of=None) -> dict:
    marks = {}
    for a in ask("isolated", t, as_of=as_of)["actors"]:
        if {"no_ties", "single_tie"} & set(a["reasons"]):
            marks[a["id"]] = "isolated"
    points = ask("single-points", t, as_of=as_of)
    for item in points["organisations_through_one_agent"] + points["articulation_points"]:
        marks[item["id"]] = "single_point"
    return marks


def _nav() -> list[tuple[str, str]]:
    return [(say("view.text.territory"), "/views/territory"), (say("view.text.services_map"), "/views/services"),
            (say("view.text.home"), "/")]


def _territory_form(t: Territory, theme, service, kind, as_of, size) -> list[FormField]:
    everything = ("", say("view.text.all"))
    themes = [everything] + sorted(
        ((n.id, n.name) for n in t.nodes.values() if n.kind == schema.THEME.label), key=lambda x: x[1])
    services = [everything] + sorted(
        ((n.id, n.name) for n in t.nodes.values() if n.kind == schema.SERVICE.label), key=lambda x: x[1])
    kinds = [everything] + [(k.template_type, kind_label(k.label)) for k in schema.NODE_KINDS.values() if k.is_actor]
    chosen_kind = schema.NODE_KINDS[kind].template_type if kind else ""
    return [FormField("theme", say("view.text.theme"), theme or "", themes),
            FormField("service", say("view.text.service"), service or "", services),
            FormField("kind", say("view.text.kind"), chosen_kind, kinds),
            FormField("as_of", say("view.text.as_of"), as_of, None, "2025-01-01"),
            FormField("size", say("view.text.size_by"), size,
                      [("degree", say("view.text.size_degree")), ("betweenness", say("view.text.size_betweenness"))])]


def territory(t: Territory, theme: str | None = None, service: str | None = None, kind: str | None = None,
              as_of: str | None = None, size: str = "degree",
              aggregate_above: int = AGGREGATE_ABOVE) -> tuple[nx.Graph, Page]:
    """The whole cooperation network, filtered (checked values: a theme id, a service id, a kind label);
    an aggregated map by service when too large."""
    kind_label_, theme_id = kind, theme
    g = t.network(as_of)
    # A service with no tie of its own speaks through its agents: not shown as an isolated actor.
    keep = {n for n in g if g.degree(n) or g.nodes[n]["kind"] != schema.SERVICE.label}
    if kind_label_:
        keep = {n for n in keep if g.nodes[n]["kind"] == kind_label_}
    if theme_id:
        in_theme = {a for a, ts in t.actor_themes.items() if theme_id in ts}
        projects = {p for p, ts in t.project_themes.items() if theme_id in ts}
        in_theme |= {r.source for r in t.by_type["PARTICIPATES_IN"] if r.target in projects}
        keep &= in_theme
    if service:
        members = t.members_of(service)
        keep &= members | {m for a in members if a in g for m in g[a]} | {service}
    form = _territory_form(t, theme_id, service, kind, as_of, size)
    heading = say("view.text.territory_heading")
    if len(keep) > aggregate_above:
        return _aggregated(t, g, keep, as_of, heading, form)
    view = _copy(t, g, sorted(keep), size, as_of, _highlights(t, as_of))
    notes = []
    marks = Counter(d.get("highlight") for _, d in view.nodes(data=True) if d.get("highlight"))
    if marks:
        notes.append(say("view.text.marks", isolated=marks["isolated"], single=marks["single_point"]))
    subtitle = say("view.text.as_of_date", date=as_of) if as_of else ""
    return view, Page(heading, subtitle, notes, [], _nav(), form)


def _aggregated(t: Territory, g: nx.Graph, keep: set, as_of, heading: str, form) -> tuple[nx.Graph, Page]:
    """Services (agents by their service) and other actors by kind, as groups; ties summed between groups."""

    def group(n: str) -> str:
        if n in t.service_of:
            return t.service_of[n]
        return "kind:" + g.nodes[n]["kind"]

    members: dict[str, int] = Counter(group(n) for n in keep)
    between: dict[tuple[str, str], int] = defaultdict(int)
    for a, b in g.subgraph(keep).edges():
        ga, gb = group(a), group(b)
        if ga != gb:
            between[(ga, gb) if ga < gb else (gb, ga)] += 1
    view = nx.Graph()
    sizes = scaled(dict(members), 14, 60)
    links = []
    for gid, count in sorted(members.items()):
        if gid.startswith("kind:"):
            kind = gid[5:]
            name = kind_label(kind)
            url = "/views/territory?" + urlencode({"kind": schema.NODE_KINDS[kind].template_type})
        else:
            kind, name = "Group", t.name_of(gid)
            url = "/views/services/" + quote(gid, safe="")
        view.add_node(gid, name=f"{name} ({count})", kind=kind, size=sizes[gid], url=url,
                      tooltip=f"{name}\n{text()['members']} : {count}")
        links.append((f"{name} ({count})", url))
    for (a, b), count in between.items():
        view.add_edge(a, b, weight=count, tooltip=f"{text()['weight']} : {count}")
    return view, Page(heading, "", [say("view.text.aggregated", count=len(keep))], links, _nav(), form)


def actor(t: Territory, actor: str, depth: int = 1, as_of: str | None = None) -> tuple[nx.Graph, Page]:
    """An actor's ego network, depth 1 to 3."""
    result = ask("ego", t, actor=actor, depth=depth, as_of=as_of)
    g = t.network(result["as_of"])
    view = _copy(t, g, [n["id"] for n in result["nodes"]], as_of=result["as_of"], highlights={actor: "center"})
    heading = say("view.text.works_with", name=result["center"]["name"])
    subtitle = say("view.text.neighbourhood", depth=result["depth"])
    links = [(say("view.text.depth", depth=d), f"{actor_url(actor)}?depth={d}") for d in (1, 2, 3)]
    links.append((say("view.text.json"), "/api/v1/actors/" + quote(actor, safe="") + "/works-with"))
    return view, Page(heading, subtitle, [], links, _nav())


def actor_witness(t: Territory, actor: str, depth: int = 1, as_of: str | None = None) -> tuple[tuple, tuple] | None:
    """What :func:`actor` reads (:class:`visualisations.declaration.DrawnViews`): the ego network's members by
    distance and what drawing them reads. None at a date (that network is projected again at each change)."""
    if as_of is not None:
        return None
    g = t.network()
    if actor not in g:
        return None
    distances = nx.single_source_shortest_path_length(g, actor, cutoff=depth)
    objects, read = _read_by_copy(t, g, sorted(distances))
    return objects, (read, tuple(sorted(distances.items())))


def project(t: Territory, project: str, as_of: str | None = None) -> tuple[nx.Graph, Page]:
    """A project, its participants and the ties among them."""
    node = t.nodes[project]
    g = t.network(as_of)
    participants = {r.source: r.properties.get("role") for r in t.participations(project=project)}
    view = _copy(t, g, sorted(participants), as_of=as_of)
    view.add_node(project, name=node.name, kind="Project", size=30, tooltip=node.name)
    for actor_id, role in participants.items():
        view.add_edge(project, actor_id, weight=1, tooltip=schema.role_name(role))
    return view, Page(say("view.text.project", name=node.name), node.properties.get("status", ""), [], [], _nav())


def theme(t: Territory, theme: str, as_of: str | None = None) -> tuple[nx.Graph, Page]:
    """A theme, the projects that address it and the actors who carry it."""
    coverage = ask("coverage", t, theme=theme, as_of=as_of)
    g = t.network(as_of)
    actors = [a["id"] for a in coverage["actors"] if a["id"] in g]
    view = _copy(t, g, actors)
    view.add_node(theme, name=coverage["theme"]["name"], kind="Theme", size=34, tooltip=coverage["theme"]["name"])
    for p in coverage["projects"]:
        view.add_node(p["id"], name=p["name"], kind="Project", size=18, tooltip=p["name"])
        view.add_edge(theme, p["id"], weight=1, tooltip="")
    for r in t.by_type["PARTICIPATES_IN"]:
        if r.target in view and r.source in view:
            view.add_edge(r.source, r.target, weight=1, tooltip="")
    for a, themes in t.actor_themes.items():
        if theme in themes and a in view:
            view.add_edge(a, theme, weight=1, tooltip="")
    notes = [say("view.text." + flag) for flag in ("single_person", "single_service") if coverage[flag]]
    return view, Page(say("view.text.theme_heading", name=coverage["theme"]["name"]), "", notes, [], _nav())


def _service_people(t: Territory, g: nx.Graph, service: str) -> tuple[list[str], list[str]]:
    """A service's people in *g* (and those of the services it contains), and them with everyone they work with,
    each in order of id."""
    members = sorted(a for a in t.members_of(service) if a in g)
    return members, sorted(set(members) | {m for a in members for m in g._adj[a]})


def service(t: Territory, service: str, as_of: str | None = None) -> tuple[nx.Graph, Page]:
    """A service's people (and those of the services it contains) and everyone they work with."""
    node = t.nodes[service]
    g = t.network(as_of)
    members, around = _service_people(t, g, service)
    view = _copy(t, g, around, as_of=as_of, highlights={a: "center" for a in members})
    subtitle = say("view.text.service_subtitle", members=len(members), around=len(around) - len(members))
    return view, Page(say("view.text.service_heading", name=node.name), subtitle, [], [], _nav())


def service_witness(t: Territory, service: str, as_of: str | None = None) -> tuple[tuple, tuple] | None:
    """What :func:`service` reads (:class:`visualisations.declaration.DrawnViews`): the service's node, its members
    and what drawing them and those they work with reads. None at a date."""
    if as_of is not None:
        return None
    g = t.network()
    members, around = _service_people(t, g, service)
    objects, read = _read_by_copy(t, g, around)
    return (t.nodes[service], *objects), (read, tuple(members))


TABLE_COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
                 "#9c755f", "#bab0ac", "#1b9e77", "#7570b3")


def workshop_tables(t: Territory, document: dict, round_number: int = 1) -> tuple[nx.Graph, Page]:
    """The cooperation network of a workshop's participants (:func:`graph.workshop.workshop_document`), each
    coloured by their table at *round_number*: ties inside a colour are people who already work together."""
    g = t.network()
    tables = document["rounds"][round_number - 1]["tables"]
    seat = {member: table["table"] for table in tables for member in table["members"]}
    view = _copy(t, g, [m for m in seat if m in g])
    for node in view:
        view.nodes[node]["colour"] = TABLE_COLOURS[(seat[node] - 1) % len(TABLE_COLOURS)]
        view.nodes[node]["url"] = None
    legend = [(TABLE_COLOURS[(table["table"] - 1) % len(TABLE_COLOURS)],
               say("view.text.table", table=table["table"])) for table in tables]
    themes = ", ".join(theme["name"] for theme in document["workshop"]["themes"])
    return view, Page(say("view.text.workshop_heading", round=round_number, themes=themes),
                      say("view.text.workshop_subtitle"), legend=legend)


def ei_colour(index) -> str:
    """Red for a silo (-1), grey for balance (0), green for an open service (+1)."""
    if index is None:
        return "#bbbbbb"
    x = max(-1.0, min(1.0, float(index)))
    if x < 0:
        r, g_, b = 214, int(214 - 160 * -x), int(214 - 174 * -x)
    else:
        r, g_, b = int(214 - 170 * x), int(214 - 54 * x), int(214 - 150 * x)
    return f"#{r:02x}{g_:02x}{b:02x}"


def services_map(t: Territory, level: str = "service", as_of: str | None = None) -> tuple[nx.Graph, Page]:
    """Services (or pôles) sized by their agents, tied by cross-service cooperation, coloured by E-I index."""
    matrix = ask("services", t, level=level, as_of=as_of)
    view = nx.Graph()
    sizes = scaled({g["id"]: g["agents"] for g in matrix["groups"]}, 14, 50)
    words = text()
    for g in matrix["groups"]:
        index = g["index"]
        shown = "—" if index is None else f"{index:+.2f}"
        view.add_node(g["id"], name=g["name"], kind="Service", size=sizes[g["id"]], colour=ei_colour(index),
                      url="/views/services/" + quote(g["id"], safe=""),
                      tooltip=f"{g['name']}\n{words['agents']} : {g['agents']}\n{words['ei']} : {shown}")
    ids = [g["id"] for g in matrix["groups"]]
    for i, a in enumerate(ids):
        for j in range(i + 1, len(ids)):
            count = matrix["matrix"][i][j]
            if count:
                view.add_edge(a, ids[j], weight=count, tooltip=f"{words['weight']} : {count}")
    heading = say("view.text.services_map") + (say("view.text.poles_suffix") if matrix["level"] == "pole" else "")
    organisation = matrix["ei_index"]
    subtitle = say("view.text.organisation_ei", index=f"{organisation:+.2f}") if organisation is not None else ""
    links = [(say("view.text.services"), "/views/services?level=service"),
             (say("view.text.poles"), "/views/services?level=pole"),
             (say("view.text.matrix_svg"), "/views/figures/matrix.svg"),
             (say("view.text.ei_svg"), "/views/figures/ei.svg")]
    legend = [(ei_colour(-1), say("view.text.silo")), (ei_colour(0), say("view.text.balance")),
              (ei_colour(1), say("view.text.open_ei"))]
    return view, Page(heading, subtitle, [], links, _nav(), legend=legend)


# --- declarations: each view and figure once, for /views/… and `maillage view` -------------------------
def _figure(draw: str):
    def drawn(t: Territory, fmt: str, level: str = "service", as_of: str | None = None) -> bytes:
        # matplotlib loaded by the first figure drawn, not by every command that reads these declarations
        from visualisations import figures

        return getattr(figures, draw)(ask("services", t, level=level, as_of=as_of), fmt)

    return drawn


THEME = Parameter("theme", ThemeRef(), Bilingual("Thème (identifiant ou libellé).", "Theme (identifier or label)."))
SERVICE = Parameter("service", ServiceId(), Bilingual("Identifiant d'un service.", "A service's identifier."))
KIND = Parameter("kind", ActorKind(), Bilingual("Type d'acteur : agent, service, elu, association, partenaire.",
                                                "Kind of actor: agent, service, elected, association, partner."))
SIZE = Parameter("size", Choice(SIZES), Bilingual("Taille des nœuds selon : degree ou betweenness.",
                                                  "Node size by: degree or betweenness."), default="degree")


def _element(name: str, kinds: tuple[str, ...], what: str, fr: str, en: str) -> Parameter:
    return Parameter(name, NodeId(kinds, what), Bilingual(fr, en), required=True, path=True,
                     expected_when_missing="expect.element_id")


VIEWS: dict[str, View] = {view.name: view for view in (
    View("territory", "/territory", Bilingual("Territoire (filtres thème, service, type, date)",
                                              "Territory (filters theme, service, kind, date)"),
         (THEME, SERVICE, KIND, AS_OF, SIZE), territory),
    View("actor", "/actors/{actor_id}",
         Bilingual("Un acteur (voisinage à 1-3 pas)", "An actor (neighbourhood at 1-3 steps)"),
         (ACTOR, DEPTH, AS_OF), actor, witness=actor_witness),
    View("project", "/projects/{project}", Bilingual("Un projet", "A project"),
         (_element("project", (schema.PROJECT.label,), "project", "Identifiant du projet.",
                   "The project's identifier."), AS_OF), project),
    View("theme", "/themes/{theme}", Bilingual("Un thème", "A theme"),
         (_element("theme", (schema.THEME.label,), "theme", "Identifiant du thème.", "The theme's identifier."),
          AS_OF), theme),
    View("service", "/services/{service}", Bilingual("Un service", "A service"),
         (_element("service", (schema.SERVICE.label,), "service", "Identifiant du service.",
                   "The service's identifier."), AS_OF), service, witness=service_witness),
    View("services", "/services", Bilingual("Carte des services (taille : agents ; couleur : indice E-I)",
                                            "Services map (size: agents; colour: E-I index)"),
         (LEVEL, AS_OF), services_map, counts_only=True),
)}

FIGURES: dict[str, Figure] = {figure.name: figure for figure in (
    Figure("matrix", Bilingual("Matrice entre services (carte de chaleur)", "Matrix between services (heat map)"),
           (LEVEL, AS_OF), _figure("matrix_heatmap")),
    Figure("ei", Bilingual("Indice E-I par service", "E-I index by service"), (LEVEL, AS_OF), _figure("ei_bars")),
)}
