"""The network views: which actors and ties each view shows, with sizes, highlights and tooltips.

Each builder takes a :class:`graph.territory.Territory` and returns a fresh
networkx graph for :func:`visualisations.render.to_html` plus its
:class:`visualisations.render.Page`. They read the cooperation network and the
cooperation queries; they never alter the graphs they are given.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from urllib.parse import quote, urlencode

import networkx as nx

from graph import i18n, queries, schema
from graph.territory import Territory
from visualisations.render import FormField, Page, kind_label, scaled, text

# Above this many nodes the territory view shows the aggregated map. Measured with
# benchmarks/views.py: at 5,000 nodes a straight-edge, physics-free view is still
# drawn within about a second, but labels overlap into an unreadable mass from a few
# thousand nodes on.
AGGREGATE_ABOVE = 2500
SIZES = ("degree", "betweenness")


def _fr() -> bool:
    return i18n.current_language() == "fr"


def actor_url(node_id: str) -> str:
    return "/views/actors/" + quote(node_id, safe="")


def _tooltip(t: Territory, g: nx.Graph, node: str, measures: dict | None = None) -> str:
    words = text()
    data = g.nodes[node]
    lines = [data.get("name", node), f"{words['kind']} : {kind_label(data.get('kind', ''))}"]
    service = t.service_of.get(node)
    if service:
        lines.append(f"{words['service']} : {t.nodes[service].name if service in t.nodes else service}")
    lines.append(f"{words['degree']} : {g.degree(node)}")
    if measures and node in measures:
        lines.append(f"{words['betweenness']} : {measures[node]:.3f}")
    return "\n".join(lines)


def _edge_tooltip(t: Territory, data: dict) -> str:
    parts = []
    for e in data.get("evidence", []):
        if e["kind"] == "project":
            parts.append(("projet : " if _fr() else "project: ") + t.nodes.get(e["project"]).name
                         if e.get("project") in t.nodes else str(e.get("project")))
        elif e["kind"] == "declared":
            parts.append(("déclaré : " if _fr() else "declared: ") + " / ".join(
                x for x in (e.get("nature"), e.get("frequency")) if x))
        else:
            parts.append(("financement" if _fr() else "grant") + (f" : {e['amount']} €" if e.get("amount") else ""))
    return f"{text()['weight']} : {data.get('weight', 1)}\n" + "\n".join(parts[:8]) + ("\n…" if len(parts) > 8 else "")


def _copy(t: Territory, g: nx.Graph, nodes, size: str = "degree", as_of=None, highlights: dict | None = None) -> nx.Graph:
    """A new view graph over *nodes* of the cooperation network *g* (which stays untouched)."""
    view = nx.Graph()
    nodes = list(nodes)
    measures = queries.betweenness_of(t, as_of) if size == "betweenness" else None
    values = {n: (measures[n] if measures else g.degree(n)) for n in nodes}
    sizes = scaled(values)
    for n in nodes:
        view.add_node(n, name=g.nodes[n].get("name", n), kind=g.nodes[n].get("kind"), size=sizes.get(n, 12),
                      tooltip=_tooltip(t, g, n, measures), url=actor_url(n),
                      highlight=(highlights or {}).get(n))
    keep = set(nodes)
    for a, b, data in g.subgraph(keep).edges(data=True):
        view.add_edge(a, b, weight=data["weight"], tooltip=_edge_tooltip(t, data))
    return view


def _highlights(t: Territory, as_of=None) -> dict:
    marks = {}
    for a in queries.isolated(t, as_of)["actors"]:
        if {"no_ties", "single_tie"} & set(a["reasons"]):
            marks[a["id"]] = "isolated"
    points = queries.single_points(t, as_of)
    for item in points["organisations_through_one_agent"] + points["articulation_points"]:
        marks[item["id"]] = "single_point"
    return marks


def _nav() -> list[tuple[str, str]]:
    if _fr():
        return [("Territoire", "/views/territory"), ("Carte des services", "/views/services"), ("Accueil", "/")]
    return [("Territory", "/views/territory"), ("Services map", "/views/services"), ("Home", "/")]


def _territory_form(t: Territory, theme, service, kind, as_of, size) -> list[FormField]:
    fr = _fr()
    themes = [("", "tous" if fr else "all")] + sorted(
        ((n.id, n.name) for n in t.nodes.values() if n.kind == schema.THEME.label), key=lambda x: x[1])
    services = [("", "tous" if fr else "all")] + sorted(
        ((n.id, n.name) for n in t.nodes.values() if n.kind == schema.SERVICE.label), key=lambda x: x[1])
    kinds = [("", "tous" if fr else "all")] + [(k.template_type, kind_label(k.label)) for k in schema.NODE_KINDS.values()
                                               if k.is_actor]
    return [FormField("theme", "Thème" if fr else "Theme", theme or "", themes),
            FormField("service", "Service", service or "", services),
            FormField("kind", "Type" if fr else "Kind", kind or "", kinds),
            FormField("as_of", "À la date (AAAA-MM-JJ)" if fr else "As of (YYYY-MM-DD)", as_of, None, "2025-01-01"),
            FormField("size", "Taille selon" if fr else "Size by", size,
                      [("degree", "nombre de liens" if fr else "degree"),
                       ("betweenness", "intermédiarité" if fr else "betweenness")])]


def territory(t: Territory, theme=None, service=None, kind=None, as_of=None, size="degree",
              aggregate_above: int = AGGREGATE_ABOVE) -> tuple[nx.Graph, Page]:
    """The whole cooperation network, filtered; an aggregated map by service when too large."""
    as_of, size = queries.check_date("as_of", as_of), queries.check_choice("size", size, SIZES, "degree")
    kind_label_ = queries.check_kind(kind)
    theme_id = queries.check_theme(t, theme)
    service = queries.check_service(t, service)
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
    fr = _fr()
    form = _territory_form(t, theme_id, service, kind, as_of, size)
    heading = "Réseau de coopération du territoire" if fr else "The territory's cooperation network"
    if len(keep) > aggregate_above:
        return _aggregated(t, g, keep, as_of, heading, form)
    view = _copy(t, g, sorted(keep), size, as_of, _highlights(t, as_of))
    notes = []
    marks = Counter(d.get("highlight") for _, d in view.nodes(data=True) if d.get("highlight"))
    if marks:
        notes.append((f"{marks['isolated']} acteur(s) isolé(s) ou périphérique(s), {marks['single_point']} point(s) de "
                      "fragilité (cerclés)") if fr else
                     f"{marks['isolated']} isolated or peripheral actor(s), {marks['single_point']} single point(s) "
                     "of failure (ringed)")
    subtitle = (f"Au {as_of}" if fr else f"As of {as_of}") if as_of else ""
    return view, Page(heading, subtitle, notes, [], _nav(), form)


def _aggregated(t: Territory, g: nx.Graph, keep: set, as_of, heading: str, form) -> tuple[nx.Graph, Page]:
    """Services (agents by their service) and other actors by kind, as groups; ties summed between groups."""
    fr = _fr()

    def group(n: str) -> str:
        if n in t.service_of:
            return t.service_of[n]
        return "kind:" + g.nodes[n]["kind"]

    members: dict[str, int] = Counter(group(n) for n in keep)
    between: dict[tuple[str, str], int] = defaultdict(int)
    for a, b in g.subgraph(keep).edges():
        ga, gb = group(a), group(b)
        if ga != gb:
            between[tuple(sorted((ga, gb)))] += 1
    view = nx.Graph()
    sizes = scaled(dict(members), 14, 60)
    links = []
    for gid, count in sorted(members.items()):
        if gid.startswith("kind:"):
            kind = gid[5:]
            name = kind_label(kind)
            url = "/views/territory?" + urlencode({"kind": schema.NODE_KINDS[kind].template_type})
        else:
            kind, name = "Group", t.nodes[gid].name if gid in t.nodes else gid
            url = "/views/services/" + quote(gid, safe="")
        view.add_node(gid, name=f"{name} ({count})", kind=kind, size=sizes[gid], url=url,
                      tooltip=f"{name}\n{text()['members']} : {count}")
        links.append((f"{name} ({count})", url))
    for (a, b), count in between.items():
        view.add_edge(a, b, weight=count, tooltip=f"{text()['weight']} : {count}")
    note = (f"{len(keep)} acteurs : trop pour une carte lisible, voici la carte agrégée par service et par type. "
            "Double-cliquez sur un groupe pour l'ouvrir.") if fr else (
            f"{len(keep)} actors: too many for a readable map, here is the map aggregated by service and kind. "
            "Double-click a group to open it.")
    return view, Page(heading, "", [note], links, _nav(), form)


def actor(t: Territory, actor_id: str, depth=1, as_of=None) -> tuple[nx.Graph, Page]:
    """An actor's ego network, depth 1 to 3."""
    result = queries.ego(t, actor_id, depth, as_of)
    g = t.network(result["as_of"])
    view = _copy(t, g, [n["id"] for n in result["nodes"]], as_of=result["as_of"], highlights={actor_id: "center"})
    fr = _fr()
    name = result["center"]["name"]
    heading = (f"Avec qui travaille {name}" if fr else f"Who {name} works with")
    subtitle = (f"Voisinage à {result['depth']} pas" if fr else f"Neighbourhood at {result['depth']} step(s)")
    links = [(("Profondeur " if fr else "Depth ") + str(d), f"{actor_url(actor_id)}?depth={d}") for d in (1, 2, 3)]
    links.append(("Données JSON" if fr else "JSON data", "/api/v1/actors/" + quote(actor_id, safe="") + "/works-with"))
    return view, Page(heading, subtitle, [], links, _nav())


def project(t: Territory, project_id: str, as_of=None) -> tuple[nx.Graph, Page]:
    """A project, its participants and the ties among them."""
    node = t.node(project_id, (schema.PROJECT.label,), "projet")
    as_of = queries.check_date("as_of", as_of)
    g = t.network(as_of)
    participants = {r.source: r.properties.get("role") for r in t.by_type["PARTICIPATES_IN"] if r.target == project_id}
    view = _copy(t, g, sorted(participants), as_of=as_of)
    view.add_node(project_id, name=node.name, kind="Project", size=30, tooltip=node.name)
    for actor_id, role in participants.items():
        view.add_edge(project_id, actor_id, weight=1, tooltip=schema.ROLE_LABELS_FR.get(role, role or "") if _fr()
                      else (role or ""))
    heading = (f"Projet : {node.name}" if _fr() else f"Project: {node.name}")
    return view, Page(heading, node.properties.get("status", ""), [], [], _nav())


def theme(t: Territory, theme_id: str, as_of=None) -> tuple[nx.Graph, Page]:
    """A theme, the projects that address it and the actors who carry it."""
    coverage = queries.theme_coverage(t, theme_id, as_of)
    g = t.network(coverage.get("as_of"))
    actors = [a["id"] for a in coverage["actors"] if a["id"] in g]
    view = _copy(t, g, actors)
    view.add_node(theme_id, name=coverage["theme"]["name"], kind="Theme", size=34, tooltip=coverage["theme"]["name"])
    for p in coverage["projects"]:
        view.add_node(p["id"], name=p["name"], kind="Project", size=18, tooltip=p["name"])
        view.add_edge(theme_id, p["id"], weight=1, tooltip="")
    for r in t.by_type["PARTICIPATES_IN"]:
        if r.target in view and r.source in view:
            view.add_edge(r.source, r.target, weight=1, tooltip="")
    for a, themes in t.actor_themes.items():
        if theme_id in themes and a in view:
            view.add_edge(a, theme_id, weight=1, tooltip="")
    fr = _fr()
    notes = []
    if coverage["single_person"]:
        notes.append("Thème porté par une seule personne." if fr else "Theme carried by a single person.")
    if coverage["single_service"]:
        notes.append("Thème porté par un seul service." if fr else "Theme carried by a single service.")
    heading = (f"Thème : {coverage['theme']['name']}" if fr else f"Theme: {coverage['theme']['name']}")
    return view, Page(heading, "", notes, [], _nav())


def service(t: Territory, service_id: str, as_of=None) -> tuple[nx.Graph, Page]:
    """A service's people (and those of the services it contains) and everyone they work with."""
    node = t.node(service_id, (schema.SERVICE.label,), "service")
    as_of = queries.check_date("as_of", as_of)
    g = t.network(as_of)
    members = sorted(a for a in t.members_of(service_id) if a in g)
    around = set(members) | {m for a in members for m in g[a]}
    view = _copy(t, g, sorted(around), as_of=as_of, highlights={a: "center" for a in members})
    fr = _fr()
    heading = (f"Service : {node.name}" if fr else f"Service: {node.name}")
    subtitle = (f"{len(members)} agent(s) et {len(around) - len(members)} acteur(s) avec qui ils travaillent" if fr
                else f"{len(members)} agent(s) and {len(around) - len(members)} actor(s) they work with")
    return view, Page(heading, subtitle, [], [], _nav())


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


def services_map(t: Territory, level="service", as_of=None) -> tuple[nx.Graph, Page]:
    """Services (or pôles) sized by their agents, tied by cross-service cooperation, coloured by E-I index."""
    matrix = queries.cross_service(t, level, as_of)
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
    fr = _fr()
    heading = ("Carte des services" if fr else "Services map") + (" (pôles)" if matrix["level"] == "pole" else "")
    organisation = matrix["ei_index"]
    subtitle = (f"Indice E-I de l'organisation : {organisation:+.2f} (rouge : silo, vert : ouvert)" if fr else
                f"Organisation E-I index: {organisation:+.2f} (red: silo, green: open)") if organisation is not None else ""
    links = [("Services" if fr else "Services", "/views/services?level=service"),
             ("Pôles" if fr else "Pôles", "/views/services?level=pole"),
             ("Matrice (SVG)" if fr else "Matrix (SVG)", "/views/figures/matrix.svg"),
             ("Indice E-I (SVG)" if fr else "E-I index (SVG)", "/views/figures/ei.svg")]
    legend = [(ei_colour(-1), "silo (E-I = −1)"), (ei_colour(0), "équilibre (E-I = 0)" if fr else "balance (E-I = 0)"),
              (ei_colour(1), "ouvert (E-I = +1)" if fr else "open (E-I = +1)")]
    return view, Page(heading, subtitle, [], links, _nav(), legend=legend)
