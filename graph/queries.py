"""The cooperation queries, each defined once and used by the HTTP API, ``maillage query`` and the views.

Every function takes a :class:`graph.territory.Territory` and plain parameters,
checks them, and returns a JSON-ready dict that says *why*: the evidence behind
each tie. Unknown identifiers raise :class:`graph.errors.NotFound`, bad parameters
:class:`graph.errors.InvalidParameter`.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date
from itertools import islice

import networkx as nx

from graph import schema
from graph.analysis import (BROKERAGE_ROLES, betweenness, brokerage_roles, burt_measures, ei_index,
                            louvain_communities, lowest_core)
from graph.errors import InvalidParameter
from graph.territory import Territory

ORGANISATIONS = (schema.ASSOCIATION.label, schema.PARTNER.label)
TOWN = (schema.AGENT.label, schema.SERVICE.label, schema.ELECTED.label)
PERSONS = schema.PERSONAL_LABELS


# --- parameters ----------------------------------------------------------------
def check_date(name: str, value: str | None) -> str | None:
    """An ISO date ``YYYY-MM-DD`` (or None)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise InvalidParameter(name, value, "une date AAAA-MM-JJ")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise InvalidParameter(name, value, "une date AAAA-MM-JJ qui existe") from None
    return value


def check_int(name: str, value, low: int, high: int, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidParameter(name, value, f"un entier entre {low} et {high}") from None
    if not low <= number <= high:
        raise InvalidParameter(name, value, f"un entier entre {low} et {high}")
    return number


def check_choice(name: str, value, choices: tuple[str, ...], default: str) -> str:
    if value is None or value == "":
        return default
    if value not in choices:
        raise InvalidParameter(name, value, "une valeur parmi : " + ", ".join(choices))
    return value


def check_kind(value: str | None) -> str | None:
    if not value:
        return None
    label = schema.actor_kind(value) if isinstance(value, str) else None
    if label is None:
        raise InvalidParameter("kind", value, "un type parmi : agent, service, elu, association, partenaire")
    return label


def check_service(t: Territory, value: str | None) -> str | None:
    if not value:
        return None
    if value not in t.nodes or t.nodes[value].kind != schema.SERVICE.label:
        raise InvalidParameter("service", value, "l'identifiant d'un service existant")
    return value


def check_theme(t: Territory, value: str | None) -> str | None:
    if not value:
        return None
    if value in t.nodes and t.nodes[value].kind == schema.THEME.label:
        return value
    candidate = schema.theme_id(value)
    if candidate in t.nodes:
        return candidate
    raise InvalidParameter("theme", value, "un thème connu (identifiant ou libellé)")


# --- 1. works with -----------------------------------------------------------------
def works_with(t: Territory, actor: str, theme: str | None = None, kind: str | None = None,
               as_of: str | None = None) -> dict:
    """An actor's collaborators, strongest first, each with its weight and evidence."""
    t.actor(actor)
    as_of, kind, theme = check_date("as_of", as_of), check_kind(kind), check_theme(t, theme)
    g = t.network(as_of)
    collaborators = []
    for other, data in g[actor].items():
        if kind and g.nodes[other]["kind"] != kind:
            continue
        evidence = data["evidence"]
        if theme and theme not in t.actor_themes.get(other, ()) and not any(
                theme in t.project_themes.get(e.get("project"), ()) for e in evidence):
            continue
        collaborators.append({**t.summary(other), "weight": data["weight"],
                              "evidence": [t.describe_evidence(e) for e in evidence]})
    collaborators.sort(key=lambda c: (-c["weight"], c["name"], c["id"]))
    return {"actor": t.summary(actor), "as_of": as_of, "theme": theme, "kind": kind,
            "count": len(collaborators), "collaborators": collaborators}


# --- 2. ego network ------------------------------------------------------------------
def ego(t: Territory, actor: str, depth=1, as_of: str | None = None) -> dict:
    """An actor's neighbourhood up to *depth* (1 to 3) steps."""
    t.actor(actor)
    depth, as_of = check_int("depth", depth, 1, 3, 1), check_date("as_of", as_of)
    g = t.network(as_of)
    distances = nx.single_source_shortest_path_length(g, actor, cutoff=depth)
    nodes = []
    for n, d in sorted(distances.items(), key=lambda x: (x[1], x[0])):
        nodes.append(item := t.summary(n))
        item["distance"] = d
    edges = [{"source": a, "target": b, "weight": data["weight"], "evidence_kinds": data["kinds"]}
             for a, b, data in t.neighbour_arrays(as_of).ties_among(distances)]
    return {"center": t.summary(actor), "depth": depth, "as_of": as_of, "nodes": nodes, "edges": edges}


# --- 3. cross-service collaboration ---------------------------------------------------------
def _agent_groups(t: Territory, g: nx.Graph, level: str) -> dict[str, str]:
    groups = {}
    for n, data in g.nodes(data=True):
        if data["kind"] == schema.AGENT.label:
            group = t.group_of(n, level)
            if group is not None:
                groups[n] = group
    return groups


def cross_service(t: Territory, level: str = "service", as_of: str | None = None) -> dict:
    """Service x service matrix of ties between agents, and the E-I index of the organisation,
    each service (or pôle) and each agent."""
    level, as_of = check_choice("level", level, ("service", "pole"), "service"), check_date("as_of", as_of)

    def compute():
        g = t.network(as_of)
        groups = _agent_groups(t, g, level)
        agent_graph = g.subgraph(groups)
        order = sorted(set(groups.values()))
        index = {group: i for i, group in enumerate(order)}
        matrix = [[0] * len(order) for _ in order]
        for a, b in agent_graph.edges():
            i, j = index[groups[a]], index[groups[b]]
            matrix[i][j] += 1
            if i != j:
                matrix[j][i] += 1
        ei = ei_index(agent_graph, groups)
        sizes = Counter(groups.values())
        return {
            "level": level, "as_of": as_of,
            "groups": [{"id": gid, "name": t.nodes[gid].name if gid in t.nodes else gid, "agents": sizes[gid],
                        **ei["groups"].get(gid, {"index": None, "internal": 0, "external": 0})} for gid in order],
            "matrix": matrix,
            "ei_index": ei["organisation"],
            "agents": [{**t.summary(a), "group": groups[a], **ei["nodes"][a]} for a in sorted(groups)],
        }

    return t.measure(("cross_service", level, as_of), compute)


# --- 4. isolated and peripheral actors -----------------------------------------------------------
REASONS = ("no_ties", "internal_only", "single_tie", "lowest_core", "no_project_no_grant")


def isolated(t: Territory, as_of: str | None = None) -> dict:
    """Isolated and peripheral actors, each with the reasons that make it so."""
    as_of = check_date("as_of", as_of)

    def compute():
        g = t.network(as_of)
        reasons: dict[str, list[str]] = defaultdict(list)
        structural = set(t.agents_by_service) | set(t.parent_of.values())
        for n in g:
            degree = g.degree(n)
            if degree == 0 and n not in structural:  # a service speaks through its agents
                reasons[n].append("no_ties")
            elif degree == 1:
                reasons[n].append("single_tie")
            if degree and g.nodes[n]["kind"] == schema.AGENT.label and n in t.service_of and all(
                    g.nodes[m]["kind"] == schema.AGENT.label and t.service_of.get(m) == t.service_of[n]
                    for m in g[n]):
                reasons[n].append("internal_only")
        k, core = lowest_core(g)
        for n in core:
            reasons[n].append("lowest_core")
        engaged = {r.source for r in t.by_type["PARTICIPATES_IN"] if t.valid(r, as_of)}
        engaged |= {r.target for r in t.by_type["FUNDS"] if t.valid(r, as_of)}
        for n, data in g.nodes(data=True):
            if data["kind"] in ORGANISATIONS and n not in engaged:
                reasons[n].append("no_project_no_grant")
        actors = [{**t.summary(n), "degree": g.degree(n), "reasons": sorted(r, key=REASONS.index)}
                  for n, r in sorted(reasons.items())]
        counts = {reason: sum(1 for a in actors if reason in a["reasons"]) for reason in REASONS}
        return {"as_of": as_of, "lowest_core_k": k, "counts": counts, "actors": actors}

    return t.measure(("isolated", as_of), compute)


# --- 5. single points of failure ------------------------------------------------------------------
def single_points(t: Territory, as_of: str | None = None) -> dict:
    """Organisations tied to the town through exactly one agent; articulation points and bridges."""
    as_of = check_date("as_of", as_of)

    def compute():
        g = t.network(as_of)
        through_one = []
        for n, data in g.nodes(data=True):
            if data["kind"] not in ORGANISATIONS:
                continue
            town = [m for m in g[n] if g.nodes[m]["kind"] in TOWN]
            if len(town) == 1 and g.nodes[town[0]]["kind"] == schema.AGENT.label:
                through_one.append({**t.summary(n), "through": t.summary(town[0])})
        articulation = sorted(nx.articulation_points(g))
        bridges = sorted(tuple(sorted(e)) for e in nx.bridges(g))
        return {"as_of": as_of, "organisations_through_one_agent": through_one,
                "articulation_points": [t.summary(n) for n in articulation],
                "bridges": [{"source": t.summary(a), "target": t.summary(b)} for a, b in bridges]}

    return t.measure(("single_points", as_of), compute)


# --- 6. brokers -------------------------------------------------------------------------------
def broker_groups(t: Territory, g: nx.Graph) -> dict[str, str]:
    """Groups for brokerage: an agent's service; a service itself; other actors by kind."""
    groups = {}
    for n, data in g.nodes(data=True):
        if data["kind"] == schema.AGENT.label:
            groups[n] = t.service_of.get(n, "?")
        elif data["kind"] == schema.SERVICE.label:
            groups[n] = n
        else:
            groups[n] = data["kind"]
    return groups


def brokers(t: Territory, limit=20, as_of: str | None = None) -> dict:
    """The main brokers: betweenness, Burt's constraint and effective size, brokerage roles across services.

    Betweenness is global and memoised on the snapshot; the local measures, whose
    cost grows with the square of a node's degree or more, are computed only for
    the brokers returned, and memoised node by node.
    """
    limit, as_of = check_int("limit", limit, 1, 500, 20), check_date("as_of", as_of)
    g = t.network(as_of)
    ranking = t.measure(("betweenness_ranking", as_of), lambda: _betweenness_ranking(g))
    centrality, sample_size, ranked = ranking
    groups = t.measure(("broker_groups", as_of), lambda: broker_groups(t, g))

    def local(n: str) -> dict:
        def compute():
            constraint, effective = burt_measures(g, n)
            return {"constraint": None if constraint != constraint else constraint,
                    "effective_size": None if effective != effective else effective,
                    "brokerage": brokerage_roles(g, groups, nodes=[n])[n]}

        return t.measure(("broker_local", as_of, n), compute)

    return {"as_of": as_of, "method": "exact" if sample_size is None else "sampled", "sample_size": sample_size,
            "nodes": g.number_of_nodes(), "roles": list(BROKERAGE_ROLES),
            "brokers": [{**t.summary(n), "betweenness": centrality[n], **local(n)} for n in ranked[:limit]]}


def _betweenness_ranking(g: nx.Graph):
    centrality, sample_size = betweenness(g)
    ranked = sorted(centrality, key=lambda n: (-centrality[n], n))[:500]
    return centrality, sample_size, ranked


def betweenness_of(t: Territory, as_of: str | None = None) -> dict[str, float]:
    """Betweenness of every actor, memoised with the brokers query."""
    g = t.network(as_of)
    return t.measure(("betweenness_ranking", as_of), lambda: _betweenness_ranking(g))[0]


# --- 7. communities -----------------------------------------------------------------------
def communities(t: Territory, as_of: str | None = None, seed=42) -> dict:
    """Louvain communities (fixed seed) set against the formal services."""
    as_of, seed = check_date("as_of", as_of), check_int("seed", seed, 0, 2**31 - 1, 42)

    def compute():
        g = t.network(as_of)
        found = louvain_communities(g, weight="weight", seed=seed)
        found = sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))
        services_split: dict[str, set[int]] = defaultdict(set)
        listed = []
        for number, members in enumerate(found):
            services = Counter(t.service_of[n] for n in members if n in t.service_of)
            kinds = Counter(g.nodes[n]["kind"] for n in members)
            for service in services:
                services_split[service].add(number)
            listed.append({"community": number, "size": len(members), "kinds": dict(kinds),
                           "services": [{"id": s, "name": t.nodes[s].name if s in t.nodes else s, "agents": c}
                                        for s, c in services.most_common()],
                           "cuts_across_services": len(services) > 1,
                           "members": [t.summary(n) for n in members]})
        services = [{"id": s, "name": t.nodes[s].name if s in t.nodes else s, "communities": sorted(c),
                     "split": len(c) > 1} for s, c in sorted(services_split.items())]
        modularity = nx.community.modularity(g, found, weight="weight") if g.number_of_edges() else None
        return {"as_of": as_of, "seed": seed, "modularity": modularity, "communities": listed, "services": services}

    return t.measure(("communities", as_of, seed), compute)


# --- 8. paths -------------------------------------------------------------------------------
def path(t: Territory, source: str, target: str, as_of: str | None = None, alternatives=2) -> dict:
    """The shortest cooperation chains from *source* to *target*, each step with its evidence."""
    t.actor(source)
    t.actor(target)
    as_of = check_date("as_of", as_of)
    alternatives = check_int("alternatives", alternatives, 0, 5, 2)
    g = t.network(as_of)
    paths = []
    if source == target:
        paths = [[source]]
    elif nx.has_path(g, source, target):
        paths = list(islice(nx.shortest_simple_paths(g, source, target), alternatives + 1))
    return {"from": t.summary(source), "to": t.summary(target), "as_of": as_of, "found": bool(paths),
            "paths": [{"length": len(p) - 1, "actors": [t.summary(n) for n in p],
                       "steps": [{"from": a, "to": b, "weight": g[a][b]["weight"],
                                  "evidence": [t.describe_evidence(e) for e in g[a][b]["evidence"]]}
                                 for a, b in zip(p, p[1:])]} for p in paths]}


# --- 9. theme coverage ------------------------------------------------------------------------
def theme_coverage(t: Territory, theme: str | None = None, as_of: str | None = None) -> dict:
    """For one theme (or all): its projects, actors and services; flags themes carried by one service or one person."""
    as_of = check_date("as_of", as_of)
    if theme is not None:
        t.node(theme, (schema.THEME.label,), "thème")
    themes = [theme] if theme else sorted(n.id for n in t.nodes.values() if n.kind == schema.THEME.label)
    participants: dict[str, set[str]] = defaultdict(set)
    for rel in t.by_type["PARTICIPATES_IN"]:
        if t.valid(rel, as_of):
            participants[rel.target].add(rel.source)
    covered = []
    for theme_id in themes:
        projects = sorted(p for p, ts in t.project_themes.items() if theme_id in ts)
        actors = {a for a, ts in t.actor_themes.items() if theme_id in ts and a in t.nodes}
        for project in projects:
            actors |= participants[project]
        services = {t.service_of[a] for a in actors if a in t.service_of}
        services |= {a for a in actors if t.nodes[a].kind == schema.SERVICE.label}
        persons = sorted(a for a in actors if t.nodes[a].kind in PERSONS)
        covered.append({"theme": {"id": theme_id, "name": t.nodes[theme_id].name},
                        "projects": [t.summary(p) for p in projects],
                        "actors": [t.summary(a) for a in sorted(actors)],
                        "services": [t.summary(s) for s in sorted(services) if s in t.nodes],
                        "single_service": len(services) == 1, "single_person": len(persons) == 1})
    return covered[0] if theme else {"as_of": as_of, "themes": covered}


# --- 10. change over time --------------------------------------------------------------------------
def changes(t: Territory, start: str, end: str) -> dict:
    """What changed between two dates: new and ended ties, actors who became or stopped being isolated."""
    start, end = check_date("from", start), check_date("to", end)
    if start is None:
        raise InvalidParameter("from", start, "une date AAAA-MM-JJ")
    if end is None:
        raise InvalidParameter("to", end, "une date AAAA-MM-JJ")
    if end < start:
        raise InvalidParameter("to", end, f"une date postérieure ou égale à from ({start})")
    before, after = t.network(start), t.network(end)
    edges_before = {tuple(sorted(e)) for e in before.edges()}
    edges_after = {tuple(sorted(e)) for e in after.edges()}

    def ties(edges, g):
        return [{"source": t.summary(a), "target": t.summary(b), "weight": g[a][b]["weight"],
                 "evidence": [t.describe_evidence(e) for e in g[a][b]["evidence"]]} for a, b in sorted(edges)]

    isolated_before = {n for n in before if before.degree(n) == 0}
    isolated_after = {n for n in after if after.degree(n) == 0}
    return {"from": start, "to": end,
            "new_ties": ties(edges_after - edges_before, after),
            "ended_ties": ties(edges_before - edges_after, before),
            "became_isolated": [t.summary(n) for n in sorted(isolated_after - isolated_before)],
            "no_longer_isolated": [t.summary(n) for n in sorted(isolated_before - isolated_after)]}
