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
* **workshop**: the same, declared at a partnership workshop (its ``origin`` is
  ``atelier:<the workshop>``): « rencontré à l'atelier X », the workshop as provenance;
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

import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from itertools import combinations

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
FACT_ORDER = {fact_type: rank for rank, fact_type in enumerate(FACT_TYPES)}  # the projection's order of facts
WORKSHOP_ORIGIN = "atelier:"  # the origin of a cooperation declared at a workshop: ``atelier:<the workshop>``


@functools.lru_cache(maxsize=1024)  # a million declarations name a handful of frequencies: slugified once each
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
            graph.add_node(node.id, **actor_attributes(node))
        elif node.kind == schema.PROJECT.label:
            projects[node.id] = node.properties
    adjacency = graph._adj
    several: list[Tie] = []  # the ties of more than one fact

    def tie(a: str, b: str, weight: int, fact: Relationship | tuple) -> None:
        ties = adjacency.get(a)
        if a == b or ties is None or b not in adjacency:
            return
        found = ties.get(b)
        if found is None:
            ties[b] = adjacency[b][a] = Tie(weight, fact)
        else:
            if not isinstance(found._facts, list):
                several.append(found)
            found.add(weight, fact)

    # Whatever order the facts come in (a store read part by part, in the order it reads them), a tie's facts
    # and a project's first roles are those of the facts in the projection's order (FACT_ORDER, then identity).
    participants: dict[str, list[tuple]] = defaultdict(list)
    for fact in facts:
        if not is_valid_at(fact.properties, as_of):
            continue
        project = project_of(fact, projects)
        if project is not None:
            if is_valid_at(projects.get(project, {}), as_of):
                participants[project].append((FACT_ORDER[fact.type], fact.source, fact.key, participation(fact)))
        elif fact.type in ("COOPERATES_WITH", "FUNDS"):
            tie(fact.source, fact.target, direct_weight(fact), fact)
    for found in several:  # facts of two actors only, so far
        found.facts.sort(key=fact_order)  # (its own list: more than one)

    for project_id, members in sorted(participants.items()):
        roles = first_roles(member[-1] for member in sorted(members))
        for a, b in combinations(sorted(roles), 2):
            tie(a, b, 1, (project_id, a, roles[a], b, roles[b]))
    sort_by_id(graph)
    return graph


class Tie(Mapping):
    """What the network keeps of a tie: its weight and the facts behind it, read as a mapping
    ``{"weight", "evidence", "kinds"}``.

    The evidence entries (dicts, as answers show them) and the kinds are made when asked: a
    large territory has a million ties, and a dict per entry weighed more than the facts
    themselves. A declaration or grant is the stored fact itself; a shared project is
    ``(project, a, role of a, b, role of b)``. Never modified once its network is built.

    >>> tie = Tie(1, ("p", "a", "lead", "b", "contributor"))
    >>> tie["weight"], tie["kinds"], tie["evidence"][0]["roles"]
    (1, ['project'], {'a': 'lead', 'b': 'contributor'})
    """

    __slots__ = ("_facts", "weight")

    def __init__(self, weight: int, fact: Relationship | tuple):
        self.weight = weight
        self._facts: object = fact  # one fact, or a list of several (most ties have one)

    def add(self, weight: int, fact: Relationship | tuple) -> None:
        self.weight += weight
        if isinstance(self._facts, list):
            self._facts.append(fact)
        else:
            self._facts = [self._facts, fact]

    @property
    def facts(self) -> list:
        return self._facts if isinstance(self._facts, list) else [self._facts]

    def __getitem__(self, key: str):
        if key == "weight":
            return self.weight
        if key == "evidence":
            return [evidence_of(fact) for fact in self.facts]
        if key == "kinds":
            return sorted({kind_of(fact) for fact in self.facts})
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(("weight", "evidence", "kinds"))

    def __len__(self) -> int:
        return 3

    def __repr__(self) -> str:
        return f"Tie({dict(self)!r})"


def kind_of(fact: Relationship | tuple) -> str:
    """The kind of evidence a fact of a tie gives: project, declared, workshop or funding."""
    if isinstance(fact, tuple):
        return "project"
    if fact.type == "COOPERATES_WITH":
        return "workshop" if str(fact.properties.get("origin") or "").startswith(WORKSHOP_ORIGIN) else "declared"
    return "funding"


def evidence_of(fact: Relationship | tuple) -> dict:
    """A fact of a tie as an evidence entry (a new dict: callers may add to it)."""
    if isinstance(fact, tuple):
        project, a, role_a, b, role_b = fact
        return {"kind": "project", "project": project, "roles": {a: role_a, b: role_b}}
    return direct_evidence(fact)


def sort_by_id(graph: nx.Graph, nodes: Iterable | None = None, every_node: bool = True) -> None:
    """Put the graph's nodes (unless not *every_node*), and the neighbours of *nodes* (of all when None),
    in order of id, in place.

    Algorithms visit nodes and neighbours in the graph's order (Louvain's tie breaks,
    the order of floating-point sums in betweenness and constraint): in a fixed
    order, a network patched after a write answers exactly as one projected anew.
    """
    def sort_dict(d: dict) -> None:  # in place: networkx's views hold the graph's own dicts
        items = sorted(d.items())
        d.clear()
        d.update(items)

    if every_node:
        sort_dict(graph._node)
        sort_dict(graph._adj)
    adjacency = graph._adj
    for node in (adjacency if nodes is None else nodes):
        ties = adjacency[node]
        if len(ties) > 1:  # a neighbour's dict is reached through the graph only: a sorted copy replaces it
            adjacency[node] = {neighbour: ties[neighbour] for neighbour in sorted(ties)}


class NeighbourArrays:
    """A network's adjacency as arrays (compressed sparse rows), for reading the ties among
    thousands of actors at once: walking that many adjacency dicts one by one is bound by
    memory access (an ego network of 9,000 actors, 15 ms of 35), numpy is not.

    Built from one network and valid for it only (the tie data are shared, not copied).
    """

    def __init__(self, graph: nx.Graph):
        import numpy as np

        self.nodes = sorted(graph)
        self.index = {node: i for i, node in enumerate(self.nodes)}
        targets: list[int] = []
        self.data: list[dict] = []
        ends = []
        adjacency, position = graph._adj, self.index.__getitem__
        for node in self.nodes:
            ties = adjacency[node]
            targets.extend(map(position, ties))
            self.data.extend(ties.values())
            ends.append(len(targets))
        self.indices = np.array(targets, dtype=np.int64)
        self.indptr = np.array([0] + ends, dtype=np.int64)

    def ties_among(self, members: Iterable) -> list[tuple]:
        """Every tie between two of *members*, once, as ``(a, b, data)`` with a < b, in order of (a, b)."""
        import numpy as np

        rows = np.fromiter(map(self.index.__getitem__, members), dtype=np.int64)
        inside = np.zeros(len(self.nodes), dtype=bool)
        inside[rows] = True
        starts, counts = self.indptr[rows], self.indptr[rows + 1] - self.indptr[rows]
        firsts = np.cumsum(counts) - counts  # where each member's run begins in the gathered entries
        entries = np.repeat(starts - firsts, counts) + np.arange(counts.sum())
        sources, targets = np.repeat(rows, counts), self.indices[entries]
        keep = inside[targets] & (sources < targets)
        sources, targets, entries = sources[keep], targets[keep], entries[keep]
        order = np.lexsort((targets, sources))
        nodes, data = self.nodes, self.data
        return [(nodes[a], nodes[b], data[e]) for a, b, e in
                zip(sources[order].tolist(), targets[order].tolist(), entries[order].tolist())]


def ties_among(graph: nx.Graph, members: Iterable) -> list[tuple]:
    """Every tie of *graph* between two of *members*, once, as ``(a, b, data)`` with a < b, in order of (a, b):
    :meth:`NeighbourArrays.ties_among`, read from the adjacency dicts (for a few members, no arrays to build).

    Example
    -------
    >>> g = nx.Graph([("a", "b", {"weight": 1}), ("b", "c", {"weight": 2}), ("a", "d", {"weight": 3})])
    >>> [(a, b, data["weight"]) for a, b, data in ties_among(g, ["c", "b", "a"])]
    [('a', 'b', 1), ('b', 'c', 2)]
    """
    inside = set(members)
    adjacency = graph._adj
    found = [(a, b, data) for a in inside for b, data in adjacency[a].items() if b in inside and a < b]
    found.sort(key=lambda tie: (tie[0], tie[1]))
    return found


def actor_attributes(node: Node) -> dict:
    """What the network keeps of an actor."""
    attributes = {"kind": node.kind, "name": node.name}
    if node.kind == schema.AGENT.label and node.properties.get("service"):
        attributes["service"] = node.properties["service"]
    return attributes


def project_of(fact: Relationship, projects) -> str | None:
    """The project a fact takes part in (a participation, or the funding of a project), else None."""
    if fact.type == "PARTICIPATES_IN" or (fact.type == "FUNDS" and fact.target in projects):
        return fact.target
    return None


def participation(fact: Relationship) -> tuple[str, str]:
    """(actor, role) of a participation or of a project's funder."""
    if fact.type == "FUNDS":
        return fact.source, "funder"
    return fact.source, fact.key or fact.properties.get("role", "")


def fact_order(fact: Relationship) -> tuple:
    """Where a fact comes in the projection's order: by type (FACT_TYPES), then identity."""
    return (FACT_ORDER[fact.type], fact.source, fact.target, fact.key)


def first_roles(members: Iterable[tuple[str, str]]) -> dict[str, str]:
    roles: dict[str, str] = {}
    for actor, role in members:
        roles.setdefault(actor, role)
    return roles


def direct_weight(fact: Relationship) -> int:
    """The weight of a declared cooperation (by its frequency) or of a grant between two actors (1)."""
    return frequency_weight(fact.properties.get("frequency")) if fact.type == "COOPERATES_WITH" else 1


def direct_evidence(fact: Relationship) -> dict:
    """The evidence entry of a declared cooperation or of a grant between two actors."""
    props = fact.properties
    source = fact.provenance.source if fact.provenance else ""
    if fact.type == "COOPERATES_WITH":
        evidence = {"kind": "declared", "nature": props.get("nature"), "frequency": props.get("frequency"),
                    "declared_by": props.get("declared_by"), "status": props.get("status") or "declared",
                    "source": source}
        if kind_of(fact) == "workshop":  # met at a workshop: the workshop is the evidence
            evidence.update(kind="workshop", workshop=str(props["origin"])[len(WORKSHOP_ORIGIN):].strip())
        return evidence
    return {"kind": "funding", "amount": props.get("amount"), "date": props.get("date"),
            "object": props.get("object"), "source": source}


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def patch_cooperation_network(graph: nx.Graph, nodes: dict[str, Node], facts: Iterable[Relationship],
                              changed_nodes: Iterable[Node], changed_facts: Iterable[Relationship],
                              removed_nodes: Iterable[Node] = (), removed_facts: Iterable[Relationship] = ()
                              ) -> nx.Graph:
    """The network of all dates (``as_of=None``) after some facts were created, updated or removed, without
    projecting everything again.

    Parameters
    ----------
    graph : the network before the change; it is not modified (the result shares its
        unchanged edges' attribute dictionaries, which are never modified in place).
    nodes : every node after the change, by id.
    facts : every relationship after the change, in the projection's order.
    changed_nodes, changed_facts : what was created or updated (or retired: a retired fact
        still counts in the network of all dates).
    removed_nodes, removed_facts : what was deleted, as it was before (a deleted node's
        relationships are among *removed_facts*).

    Returns
    -------
    A new networkx.Graph equal, edge for edge and evidence for evidence, to
    ``cooperation_network(nodes.values(), facts)``. Only the pairs a changed or removed
    fact can tie are recomputed: the two ends of a declaration or grant, and every pair of
    participants (before or after) of a project whose participations changed. A node that changed
    between actor and project needs a full projection instead. The neighbours of the actors
    no change concerns are shared with *graph*, not copied (a million ties on a large territory).
    """
    patched = graph.__class__()
    patched.graph.update(graph.graph)
    patched._node.update(graph._node)
    patched._adj.update(graph._adj)
    copied: set[str] = set()

    def own(node: str) -> None:
        """Give *node* its own neighbours in the patched network before they change."""
        if node not in copied and node in patched._adj:
            patched._adj[node] = dict(patched._adj[node])
            copied.add(node)

    changed_nodes = list(changed_nodes)
    removed_nodes = list(removed_nodes)
    touched_nodes: set[str] = set()
    added = False
    for node in removed_nodes:
        if node.id in patched:
            touched_nodes.update(patched._adj[node.id])
            for neighbour in patched._adj[node.id]:
                own(neighbour)
            patched.remove_node(node.id)
    for node in changed_nodes:
        if node.kind in schema.ACTOR_LABELS:
            # Its neighbours stay the previous network's (shared) unless one of its ties changes below: what was
            # drawn of them is still right (visualisations.declaration.DrawnViews).
            added = added or node.id not in patched._adj
            patched.add_node(node.id)
            patched._node[node.id] = actor_attributes(node)

    projects = {node_id: node.properties for node_id, node in nodes.items() if node.kind == schema.PROJECT.label}
    # A removed fact is read as it was: its project may have been removed with it.
    projects_before = {**projects, **{n.id: n.properties for n in removed_nodes if n.kind == schema.PROJECT.label}}
    pairs: set[tuple[str, str]] = set()
    touched_projects: set[str] = set()
    members: dict[str, list[str]] = defaultdict(list)  # participants before or after the change
    for fact, known in [(f, projects) for f in changed_facts] + [(f, projects_before) for f in removed_facts]:
        project = project_of(fact, known)
        if project is not None:
            touched_projects.add(project)
            members[project].append(fact.source)
        elif fact.type in ("COOPERATES_WITH", "FUNDS"):
            pairs.add(_pair(fact.source, fact.target))
    if touched_projects:
        for fact in facts:
            if fact.target in touched_projects and project_of(fact, projects) is not None:
                members[fact.target].append(fact.source)
    for project in touched_projects:
        pairs.update(combinations(sorted(set(members[project])), 2))

    # One pass over the facts, keeping only those of the actors concerned.
    concerned = {actor for pair in pairs for actor in pair}
    direct: dict[tuple[str, str], list[Relationship]] = defaultdict(list)
    roles: dict[tuple[str, str], str] = {}  # (actor, project) -> the actor's first role there
    projects_of: dict[str, set[str]] = defaultdict(set)
    for fact in facts:
        if fact.source not in concerned and fact.target not in concerned:
            continue
        project = project_of(fact, projects)
        if project is not None:
            actor, role = participation(fact)
            roles.setdefault((actor, project), role)
            projects_of[actor].add(project)
        elif fact.type in ("COOPERATES_WITH", "FUNDS"):
            pair = _pair(fact.source, fact.target)
            if pair in pairs:
                direct[pair].append(fact)

    adjacency = patched._adj
    for a, b in pairs:
        touched_nodes.update((a, b))
        own(a)
        own(b)
        if patched.has_edge(a, b):
            patched.remove_edge(a, b)
        if a == b or a not in patched or b not in patched:
            continue
        # The same order as the full projection: declarations and grants, then projects by id.
        tie = None
        for fact in [*direct.get((a, b), ()),
                     *((project, a, roles[(a, project)], b, roles[(b, project)])
                       for project in sorted(projects_of.get(a, set()) & projects_of.get(b, set())))]:
            weight = 1 if isinstance(fact, tuple) else direct_weight(fact)
            if tie is None:
                tie = adjacency[a][b] = adjacency[b][a] = Tie(weight, fact)
            else:
                tie.add(weight, fact)
    # Removing keeps the order of the nodes; only a new one breaks it.
    sort_by_id(patched, {node for node in touched_nodes if node in adjacency}, every_node=added)
    return patched


def store_cooperation_network(store, as_of: str | None = None) -> nx.Graph:
    """The cooperation network of everything in *store* (see :func:`cooperation_network`)."""
    return cooperation_network(store.nodes(), store.relationships(FACT_TYPES), as_of)
