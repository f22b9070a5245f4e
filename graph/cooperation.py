"""The cooperation network: who works with whom, derived from the facts by one rule.

This is the single projection that every query, view and export uses.

The rule
--------
Two actors (agents, services, elected officials, associations, partners) work
together when at least one of these facts, valid at the date asked (``as_of``),
links them:

* **project**: both take part in the same project (``PARTICIPATES_IN``), or one
  funds a project (``FUNDS`` to a ``Project``) in which the other takes part;
* **declared**: a ``COOPERATES_WITH`` declaration between them, in either direction;
* **funding**: one funds the other (``FUNDS`` between two actors).

Each tie keeps its ``evidence``: one entry per fact, naming the kind, the
project or declaration or grant, and the source that asserted it. Its
``weight`` is the sum of the weights of its evidence:

* a shared project counts 1;
* a declared cooperation counts by its frequency: daily 4, weekly 3, monthly 2,
  occasional or yearly or unknown 1;
* a grant counts 1.

Facts are valid at ``as_of`` when ``since <= as_of`` (or no ``since``) and
``as_of <= until`` (or no ``until``); dates are ISO strings, so they compare as text.
A project's own dates bound its participations.
"""
from __future__ import annotations

from collections import defaultdict
from itertools import combinations
from typing import Iterable

import networkx as nx

from graph import schema
from graph.model import Node, Relationship
from graph.schema import slugify

FREQUENCY_WEIGHTS = {
    "quotidienne": 4, "quotidien": 4, "daily": 4, "jour": 4,
    "hebdomadaire": 3, "weekly": 3, "semaine": 3,
    "mensuelle": 2, "mensuel": 2, "monthly": 2, "mois": 2,
    "trimestrielle": 1, "annuelle": 1, "ponctuelle": 1, "occasional": 1, "yearly": 1,
}

FACT_TYPES = ("PARTICIPATES_IN", "COOPERATES_WITH", "FUNDS")


def frequency_weight(frequency: str | None) -> int:
    """Weight of a declared cooperation by its frequency (1 when unknown)."""
    return FREQUENCY_WEIGHTS.get(slugify(frequency or ""), 1)


def is_valid_at(properties: dict, as_of: str | None) -> bool:
    """True when a fact with these ``since``/``until`` properties holds at ``as_of`` (always, if None)."""
    if as_of is None:
        return True
    since, until = properties.get("since"), properties.get("until")
    return (not since or str(since) <= as_of) and (not until or as_of <= str(until))


def cooperation_network(nodes: Iterable[Node], facts: Iterable[Relationship], as_of: str | None = None) -> nx.Graph:
    """Project the stored facts onto the undirected, weighted cooperation network.

    Parameters
    ----------
    nodes : the stored nodes; actors become the network's nodes (with ``kind``,
        ``name`` and, for agents, ``service``), projects bound participations.
    facts : the stored relationships; only ``PARTICIPATES_IN``, ``COOPERATES_WITH``
        and ``FUNDS`` are read.
    as_of : an ISO date; only facts valid at that date count. ``None`` takes all.

    Returns
    -------
    networkx.Graph whose edges carry ``weight`` (int), ``evidence`` (list of dicts) and
    ``kinds`` (the sorted kinds of evidence, for answers that only need those).
    Every actor is a node, isolated ones included.

    Example
    -------
    >>> from graph.model import Node, Relationship
    >>> people = [Node("Agent", "a", "A"), Node("Agent", "b", "B"), Node("Project", "p", "P")]
    >>> facts = [Relationship("PARTICIPATES_IN", "a", "p", "lead"),
    ...          Relationship("PARTICIPATES_IN", "b", "p", "contributor")]
    >>> g = cooperation_network(people, facts)
    >>> g["a"]["b"]["weight"], g["a"]["b"]["evidence"][0]["kind"]
    (1, 'project')

    Reference: the "affiliation network" projection of two-mode data
    (Wasserman & Faust, *Social Network Analysis*, 1994, ch. 8), summed with
    declared ties as in organisational network analysis (Cross & Parker, 2004).
    """
    graph = nx.Graph()
    projects: dict[str, dict] = {}
    for node in nodes:
        if node.kind in schema.ACTOR_LABELS:
            attributes = {"kind": node.kind, "name": node.name}
            if node.kind == schema.AGENT.label and node.properties.get("service"):
                attributes["service"] = node.properties["service"]
            graph.add_node(node.id, **attributes)
        elif node.kind == schema.PROJECT.label:
            projects[node.id] = node.properties

    def tie(a: str, b: str, weight: int, evidence: dict) -> None:
        if a == b or a not in graph or b not in graph:
            return
        if graph.has_edge(a, b):
            data = graph[a][b]
            data["weight"] += weight
            data["evidence"].append(evidence)
        else:
            graph.add_edge(a, b, weight=weight, evidence=[evidence])

    participants: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for fact in facts:
        props = fact.properties
        if not is_valid_at(props, as_of):
            continue
        source = fact.provenance.source if fact.provenance else ""
        if fact.type == "PARTICIPATES_IN":
            if fact.target in projects and not is_valid_at(projects[fact.target], as_of):
                continue
            participants[fact.target].append((fact.source, fact.key or props.get("role", "")))
        elif fact.type == "COOPERATES_WITH":
            tie(fact.source, fact.target, frequency_weight(props.get("frequency")),
                {"kind": "declared", "nature": props.get("nature"), "frequency": props.get("frequency"),
                 "declared_by": props.get("declared_by"), "source": source})
        elif fact.type == "FUNDS":
            if fact.target in projects:
                if is_valid_at(projects[fact.target], as_of):
                    participants[fact.target].append((fact.source, "funder"))
            else:
                tie(fact.source, fact.target, 1,
                    {"kind": "funding", "amount": props.get("amount"), "date": props.get("date"),
                     "object": props.get("object"), "source": source})

    for project_id, members in sorted(participants.items()):
        roles: dict[str, str] = {}
        for actor, role in members:
            roles.setdefault(actor, role)
        for a, b in combinations(sorted(roles), 2):
            tie(a, b, 1, {"kind": "project", "project": project_id,
                          "roles": {a: roles[a], b: roles[b]}})
    for _, _, data in graph.edges(data=True):
        data["kinds"] = sorted({e["kind"] for e in data["evidence"]})
    return graph


def store_cooperation_network(store, as_of: str | None = None) -> nx.Graph:
    """The cooperation network of everything in *store* (see :func:`cooperation_network`)."""
    return cooperation_network(store.nodes(), store.relationships(FACT_TYPES), as_of)
