"""A read snapshot of the territory: the stored facts, their indexes and the cooperation network.

Queries run on a :class:`Territory`. :class:`TerritoryCache` keeps one per store
version: any write (from this process or another) changes the version, so the
next answer is built from fresh facts. Expensive global measures are memoised on
the snapshot, hence never served stale either.
"""
from __future__ import annotations

import bisect
import logging
import threading
import weakref
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from contextlib import AbstractContextManager
from functools import cached_property
from pathlib import Path
from queue import SimpleQueue
from typing import Any

import networkx as nx

from graph import schema, snapshot_file
from graph.bulk import collector_paused
from graph.cooperation import (
    FACT_TYPES,
    NeighbourArrays,
    cooperation_network,
    is_valid_at,
    patch_cooperation_network,
    ties_among,
)
from graph.errors import NotFound
from graph.i18n import Message
from graph.model import Node, Relationship, RelationshipRef
from graph.stores.base import Changes, Store

log = logging.getLogger("maillage.snapshot")  # a server's log (api.logs)

MAX_NETWORKS = 4  # the current network and three dates
# Up to this many members, the ties among them are read from the adjacency dicts (Territory.ties_among)
FEW_MEMBERS = 1000
MAX_MEASURES = 256
KEEP_AGAIN_AFTER = 10_000  # changes found since a kept snapshot beyond which it is kept again
# Seconds a snapshot waits before it is written to disk: the first answers, which build its network meanwhile,
# would share the interpreter with the writing (a métropole's first answer 3.5 s later). Waiting for it ends this.
KEEP_AFTER = 10.0
# Writers (persons, survey links) whose last acknowledged write a cache remembers: a read waits for its own writes
# only, not for everyone's (TerritoryCache.current). Beyond this, the oldest is forgotten and held to the newest
# write among the forgotten, which is safe, only slower.
WRITERS_KNOWN = 10_000


_MISSING = object()


def _recent(cache: OrderedDict, key) -> Any:
    """*cache*'s entry for *key*, marked as the most recently used (``_MISSING`` when there is none)."""
    if key not in cache:
        return _MISSING
    cache.move_to_end(key)
    return cache[key]


def _kept(cache: OrderedDict, key, value, size: int, keep=...) -> None:
    """*value* put in *cache* for *key*, dropping the least recently used entries beyond *size* (never the *keep*
    key)."""
    cache[key] = value
    for old in list(cache)[: max(0, len(cache) - size)]:
        if old != keep:
            del cache[old]


class Territory:
    def __init__(self, version: str, nodes: list[Node], relationships: list[Relationship], mark: tuple | None = None,
                 network: nx.Graph | None = None):
        """*network*: the cooperation network of all dates, when it was built as the facts were read."""
        self.version = version
        self.mark = mark  # where the store's history stood when this snapshot was read
        self.nodes: dict[str, Node] = {n.id: n for n in nodes}
        self.relationships = relationships
        self.by_type: dict[str, list[Relationship]] = defaultdict(list)
        for rel in relationships:
            self.by_type[rel.type].append(rel)
        self.service_of: dict[str, str] = {}
        for rel in self.by_type["MEMBER_OF"]:
            self.service_of[rel.source] = rel.target
        for node in nodes:
            if node.kind == schema.AGENT.label and node.id not in self.service_of and node.properties.get("service"):
                self.service_of[node.id] = node.properties["service"]
        self.parent_of = {rel.source: rel.target for rel in self.by_type["PART_OF"]}
        self.actor_themes: dict[str, set[str]] = defaultdict(set)
        for rel in self.by_type["ENGAGED_IN"]:
            self.actor_themes[rel.source].add(rel.target)
        self.project_themes: dict[str, set[str]] = defaultdict(set)
        for rel in self.by_type["ADDRESSES"]:
            self.project_themes[rel.source].add(rel.target)
        # Bounded: a network of a large territory weighs hundreds of megabytes, and every
        # as_of date asked for would otherwise stay in memory until the next write.
        self._networks: OrderedDict[str | None, nx.Graph] = OrderedDict()
        if network is not None:
            self._networks[None] = network
        self._measures: OrderedDict[tuple, object] = OrderedDict()
        self._arrays: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # network -> NeighbourArrays
        self._summaries: dict[str, dict] = {}  # an ego network of 9,000 actors asks for 9,000 of them
        # The same object from one snapshot to the next until a project is written or removed: what was drawn
        # with projects' names (a tie's evidence) is still right while it is (visualisations.declaration).
        self.project_names: object = object()
        self._lock = threading.RLock()  # held briefly: for the caches, never while something is built
        self._building: dict[tuple, threading.Lock] = {}  # what is being built, by key: the others wait for it

    # --- lookups -------------------------------------------------------------
    def node(self, node_id: str, kinds: tuple[str, ...] | None = None, what: str = "element") -> Node:
        """The node *node_id*, of one of *kinds*; else :class:`NotFound` naming *what* (``what.*`` messages)."""
        node = self.nodes.get(node_id)
        if node is None or (kinds is not None and node.kind not in kinds):
            raise NotFound(Message("what." + what), node_id)
        return node

    def actor(self, node_id: str) -> Node:
        return self.node(node_id, schema.ACTOR_LABELS, "actor")

    def name_of(self, node_id: str) -> str:
        """The name of *node_id*, or the identifier itself when this snapshot has no such node (retired, erased,
        or a group that is not a node: the partners of a campaign)."""
        node = self.nodes.get(node_id)
        return node.name if node is not None else node_id

    def pole_of(self, service: str) -> str:
        """The top of a service's chain of parents (itself for a pôle)."""
        seen = {service}
        while service in self.parent_of and self.parent_of[service] not in seen:
            service = self.parent_of[service]
            seen.add(service)
        return service

    def members_of(self, service: str) -> set[str]:
        """The agents of *service* and of every service it contains, at any depth."""
        def within(s: str | None) -> bool:
            seen = set()
            while s is not None and s not in seen:
                if s == service:
                    return True
                seen.add(s)
                s = self.parent_of.get(s)
            return False

        return {agent for agent, s in self.service_of.items() if within(s)}

    def group_of(self, agent: str, level: str = "service") -> str | None:
        service = self.service_of.get(agent)
        if service is None:
            return None
        return self.pole_of(service) if level == "pole" else service

    def summary(self, node_id: str) -> dict:
        """How an actor (or project, theme) appears in every answer (a copy: callers add to it)."""
        item = self._summaries.get(node_id)
        if item is None:
            node = self.nodes[node_id]
            item = {"id": node.id, "name": node.name, "kind": node.kind}
            if node.id in self.service_of:
                service = self.service_of[node.id]
                item["service"] = service
                item["service_name"] = self.name_of(service)
            self._summaries[node_id] = item
        return dict(item)

    def describe_evidence(self, evidence: dict) -> dict:
        described = dict(evidence)
        if evidence.get("kind") == "project" and evidence.get("project") in self.nodes:
            described["project_name"] = self.nodes[evidence["project"]].name
        return {k: v for k, v in described.items() if v not in (None, "")}

    def refreshed(self, version: str, changes: Changes) -> Territory:
        """A new snapshot: this one with *changes* applied (removals first, then what was written).

        The network of all dates is patched rather than projected again when this
        snapshot has it, which on a large territory is the bulk of a refresh.
        """
        nodes = dict(self.nodes)
        removed_nodes = [nodes.pop(node_id) for node_id in dict.fromkeys(changes.removed_nodes) if node_id in nodes]
        removed = set(changes.removed_relationships)
        removed_facts = _find(self.relationships, removed)
        flipped = False
        projects_changed = any(node.kind == schema.PROJECT.label for node in removed_nodes)
        for node in changes.nodes:
            before = nodes.get(node.id)
            if before is not None and before.kind != node.kind and not (
                    before.kind in schema.ACTOR_LABELS and node.kind in schema.ACTOR_LABELS):
                flipped = True  # the projection reads actors and projects differently
            projects_changed = projects_changed or schema.PROJECT.label in (node.kind, before and before.kind)
            nodes[node.id] = node
        fresh = Territory(version, list(nodes.values()),
                          _merged(self.relationships, changes.relationships, removed), changes.mark)
        network = self._networks.get(None)
        if network is not None and not flipped:
            fresh._networks[None] = patch_cooperation_network(
                network, fresh.nodes, fresh.facts(), changes.nodes, changes.relationships,
                removed_nodes, removed_facts)
        if not projects_changed:
            fresh.project_names = self.project_names
        for key, view in self._narrowed_views().items():
            refreshed_view = self._refreshed_view(fresh, key, view, changes)
            if refreshed_view is not None:
                fresh._measures[key] = refreshed_view
        return fresh

    # --- derived -------------------------------------------------------------
    def facts(self) -> list[Relationship]:
        """The relationships the cooperation network is projected from, in the projection's order."""
        return [r for t in FACT_TYPES for r in self.by_type[t]]

    def network(self, as_of: str | None = None) -> nx.Graph:
        def build() -> nx.Graph:
            # Frozen as it stands, not collected first: building it leaves no cycle behind, and a full
            # collection of a métropole's process would hold the answer for a second more.
            with collector_paused(freeze=True):
                return cooperation_network(self.nodes.values(), self.facts(), as_of)

        return self._once(("network", as_of), lambda: _recent(self._networks, as_of), build,
                          lambda network: _kept(self._networks, as_of, network, MAX_NETWORKS, keep=None))

    def neighbour_arrays(self, as_of: str | None = None) -> NeighbourArrays:
        """The network of *as_of* as arrays, built once per network."""
        network = self.network(as_of)
        return self._once(("arrays", id(network)), lambda: self._arrays.get(network, _MISSING),
                          lambda: NeighbourArrays(network), lambda arrays: self._arrays.__setitem__(network, arrays))

    def ties_among(self, members: Collection, as_of: str | None = None) -> list[tuple]:
        """Every tie between two of *members* (:meth:`NeighbourArrays.ties_among`): read from the network's
        adjacency for a few members, from its arrays for many. The arrays are built once per network, and while
        imports run the network changes every second: an actor's ego network waited for arrays of the whole
        territory to be built again when walking its few dozen members cost a fraction of that."""
        if len(members) <= FEW_MEMBERS:
            return ties_among(self.network(as_of), members)
        return self.neighbour_arrays(as_of).ties_among(members)

    def measure(self, key: tuple, compute: Callable[[], object]):
        """Memoise a global measure on this snapshot (so never beyond the store version)."""
        def build() -> object:
            with collector_paused(settle=True):  # a measure lives as long as its snapshot
                return compute()

        return self._once(("measure", key), lambda: _recent(self._measures, key), build,
                          lambda value: _kept(self._measures, key, value, MAX_MEASURES))

    def _once(self, key: tuple, find: Callable[[], Any], build: Callable[[], Any], keep: Callable[[Any], object]):
        """What *find* finds (``_MISSING``: nothing), else what *build* makes, kept by *keep*.

        Built outside the snapshot's lock, by one thread per key while the others asking for it wait: a measure
        taking seconds on a large territory (betweenness, communities) then holds only those who asked for it,
        not every answer reading the network meanwhile.
        """
        with self._lock:
            found = find()
            if found is not _MISSING:
                return found
            building = self._building.setdefault(key, threading.Lock())
        with building:
            with self._lock:
                found = find()
            if found is not _MISSING:
                return found
            try:
                value = build()
                with self._lock:
                    keep(value)
            finally:
                with self._lock:
                    self._building.pop(key, None)
            return value

    def restricted(self, evidence: str | None) -> Territory:
        """This snapshot with only the ties of *evidence*: ``all`` (itself), or ``confirmed``, where a declared
        tie counts only once the other side has confirmed it (projects and grants, which are records rather
        than one side's word, still count). Built once per snapshot."""
        if evidence in (None, "all"):
            return self
        return self._narrowed(("evidence", evidence))

    def masked(self) -> Territory:
        """This snapshot as people who may not see persons see it: no agent at all (they count only in
        aggregates, computed on the full snapshot), elected officials by their public role only (their node,
        none of their ties). Built once per snapshot."""
        return self._narrowed(("masked",))

    def _filters(self, key: tuple) -> tuple[Callable[[Node], bool], Callable[[Relationship], bool], tuple[str, ...]]:
        """What the narrowed view *key* keeps of this snapshot: (nodes, relationships, the kinds of nodes whose
        ids the rules depend on)."""
        if key == ("masked",):
            agents = {n for n, node in self.nodes.items() if node.kind == schema.AGENT.label}
            elected = {n for n, node in self.nodes.items() if node.kind == schema.ELECTED.label}
            return (lambda node: node.id not in agents, lambda rel: (
                rel.source not in agents and rel.target not in agents
                and not (rel.type in FACT_TYPES and (rel.source in elected or rel.target in elected))),
                (schema.AGENT.label, schema.ELECTED.label))
        return (lambda node: True,
                lambda rel: rel.type != "COOPERATES_WITH" or rel.properties.get("status") == "confirmed", ())

    def _narrowed(self, key: tuple) -> Territory:
        """The snapshot of the nodes and relationships the view *key* keeps, memoised on this one."""
        def build() -> Territory:
            keep_node, keep_relationship, _ = self._filters(key)
            return Territory(":".join((self.version, *key)), [n for n in self.nodes.values() if keep_node(n)],
                             [rel for rel in self.relationships if keep_relationship(rel)], self.mark)

        return self.measure(key, build)

    def _narrowed_views(self) -> dict[tuple, Territory]:
        with self._lock:
            return {key: view for key, view in self._measures.items()
                    if key[0] in ("masked", "evidence") and isinstance(view, Territory)}

    def _refreshed_view(self, fresh: Territory, key: tuple, view: Territory, changes: Changes) -> Territory | None:
        """The view *key* of *fresh* (this snapshot with *changes*), from this snapshot's *view* with the changes
        it keeps: its network patched rather than projected again (a reader who may not see persons asks the
        masked view after every write). None when the changes alter whom the view's rules name (a new agent):
        the view is then built afresh when asked."""
        keep_node, keep_relationship, kinds = fresh._filters(key)
        if kinds:
            for node in changes.nodes:
                before = self.nodes.get(node.id)
                if (node.kind in kinds) != (before is not None and before.kind in kinds):
                    return None
            if any(self.nodes[n].kind in kinds for n in changes.removed_nodes if n in self.nodes):
                return None
        kept = Changes(changes.mark, [n for n in changes.nodes if keep_node(n)],
                       [r for r in changes.relationships if keep_relationship(r)],
                       # what the view no longer keeps (a declaration disputed) leaves it
                       [*changes.removed_nodes, *(n.id for n in changes.nodes if not keep_node(n))],
                       [*changes.removed_relationships,
                        *(r.identity for r in changes.relationships if not keep_relationship(r))])
        return view.refreshed(":".join((fresh.version, *key)), kept)

    def participations(self, actor: str | None = None, project: str | None = None) -> list[Relationship]:
        """The participations of *actor*, or in *project*, in the stored order (indexed once per snapshot: a
        page must not read the million facts of a large territory)."""
        by_actor, by_project = self.participation_index
        return list(by_actor.get(actor, ()) if actor is not None else by_project.get(project or "", ()))

    @cached_property
    def participation_index(self) -> tuple[dict[str, list[Relationship]], dict[str, list[Relationship]]]:
        """The participations by actor and by project."""
        by_actor: dict[str, list[Relationship]] = defaultdict(list)
        by_project: dict[str, list[Relationship]] = defaultdict(list)
        for rel in self.by_type["PARTICIPATES_IN"]:
            by_actor[rel.source].append(rel)
            by_project[rel.target].append(rel)
        return by_actor, by_project

    @cached_property
    def agents_by_service(self) -> dict[str, list[str]]:
        members: dict[str, list[str]] = defaultdict(list)
        for agent, service in self.service_of.items():
            members[service].append(agent)
        return members

    def valid_facts(self, rel_type: str, as_of: str | None) -> list[Relationship]:
        """The facts of *rel_type* valid at *as_of*: all of them (the snapshot's own list, not to be modified) when
        None, without asking each of the thousands of grants."""
        facts = self.by_type[rel_type]
        return facts if as_of is None else [rel for rel in facts if is_valid_at(rel.properties, as_of)]


def _identity(rel: Relationship) -> tuple:
    return rel.identity


def _find(relationships: list[Relationship], identities: set[RelationshipRef]) -> list[Relationship]:
    """The facts of *relationships* (sorted by identity) whose identity is among *identities*."""
    found = []
    for identity in sorted(identities):
        position = bisect.bisect_left(relationships, identity, key=_identity)
        if position < len(relationships) and relationships[position].identity == identity:
            found.append(relationships[position])
    return found


def _merged(relationships: list[Relationship], changed: list[Relationship],
            removed: set[RelationshipRef] = frozenset()) -> list[Relationship]:  # type: ignore[assignment]
    """*relationships* (sorted by identity) without the *removed* identities, then with *changed* put in,
    replacing the facts of the same identity."""
    if len(changed) + len(removed) > 1000:
        facts = {rel.identity: rel for rel in relationships if rel.identity not in removed}
        facts.update((rel.identity, rel) for rel in changed)
        return sorted(facts.values(), key=_identity)
    merged = list(relationships)
    for identity in sorted(removed, reverse=True):
        position = bisect.bisect_left(merged, identity, key=_identity)
        if position < len(merged) and merged[position].identity == identity:
            del merged[position]
    for rel in sorted(changed, key=_identity):
        position = bisect.bisect_left(merged, rel.identity, key=_identity)
        if position < len(merged) and merged[position].identity == rel.identity:
            merged[position] = rel
        else:
            merged.insert(position, rel)
    return merged


class TerritoryCache:
    """The snapshot of a store's current version, refreshed when the store changes.

    A store that keeps a history of its changes (:meth:`graph.stores.base.Store.mark`) is
    asked once per answer where it stands (one small read): where the snapshot stands (the
    snapshot serves), or further. Then one answer reads what changed and applies it, while
    the others wait for it and answer from its snapshot: after an import, its thousands of
    changes are read once, not once by every answer that was waiting. A read that may (see
    :meth:`current`) answers from the snapshot being replaced instead of waiting. A store that
    cannot tell is asked its version, and read again in full when it moved.
    """

    def __init__(self, store: Store, keep_in: Path | None = None):
        self.store = store
        self._snapshot: Territory | None = None
        self._lock = threading.Lock()
        # The store's mark after the last write this process acknowledged (see current and written), and after the
        # last one of each writer it knows (a person, a survey link), the oldest forgotten past WRITERS_KNOWN: one
        # forgotten is then held to the newest mark among the forgotten.
        self._written: tuple | None = None
        self._written_by: OrderedDict[str, tuple] = OrderedDict()
        self._forgotten: tuple | None = None
        self._written_lock = threading.Lock()
        self._asking = threading.Lock()  # held by the read asking the store where it stands (see current)
        # The refresh in the background (see current's patience): its thread, made when first needed (never in a
        # server that forks its workers, whose reads wait), and the last one started.
        self._refresher: ThreadPoolExecutor | None = None
        self._refresh: Future | None = None
        self._refresher_lock = threading.Lock()
        # A folder where the snapshot is kept between runs (graph.snapshot_file): a server starting again reads
        # it back and asks the store only what changed since.
        self.keep_in = keep_in
        # The snapshot being kept: its writer, the signal to write now, and the one to write nothing after all.
        self._keeping: tuple[threading.Thread, threading.Event, threading.Event] | None = None

    @property
    def last(self) -> Territory | None:
        """The last snapshot read, without asking the store (None before the first)."""
        return self._snapshot

    def current(self, wait: bool = True, writer: str | None = None, patience: float | None = None,
                known_mark: tuple | None = None) -> Territory:
        """The snapshot at the store's current mark.

        Unless *wait*, an answer does not wait for another thread's work with the store: while one asks the store
        where it stands, or reads what changed, the newest snapshot answers, provided it holds every write this
        process acknowledged to the *writer* who asks (:meth:`written`), or to anyone when the writer is not known.
        Such an answer misses only what others wrote since the last time the store was asked (an import, another
        person's edit), which it could not have told from a store answering a moment later; a person still reads
        their own writes, and one asking alone asks the store as before.

        With a *patience* (seconds), such an answer that finds the store moved does not read what changed itself:
        a refresh in the background does, and the answer waits for it that long at most, then answers from the
        newest snapshot. While an import commits, the store answers slowly, and whoever first saw its changes
        waited for them; now the refresh alone does. What changed shows in the answers once it is read.

        A *known_mark* the caller read from the store a moment ago (with its account: one round trip for both) is
        taken as the store's, unless it is older than a write this process acknowledged to the *writer*."""
        snapshot = self._snapshot
        if snapshot is not None and snapshot.mark is not None:
            acknowledged = self._acknowledged(writer)
            mark: tuple | None
            if known_mark is not None and (acknowledged is None or _covers(known_mark, acknowledged)):
                mark = known_mark
            else:
                asking = not wait and self._asking.acquire(blocking=False)
                if not (wait or asking) and self._holds_acknowledged(snapshot, writer):
                    return snapshot  # another read is asking
                try:
                    mark = self.store.mark()
                finally:
                    if asking:
                        self._asking.release()
            if mark == snapshot.mark:
                return snapshot
            if mark is not None:
                if not wait and patience is not None and self._holds_acknowledged(snapshot, writer):
                    return self._refreshed_within(mark, patience)
                return self._refreshed_to(mark, wait, writer)
        version = self.store.version()
        if snapshot is not None and snapshot.version == version:
            return snapshot
        return self._read_again(snapshot, version)

    def _refreshed_within(self, mark: tuple, patience: float) -> Territory:
        """The newest snapshot, at once while another refresh is under way (as :meth:`_refreshed_to` without
        waiting); else after waiting at most *patience* seconds for a refresh to *mark* started now, in the
        background."""
        with self._refresher_lock:
            if self._lock.locked() or (self._refresh is not None and not self._refresh.done()):
                refresh = None
            else:
                if self._refresher is None:
                    self._refresher = ThreadPoolExecutor(1, thread_name_prefix="maillage-refresh")
                refresh = self._refresh = self._refresher.submit(self._refreshed_to, mark)
                refresh.add_done_callback(_log_failure)
        if refresh is not None and futures_wait([refresh], timeout=patience).done:
            refresh.result()  # what failed fails this answer too (a store gone: served stale by the caller)
        snapshot = self._snapshot  # while it still reads, the one it replaces
        assert snapshot is not None
        return snapshot

    def _acknowledged(self, writer: str | None) -> tuple | None:
        """The mark of the last write this process acknowledged to *writer* (to anyone, when None), if any."""
        return self._written if writer is None else self._written_by.get(writer, self._forgotten)

    def _holds_acknowledged(self, snapshot: Territory, writer: str | None) -> bool:
        """Whether *snapshot* holds every write this process acknowledged to *writer* (to anyone, when None)."""
        written = self._acknowledged(writer)
        return written is None or (snapshot.mark is not None and _covers(snapshot.mark, written))

    def written(self, mark: tuple | None, writer: str | None = None) -> None:
        """Note that this process acknowledged writes up to the store's *mark*, to *writer* when known: an answer
        that does not wait (:meth:`current`) is never given a snapshot older than that, neither to this writer
        nor to one not known."""
        if mark is None:
            return
        with self._written_lock:
            self._written = _later(self._written, mark)
            if writer is not None:
                self._written_by[writer] = _later(self._written_by.pop(writer, None), mark)
                if len(self._written_by) > WRITERS_KNOWN:
                    self._forgotten = _later(self._forgotten, self._written_by.popitem(last=False)[1])

    def _refreshed_to(self, mark: tuple, wait: bool = True, writer: str | None = None) -> Territory:
        """A snapshot at *mark* or later: this thread applies what changed, unless another did meanwhile (or,
        unless *wait*, is doing it now: see :meth:`current`)."""
        if not self._lock.acquire(blocking=wait):
            snapshot = self._snapshot
            assert snapshot is not None
            if self._holds_acknowledged(snapshot, writer):
                return snapshot
            self._lock.acquire()
        try:
            snapshot = self._snapshot
            assert snapshot is not None and snapshot.mark is not None
            if _covers(snapshot.mark, mark):
                return snapshot  # another answer refreshed it meanwhile
            changes = self.store.changes_since(snapshot.mark)
            with collector_paused(settle=True):
                # cleared, or erased: read again
                snapshot = self._read_all(None) if changes is None else _with_changes(snapshot, changes)
                self._snapshot = snapshot
            return snapshot
        finally:
            self._lock.release()

    def _read_again(self, seen: Territory | None, version: str) -> Territory:
        """The snapshot read in full, unless another thread did meanwhile."""
        with self._lock:
            snapshot = self._snapshot
            if snapshot is not seen and snapshot is not None:
                return snapshot
            with self._collector_paused():
                self._snapshot = self._read_all(version)
            return self._snapshot

    def _collector_paused(self) -> AbstractContextManager[None]:
        """The collector paused for a full read: settled after it, unless it is this process's first, which left
        no old snapshot behind to reclaim: frozen as it stands (a full collection of a métropole's million
        objects, found all alive, would hold its first answer for a second more)."""
        return collector_paused(freeze=True) if self._snapshot is None else collector_paused(settle=True)

    def _read_all(self, version: str | None, read_back: bool = True) -> Territory:
        """The store read in full, or its kept snapshot (when *read_back*) and what changed since."""
        mark = self.store.mark()  # before reading: what is written meanwhile comes again next time
        if mark is not None:
            version = _version_of(mark)
            if read_back and self._snapshot is None:
                kept = self._read_kept(mark)
                if kept is not None:
                    return kept
        # Nodes and relationships read side by side (a server's half of the work overlaps ours), and the network
        # built from the relationships as they come, while this process waits for the store (the order they
        # come in does not change it: graph.cooperation).
        parts: SimpleQueue = SimpleQueue()
        with ThreadPoolExecutor(2) as helpers:
            nodes = helpers.submit(lambda: list(self.store.nodes()))
            network = helpers.submit(_network_as_read, nodes, parts)
            try:
                relationships = list(self.store.relationships(seen=parts.put))
            finally:
                parts.put(None)
            built, seen = network.result()
            snapshot = Territory(version if version is not None else self.store.version(), nodes.result(),
                                 relationships, mark, network=built if seen == len(relationships) else None)
        if mark is not None and self.keep_in is not None:
            self._keep(snapshot)
        return snapshot

    def read_in_full(self) -> Territory:
        """The store read in full, never from a kept snapshot (kept afterwards, as every full read is): a command
        that has just filled a store, where a million changes read since a kept snapshot would be slower."""
        with self._lock, self._collector_paused():
            self._snapshot = self._read_all(None, read_back=False)
            return self._snapshot

    def _read_kept(self, mark: tuple) -> Territory | None:
        """The snapshot kept for the store's epoch at *mark*, brought up to date with what changed since it was
        kept; None when there is none (or the store cannot tell what changed since). The one kept in this
        server's folder, else the one kept in the store (a server starting on another machine, or without its
        folder): either holds the same facts at some mark, and what changed since is asked the same way."""
        path = snapshot_file.path_for(self.keep_in, mark) if self.keep_in is not None else None
        kept = snapshot_file.load(path) if path is not None else None
        from_store = kept is None
        if from_store:
            kept = snapshot_file.unpacked(self.store.kept_snapshot())
        if kept is None:
            return None
        where = "store" if from_store else path
        kept_mark, nodes, relationships = kept
        changes = self.store.changes_since(kept_mark) if kept_mark[0] == mark[0] else None
        if changes is None:
            return None
        log.info("kept_snapshot_read %s: %d facts, %d changed since", where, len(nodes) + len(relationships),
                 changes.size, extra={"fields": {"event": "kept_snapshot_read", "changes": changes.size}})
        snapshot = _with_changes(Territory(_version_of(kept_mark), nodes, relationships, kept_mark), changes)
        if self.keep_in is not None and (changes.size > KEEP_AGAIN_AFTER or from_store):
            self._keep(snapshot, in_store=changes.size > KEEP_AGAIN_AFTER)  # else every start would read them
        return snapshot

    def _keep(self, snapshot: Territory, in_store: bool = True) -> None:
        """Write *snapshot* to its file in the background (the first answer does not wait for it), and delete
        those of another epoch; and, when *in_store*, keep it in the store too, for servers starting elsewhere
        (:meth:`graph.stores.base.Store.keep_snapshot`)."""
        assert self.keep_in is not None and snapshot.mark is not None
        folder, mark = self.keep_in, snapshot.mark
        path = snapshot_file.path_for(folder, mark)
        store = self.store

        def keep() -> None:
            now.wait(KEEP_AFTER)
            if cancelled.is_set():
                return
            packed = None
            try:
                packed = snapshot_file.save(path, mark, snapshot.nodes.values(), snapshot.relationships,
                                            packed=in_store and store.keeps_snapshots)
                log.info("kept_snapshot_written %s", path, extra={"fields": {"event": "kept_snapshot_written"}})
            except (OSError, ValueError) as error:  # a full disk, a property marshal cannot write
                log.warning("kept_snapshot_failed %s: %s", path, error)
            if packed is not None:
                try:
                    if store.keep_snapshot(mark, packed):
                        log.info("kept_snapshot_written in the store (%d bytes)", len(packed),
                                 extra={"fields": {"event": "kept_snapshot_written", "where": "store"}})
                except Exception as error:  # a saving for servers elsewhere: never a failure here
                    log.warning("kept_snapshot_failed in the store: %s", error)
            snapshot_file.forget(folder, keep=path)

        self.wait_until_kept()
        now, cancelled = threading.Event(), threading.Event()
        writer = threading.Thread(target=keep, name="keep-snapshot", daemon=True)
        self._keeping = (writer, now, cancelled)
        writer.start()

    def forget_kept(self) -> None:
        """Delete the snapshots kept on disk (the next full read keeps another)."""
        with self._lock:  # not while a read starts keeping one
            self.wait_until_kept(cancel=True)  # not written only to be deleted
            if self.keep_in is not None:
                snapshot_file.forget(self.keep_in)

    def wait_until_kept(self, cancel: bool = False) -> None:
        """Return once the snapshot being kept, if any, is written (before forking workers, or exiting), or, when
        *cancel*, given up unless its writing had begun."""
        if self._keeping is not None:
            writer, now, cancelled = self._keeping
            if cancel:
                cancelled.set()
            now.set()
            writer.join()
            self._keeping = None


def keep_for_next_start(store: Store, folder: Path, written: int | None = None,
                        starting: Callable[[], None] = lambda: None) -> bool:
    """Keep a snapshot of *store* in *folder*, and in the store when it keeps one (Neo4j), for the server that
    starts next, here or on another machine; unless one of the store's epoch is kept already (in both) and
    *written* (facts an import just changed, None: unknown) is at most ``KEEP_AGAIN_AFTER``.

    For the commands that fill a store (an import, a restore): a server's first start then reads the kept
    snapshot back instead of the whole store (at metropole, 7 s instead of 16). *starting* is called
    before the work, which takes a while at that scale. True when one was kept.
    """
    mark = store.mark()
    if mark is None:  # a store without a history: nothing to read back from
        return False
    if (written is not None and written <= KEEP_AGAIN_AFTER and snapshot_file.path_for(folder, mark).exists()
            and (not store.keeps_snapshots or store.kept_snapshot_mark() is not None)):
        return False  # the server reads it and what changed since, and keeps it again when that grew
    starting()
    cache = TerritoryCache(store, keep_in=folder)
    cache.read_in_full()
    cache.wait_until_kept()
    return True


def _network_as_read(nodes: Future, parts: SimpleQueue) -> tuple[nx.Graph, int]:
    """The cooperation network of the facts put in *parts* as a store reads them (None: the end), once *nodes*
    are read; and how many facts it was told of. The network is the snapshot's only if that is the number read:
    a read that started again another way (Neo4j's plugin failing halfway) told of some twice."""
    read, seen = nodes.result(), 0

    def facts() -> Iterator[Relationship]:
        nonlocal seen
        for part in iter(parts.get, None):
            seen += len(part)
            yield from part

    return cooperation_network(read, facts()), seen


def _with_changes(snapshot: Territory, changes: Changes) -> Territory:
    """*snapshot* with *changes* applied (itself, at their mark, when they changed nothing)."""
    if not changes:
        snapshot.mark = changes.mark  # writes that changed nothing: the same facts
        return snapshot
    return snapshot.refreshed(_version_of(changes.mark), changes)


def _log_failure(refresh: Future) -> None:
    """A refresh in the background that failed after its reader stopped waiting is logged: the next read tries
    again, and only that one would have seen the error."""
    error = refresh.exception()
    if error is not None:
        log.warning("refresh_failed %s: %s", type(error).__name__, error)


def _later(known: tuple | None, mark: tuple) -> tuple:
    """The later of two marks (*mark* when *known* is None, or of another epoch: a cleared store starts again)."""
    return known if known is not None and _covers(known, mark) else mark


def _covers(mark: tuple, seen: tuple) -> bool:
    """Whether a snapshot at *mark* holds every change up to *seen* (same epoch, same or later number)."""
    return mark[0] == seen[0] and mark[1] >= seen[1]


def _version_of(mark: tuple) -> str:
    """A snapshot's version from its store's mark: it moves with every change, and with a cleared store."""
    return ":".join(str(part) for part in mark)
