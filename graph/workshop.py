"""Preparing a partnership workshop from the cooperation network: who to invite and why, who sits with whom.

:func:`suggest_guests` draws the invitation list of a theme, each guest with its reasons.
:func:`pair_values` says what each encounter is worth (:class:`Weights`: two people who do
not work together yet, far apart in the network, of different services or kinds, who share
a theme or carry complementary projects). :func:`plan` seats the participants round after
round with the search of :mod:`graph.mdgp`, so that the encounters are worth the most, no
pair meets twice, and every constraint of the :class:`Workshop` holds; :func:`compare`
measures a plan against a random one under the same constraints; :func:`introductions`
says, in plain French, who should meet whom at each table, and why.
"""
from __future__ import annotations

import itertools
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from graph import schema
from graph.i18n import Message
from graph.mdgp import Infeasible, Instance, check, objective, random_assignment, solve
from graph.schema import slugify
from graph.territory import Territory


@dataclass(frozen=True)
class Weights:
    """What makes an encounter worth more; the facilitator sets each part (0 leaves it out)."""

    new_tie: float = 3.0  # the two do not work together yet
    distance: float = 1.0  # farther apart in the cooperation network (up to 3 steps, or unconnected)
    other_service: float = 2.0  # of different services (an agent's service; another actor's kind)
    other_kind: float = 1.0  # of different kinds (agent, elected official, association, partner…)
    shared_theme: float = 1.5  # each theme both carry (at most two counted)
    complementary: float = 1.0  # each carries a project of a theme the other also works on

    @classmethod
    def parse(cls, items: list[str]) -> Weights:
        """``["new_tie=2", "distance=0"]`` -> weights, the others at their default."""
        values = {}
        for item in items:
            name, _, number = item.partition("=")
            if name.strip() not in cls.__dataclass_fields__:
                raise ValueError(Message("expect.weight", name=name, choices=", ".join(cls.__dataclass_fields__)))
            try:
                values[name.strip()] = float(number)
            except ValueError:
                raise ValueError(Message("expect.weight_value", name=name, value=number)) from None
        return cls(**values)


@dataclass
class Workshop:
    """A workshop: its theme(s), tables and rounds, facilitators (each fixed to a table) and constraints."""

    themes: list[str]
    tables: int
    size: int  # seats per table (the last tables may take one less when people do not fill them all)
    rounds: int = 1
    title: str = ""
    date: str = ""
    place: str = ""
    facilitators: dict[str, int] = field(default_factory=dict)  # actor -> table (0-based)
    at_table: dict[str, int] = field(default_factory=dict)  # actor -> table, for every round
    must_meet: list[tuple[str, str]] = field(default_factory=list)  # seated together in the first round
    apart: list[tuple[str, str]] = field(default_factory=list)  # never at the same table
    min_services: int = 0  # at least this many services (or kinds of actor) at every table
    weights: Weights = field(default_factory=Weights)
    fixed: dict[int, dict[str, int]] = field(default_factory=dict)  # round -> actor -> table (a locked table…)
    sizes: list[int] | None = None  # seats of each table, when they differ (then *tables* and *size* follow)
    targets: dict[str, int] = field(default_factory=dict)  # kind label -> guests of that kind wanted at least

    def __post_init__(self) -> None:
        if self.sizes:
            self.tables, self.size = len(self.sizes), max(self.sizes)

    @property
    def seats(self) -> list[int]:
        return list(self.sizes) if self.sizes else [self.size] * self.tables


@dataclass
class Plan:
    participants: list[str]
    rounds: list[list[list[str]]]  # round -> table -> actor ids
    value: float
    seconds: float


def group_of(t: Territory, actor: str) -> str:
    """What "a service" means at a table: an agent's service, a service itself, else the actor's kind."""
    node = t.nodes[actor]
    if node.kind == schema.AGENT.label:
        return t.service_of.get(actor, schema.AGENT.label)
    if node.kind == schema.SERVICE.label:
        return actor
    return node.kind


def themes_of(t: Territory, actor: str) -> set[str]:
    """The themes an actor carries: its own, and those of the projects it takes part in."""
    carried = set(t.actor_themes.get(actor, ()))
    for project in projects_of(t).get(actor, ()):
        carried |= t.project_themes.get(project, set())
    return carried


def projects_of(t: Territory) -> dict[str, set[str]]:
    def compute() -> dict[str, set[str]]:
        found: dict[str, set[str]] = defaultdict(set)
        for rel in t.valid_facts("PARTICIPATES_IN", None):
            found[rel.source].add(rel.target)
        return found
    return t.measure(("workshop_projects",), compute)


def pair_values(t: Territory, participants: list[str], weights: Weights = Weights()) -> np.ndarray:
    """The value of seating each pair of *participants* together (:class:`Weights`)."""
    g = t.network()
    n = len(participants)
    distance = {a: nx.single_source_shortest_path_length(g, a, cutoff=3) if a in g else {} for a in participants}
    groups = [group_of(t, a) for a in participants]
    kinds = [t.nodes[a].kind for a in participants]
    themes = [themes_of(t, a) for a in participants]
    projects = projects_of(t)
    values = np.zeros((n, n))
    for i, j in itertools.combinations(range(n), 2):
        a, b = participants[i], participants[j]
        steps = distance[a].get(b)
        value = 0.0
        if steps != 1:
            value += weights.new_tie + weights.distance * (1.0 if steps is None else (steps - 1) / 2)
        value += weights.other_service * (groups[i] != groups[j]) + weights.other_kind * (kinds[i] != kinds[j])
        value += weights.shared_theme * min(2, len(themes[i] & themes[j]))
        value += weights.complementary * _complementary(t, projects, a, b, themes[i], themes[j])
        values[i, j] = values[j, i] = value
    return values


def _complementary(t: Territory, projects: dict[str, set[str]], a: str, b: str, themes_a: set[str],
                   themes_b: set[str]) -> int:
    """1 when each carries a project the other does not, of a theme the other works on."""
    own_a, own_b = projects.get(a, set()), projects.get(b, set())
    a_side = any(t.project_themes.get(p, set()) & themes_b for p in own_a - own_b)
    b_side = any(t.project_themes.get(p, set()) & themes_a for p in own_b - own_a)
    return int(a_side and b_side)


def table_sizes(people: int, seats: list[int]) -> tuple[list[int], list[int]]:
    """Lower and upper bounds of each table of *seats* places, as evenly filled as the people allow (each
    person to the table with the most free seats).

    >>> table_sizes(10, [4, 4, 6])
    ([3, 3, 4], [4, 4, 6])
    """
    if people > sum(seats):
        raise Infeasible(Message("infeasible.seats", people=people, low=len(seats), high=sum(seats)))
    filled = [0] * len(seats)
    for _ in range(people):
        k = max(range(len(seats)), key=lambda table: (seats[table] - filled[table], -table))
        filled[k] += 1
    return filled, list(seats)


def _check_workshop(t: Territory, workshop: Workshop, participants: list[str]) -> None:
    """Explain at once a constraint no plan can meet (naming it), rather than searching in vain."""
    known = set(participants)
    per_round = [(actor, table) for seats in workshop.fixed.values() for actor, table in seats.items()]
    for actor, table in [*workshop.facilitators.items(), *workshop.at_table.items(), *per_round]:
        if actor not in known:
            raise Infeasible(Message("infeasible.unknown", actor=actor))
        if not 0 <= table < workshop.tables:
            raise Infeasible(Message("infeasible.table", actor=actor, table=table + 1, tables=workshop.tables))
    seats = {**workshop.at_table, **workshop.facilitators}
    kept_apart = {frozenset(pair) for pair in workshop.apart}
    for a, b in workshop.must_meet:
        if frozenset((a, b)) in kept_apart:
            raise Infeasible(Message("infeasible.contradiction", first=a, second=b))
        if a in seats and b in seats and seats[a] != seats[b]:
            raise Infeasible(Message("infeasible.meet_fixed", first=a, second=b))
    for a, b in workshop.apart:
        if a in seats and b in seats and seats[a] == seats[b]:
            raise Infeasible(Message("infeasible.apart_fixed", first=a, second=b, table=seats[a] + 1))
    groups = Counter(group_of(t, a) for a in participants)
    if workshop.min_services:
        # Each service can bring one of its people to at most one seat per table.
        reachable = sum(min(count, workshop.tables) for count in groups.values())
        if len(groups) < workshop.min_services or reachable < workshop.tables * workshop.min_services:
            raise Infeasible(Message("infeasible.services", wanted=workshop.min_services, tables=workshop.tables,
                                     services=len(groups)))
        if workshop.min_services > workshop.size:
            raise Infeasible(Message("infeasible.services_size", wanted=workshop.min_services, size=workshop.size))
    # Meeting nobody twice: a table of a later round takes at most one person from each table of the first.
    largest = -(-len(participants) // max(workshop.tables, 1))  # the fullest table, people spread evenly
    if workshop.rounds > 1 and largest > workshop.tables:
        raise Infeasible(Message("infeasible.round_tables", tables=workshop.tables, smallest=largest))
    # And each round a person meets size - 1 new people.
    if workshop.rounds > 1 and workshop.size > 1 and (workshop.size - 1) * workshop.rounds > len(participants) - 1:
        raise Infeasible(Message("infeasible.rounds", rounds=workshop.rounds, size=workshop.size,
                                 people=len(participants)))


def steps_per_round(people: int) -> int:
    """Search steps for one round: a step costs the square of the people, so that a round of 120 takes about
    two seconds on a small server; a step budget (not a time) makes a plan the same for a seed on any machine."""
    return int(min(100_000, max(5_000, 4e8 / max(people, 1) ** 2)))


def plan(t: Territory, workshop: Workshop, participants: list[str], seed: int = 0, seconds: float = 60.0,
         max_steps: int | None = None, random: bool = False) -> Plan:
    """Seat *participants* at the tables, round after round: the encounters worth the most (or, with *random*,
    any seating that keeps the constraints), no pair twice, every constraint kept; :class:`Infeasible` names
    the constraint no plan can meet. *max_steps* per round (by default :func:`steps_per_round`) makes the
    plan reproducible for a seed; *seconds* only caps a very large one."""
    started = time.perf_counter()
    participants = list(dict.fromkeys(participants))
    _check_workshop(t, workshop, participants)
    values = pair_values(t, participants, workshop.weights)
    max_steps = max_steps if max_steps is not None else steps_per_round(len(participants))
    stuck_round = 1
    for attempt in range(ATTEMPTS):  # a later round may find no seating left after the earlier ones: start again
        try:
            rounds, total = _seat_rounds(t, workshop, participants, values, seed + 1000 * attempt, seconds,
                                         max_steps, random)
            return Plan(participants, rounds, total, time.perf_counter() - started)
        except _RoundStuck as stuck:
            stuck_round = stuck.round
    raise Infeasible(Message("infeasible.no_repeat", round=stuck_round, rounds=workshop.rounds, size=workshop.size,
                             people=len(participants)))


ATTEMPTS = 3


class _RoundStuck(Exception):
    def __init__(self, round_number: int):
        self.round = round_number


def _seat_rounds(t: Territory, workshop: Workshop, participants: list[str], values: np.ndarray, seed: int,
                 seconds: float, max_steps: int | None, random: bool) -> tuple[list[list[list[str]]], float]:
    index = {a: k for k, a in enumerate(participants)}
    lower, upper = table_sizes(len(participants), workshop.seats)
    met: set[tuple[int, int]] = {tuple(sorted((index[a], index[b]))) for a, b in workshop.apart}  # type: ignore[misc]
    seats = {index[a]: table for a, table in {**workshop.at_table, **workshop.facilitators}.items()}
    rng = np.random.default_rng(seed)
    rounds: list[list[list[str]]] = []
    total = 0.0
    for round_number in range(workshop.rounds):
        units = _units(len(participants), [(index[a], index[b]) for a, b in workshop.must_meet]
                       if round_number == 0 else [])
        this_round = {**seats, **{index[a]: table for a, table in workshop.fixed.get(round_number, {}).items()}}
        instance = _round_instance(values, units, lower, upper, this_round, met)
        try:
            if random:
                unit_assignment = random_assignment(instance, rng)
            else:
                unit_assignment = solve(instance, seconds=seconds / workshop.rounds, seed=seed + round_number,
                                        max_steps=max_steps).assignment
        except Infeasible:
            if round_number == 0:
                raise
            raise _RoundStuck(round_number + 1) from None
        assignment = np.empty(len(participants), dtype=np.int64)
        for unit, members in enumerate(units):
            assignment[members] = unit_assignment[unit]
        if workshop.min_services:
            assignment = _ensure_services(t, participants, values, assignment, workshop, this_round, met)
        total += objective(values, assignment)
        tables = [[participants[k] for k in np.flatnonzero(assignment == table)] for table in range(workshop.tables)]
        rounds.append(tables)
        for table in tables:
            for a, b in itertools.combinations(table, 2):
                met.add(tuple(sorted((index[a], index[b]))))  # type: ignore[arg-type]
    return rounds, total


def _units(n: int, together: list[tuple[int, int]]) -> list[list[int]]:
    """Elements joined by must-meet pairs become one unit (union-find), each unit a list of elements."""
    parent = list(range(n))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in together:
        parent[root(a)] = root(b)
    members: dict[int, list[int]] = defaultdict(list)
    for x in range(n):
        members[root(x)].append(x)
    return sorted(members.values())


def _round_instance(values: np.ndarray, units: list[list[int]], lower: list[int], upper: list[int],
                    seats: dict[int, int], met: set[tuple[int, int]]) -> Instance:
    """One round as a grouping instance over units: their values summed, a unit fixed when one of its
    members is, two units kept apart when two of their members met (or must be apart)."""
    unit_of = {member: u for u, members in enumerate(units) for member in members}
    count = len(units)
    unit_values = np.zeros((count, count))
    for u, members in enumerate(units):
        for v in range(u + 1, count):
            unit_values[u, v] = unit_values[v, u] = values[np.ix_(members, units[v])].sum()
    fixed: dict[int, int] = {}
    for member, table in seats.items():
        u = unit_of[member]
        if fixed.get(u, table) != table:
            raise Infeasible(Message("infeasible.construct"))
        fixed[u] = table
    apart = set()
    for a, b in met:
        u, v = unit_of[a], unit_of[b]
        if u == v:
            raise Infeasible(Message("infeasible.construct"))
        apart.add((min(u, v), max(u, v)))
    weights = np.array([len(m) for m in units], dtype=np.int64)
    return Instance(unit_values, lower, upper, weights=weights, fixed=fixed, apart=sorted(apart))


def _ensure_services(t: Territory, participants: list[str], values: np.ndarray, assignment: np.ndarray,
                     workshop: Workshop, seats: dict[int, int], met: set[tuple[int, int]]) -> np.ndarray:
    """Swaps between tables, each losing the least value, until every table has *min_services* services (or
    kinds); :class:`Infeasible` when no swap helps any more."""
    groups = [group_of(t, a) for a in participants]
    a = assignment.copy()
    n = len(participants)

    def distinct(table: int, members: np.ndarray | None = None) -> int:
        chosen = np.flatnonzero(a == table) if members is None else members
        return len({groups[k] for k in chosen})

    for _ in range(n * workshop.tables):
        short = [table for table in range(workshop.tables) if distinct(table) < workshop.min_services]
        if not short:
            return a
        table = short[0]
        best, best_loss = None, np.inf
        inside = np.flatnonzero(a == table)
        counts = Counter(groups[k] for k in inside)
        for i in inside:
            if i in seats or counts[groups[i]] < 2:  # only a member whose service is there twice may leave
                continue
            for j in range(n):
                other = int(a[j])
                if other == table or j in seats or groups[j] in counts:
                    continue
                after = np.append(np.flatnonzero((a == other) & (np.arange(n) != j)), i)
                if distinct(other, after) < min(workshop.min_services, distinct(other)):
                    continue
                if any(tuple(sorted((i, k))) in met for k in np.flatnonzero(a == other) if k != j) or any(
                        tuple(sorted((j, k))) in met for k in inside if k != i):
                    continue
                loss = values[i, a == table].sum() - values[i, i] + values[j, a == other].sum() \
                    - values[j, np.flatnonzero(a == table)].sum() + values[j, i] \
                    - values[i, np.flatnonzero(a == other)].sum() + values[i, j]
                if loss < best_loss:
                    best, best_loss = (int(i), j), loss
        if best is None:
            raise Infeasible(Message("infeasible.services", wanted=workshop.min_services, tables=workshop.tables,
                                     services=len(set(groups))))
        first, second = best
        a[first], a[second] = a[second], a[first]
    raise Infeasible(Message("infeasible.services", wanted=workshop.min_services, tables=workshop.tables,
                             services=len(set(groups))))


def violations(t: Territory, workshop: Workshop, result: Plan) -> list[Message]:
    """Every constraint *result* breaks (empty for a sound plan): sizes, fixed seats, pairs apart, must-meet
    pairs, a pair met twice, services per table."""
    problems: list[Message] = []
    index = {a: k for k, a in enumerate(result.participants)}
    lower, upper = table_sizes(len(result.participants), workshop.seats)
    seen: set[frozenset[str]] = set()
    for number, tables in enumerate(result.rounds):
        assignment = np.empty(len(result.participants), dtype=np.int64)
        for number_of_table, members in enumerate(tables):
            for m in members:
                assignment[index[m]] = number_of_table
        seats = {index[a]: seat for a, seat in {**workshop.at_table, **workshop.facilitators,
                                                **workshop.fixed.get(number, {})}.items()}
        instance = Instance(np.zeros((len(index), len(index))), lower, upper, fixed=seats,
                            apart=[(index[a], index[b]) for a, b in workshop.apart])
        problems += check(instance, assignment)
        for people in tables:
            if workshop.min_services and len({group_of(t, m) for m in people}) < workshop.min_services:
                problems.append(Message("infeasible.services", wanted=workshop.min_services, tables=workshop.tables,
                                        services=len({group_of(t, m) for m in people})))
            for a, b in itertools.combinations(people, 2):
                pair = frozenset((a, b))
                if pair in seen:
                    problems.append(Message("expect.met_twice", first=a, second=b, round=number + 1))
                seen.add(pair)
    for a, b in workshop.must_meet:
        if frozenset((a, b)) not in seen:
            problems.append(Message("expect.must_meet", first=a, second=b))
    return problems


def compare(t: Territory, result: Plan) -> dict:
    """What a plan brings: pairs that meet with no tie yet, pairs across services, services per table."""
    g = t.network()
    new_pairs = cross = 0
    services_per_table = []
    for tables in result.rounds:
        for table in tables:
            groups = [group_of(t, m) for m in table]
            services_per_table.append(len(set(groups)))
            for (a, ga), (b, gb) in itertools.combinations(zip(table, groups, strict=True), 2):
                new_pairs += not g.has_edge(a, b)
                cross += ga != gb
    return {"new_pairs": new_pairs, "cross_service_pairs": cross,
            "services_per_table": round(float(np.mean(services_per_table)), 2) if services_per_table else 0.0,
            "value": round(result.value, 2)}


# --- who to invite -------------------------------------------------------------------------------
REASONS = ("engaged", "broker", "peripheral", "single_contact", "absent_service")


def engaged_in(t: Territory, theme: str) -> dict[str, list[str]]:
    """Actors engaged in *theme*, each with its evidence: the theme itself (a delegation for an elected official),
    its projects, or an association's purpose that names it."""
    evidence: dict[str, list[str]] = defaultdict(list)
    for actor, themes in t.actor_themes.items():
        if theme in themes and actor in t.nodes:
            evidence[actor].append(t.nodes[theme].name)
    for actor, projects in projects_of(t).items():
        for project in sorted(projects):
            if theme in t.project_themes.get(project, set()) and actor in t.nodes:
                evidence[actor].append(t.nodes[project].name)
    words = [w for w in slugify(t.nodes[theme].name).split("-") if len(w) > 3]
    for node in t.nodes.values():
        if node.kind == schema.ASSOCIATION.label and words and node.id not in evidence:
            purpose = slugify(f"{node.name} {node.properties.get('description') or ''}")
            if all(word in purpose for word in words):
                evidence[node.id].append(node.properties.get("description") or node.name)
    return evidence


def suggest_guests(t: Territory, themes: list[str], count: int = 30,
                   targets: dict[str, int] | None = None) -> list[dict]:
    """The *count* actors best worth inviting to a workshop on *themes*, each with its reasons and evidence:
    engaged in a theme; brokers between the services that work on it; isolated or peripheral actors of the
    theme; partners tied to the town through one agent (invite a second contact); services absent from the
    theme. *targets* (kind label -> count) balances the kinds: those quotas are filled first."""
    from graph.questions.brokers import betweenness_of
    from graph.questions.isolated import isolated
    from graph.questions.single_points import single_points

    g = t.network()
    reasons: dict[str, list[dict]] = defaultdict(list)
    engaged: dict[str, list[str]] = defaultdict(list)
    for theme in themes:
        for actor, evidence in engaged_in(t, theme).items():
            engaged[actor] += evidence
    for actor, evidence in engaged.items():
        if t.nodes[actor].kind in schema.ACTOR_LABELS:
            reasons[actor].append({"code": "engaged", "evidence": sorted(set(evidence))[:5]})
    centrality = betweenness_of(t)
    services_of_theme = {group_of(t, a) for a in engaged if t.nodes[a].kind == schema.AGENT.label}
    for actor in sorted(engaged, key=lambda a: -centrality.get(a, 0.0))[:max(3, count // 6)]:
        if actor in g and centrality.get(actor, 0) > 0:
            across = {group_of(t, m) for m in g[actor] if t.nodes[m].kind == schema.AGENT.label}
            if len(across) >= 2:
                reasons[actor].append({"code": "broker", "evidence": sorted(map(t.name_of, across))[:5]})
    for item in isolated(t)["actors"]:
        if item["id"] in engaged:
            reasons[item["id"]].append({"code": "peripheral", "evidence": [
                Message(f"table.reason.{code}").render() for code in item.get("reasons", [])]})
    for item in single_points(t)["organisations_through_one_agent"]:
        if item["id"] in engaged:
            reasons[item["id"]].append({"code": "single_contact", "evidence": [item["through"]["name"]]})
    for service, agents in sorted(t.agents_by_service.items()):
        if service in services_of_theme or service not in t.nodes or not agents:
            continue
        contact = max(sorted(agents), key=lambda a: g.degree(a) if a in g else 0)
        reasons[contact].append({"code": "absent_service", "evidence": [t.nodes[service].name]})
    score = {"engaged": 3.0, "broker": 2.0, "peripheral": 1.5, "single_contact": 2.0, "absent_service": 1.0}
    ranked = sorted(reasons, key=lambda a: (-sum(score[r["code"]] for r in reasons[a]), a))
    chosen: list[str] = []
    for kind, wanted in (targets or {}).items():
        chosen += [a for a in ranked if t.nodes[a].kind == kind and a not in chosen][:wanted]
    # A fifth of the seats for the services absent from the theme: the gaps are the point of inviting them.
    gaps = [a for a in ranked if any(r["code"] == "absent_service" for r in reasons[a]) and a not in chosen]
    chosen += gaps[:count // 5]
    chosen += [a for a in ranked if a not in chosen][:max(0, count - len(chosen))]
    return [{**t.summary(a), "reasons": reasons[a]} for a in chosen[:count]]


# --- introductions -------------------------------------------------------------------------------
def introductions(t: Territory, result: Plan, per_table: int = 3) -> list[list[list[dict]]]:
    """For each round and table, the pairs most worth introducing, and why, in plain words: shared themes,
    complementary projects, no tie yet, the shortest chain of people between them."""
    g = t.network()
    projects = projects_of(t)
    out = []
    for tables in result.rounds:
        round_intros = []
        for table in tables:
            candidates = []
            carried = {member: themes_of(t, member) for member in table}
            for a, b in itertools.combinations(table, 2):
                if g.has_edge(a, b):
                    continue
                shared = sorted(t.nodes[th].name for th in carried[a] & carried[b])
                chain = _chain(t, g, a, b)
                complementary = _complementary(t, projects, a, b, carried[a], carried[b])
                weight = 2 * len(shared) + complementary + (group_of(t, a) != group_of(t, b))
                candidates.append((weight, a, b, shared, chain, complementary))
            candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
            round_intros.append([{"a": a, "b": b, "themes": shared, "chain": chain,
                                  "text": introduction_text(t, a, b, shared, chain, bool(comp))}
                                 for _, a, b, shared, chain, comp in candidates[:per_table]])
        out.append(round_intros)
    return out


def _chain(t: Territory, g: nx.Graph, a: str, b: str) -> list[str]:
    if a not in g or b not in g:
        return []
    try:
        return [t.nodes[n].name for n in nx.shortest_path(g, a, b)[1:-1]]
    except nx.NetworkXNoPath:
        return []


def who(t: Territory, actor: str) -> str:
    """« Anaïs (Médiathèque) », « l'association Les Amis du Cailly »."""
    node = t.nodes[actor]
    if node.kind == schema.AGENT.label and actor in t.service_of and t.service_of[actor] in t.nodes:
        return f"{node.name} ({t.nodes[t.service_of[actor]].name})"
    if node.kind == schema.ASSOCIATION.label:
        return Message("workshop.association", name=node.name).render()
    return node.name


def introduction_text(t: Territory, a: str, b: str, themes: list[str], chain: list[str],
                      complementary: bool) -> str:
    first, second = who(t, a), who(t, b)
    parts = []
    if themes:
        parts.append(Message("workshop.intro_themes", a=first, b=second, themes=", ".join(themes)).render())
    else:
        parts.append(Message("workshop.intro_plain", a=first, b=second).render())
    if complementary:
        parts.append(Message("workshop.intro_projects").render())
    parts.append(Message("workshop.intro_chain", chain=", ".join(chain)).render() if chain
                 else Message("workshop.intro_far").render())
    return " ; ".join(parts) + "."


# --- the whole workshop as one document (JSON, the brief, the page) ------------------------------
def reason_text(code: str) -> str:
    return Message(f"workshop.reason.{code}").render()


def workshop_document(t: Territory, workshop: Workshop, participants: list[str] | None = None,
                      invite: int | None = None, seed: int = 0, max_steps: int | None = None) -> dict:
    """Everything about a workshop: its settings, the guests with their reasons, the plan round by round with
    the introductions at each table, and the plan compared with a random one under the same constraints.

    With no *participants*, the *invite* best suggestions (every seat by default) are invited, with the
    facilitators and everyone a constraint names."""
    seats = sum(workshop.seats)
    suggestions = {s["id"]: s for s in suggest_guests(t, workshop.themes, count=invite or seats,
                                                       targets=workshop.targets)}
    named = [*workshop.facilitators, *workshop.at_table, *(a for pair in workshop.must_meet for a in pair),
             *(a for pair in workshop.apart for a in pair)]
    if participants is None:
        chosen = list(dict.fromkeys([*named, *suggestions]))[:max(invite or seats, len(set(named)))]
    else:
        chosen = list(dict.fromkeys(participants))
    for actor in chosen:
        if actor not in t.nodes or t.nodes[actor].kind not in schema.ACTOR_LABELS:
            raise Infeasible(Message("workshop.unknown_participant", actor=actor))
    result = plan(t, workshop, chosen, seed=seed, max_steps=max_steps)
    baseline = plan(t, workshop, chosen, seed=seed, max_steps=max_steps, random=True)
    intros = introductions(t, result)
    facilitator_of = {table: actor for actor, table in workshop.facilitators.items()}
    invited = []
    for actor in chosen:
        found = suggestions.get(actor, {"reasons": []})["reasons"]
        reasons = [{**r, "text": reason_text(r["code"])} for r in found]
        if actor in workshop.facilitators:
            reasons.insert(0, {"code": "facilitator", "text": Message("workshop.reason.facilitator").render(),
                               "evidence": []})
        invited.append({**t.summary(actor), "group": group_of(t, actor), "reasons": reasons})
    rounds = [{"round": number + 1, "tables": [
        {"table": k + 1, "members": members, "people": [t.summary(m) for m in members],
         "facilitator": facilitator_of.get(k), "introductions": intros[number][k]}
        for k, members in enumerate(tables)]} for number, tables in enumerate(result.rounds)]
    return {"workshop": {"title": workshop.title, "date": workshop.date, "place": workshop.place,
                         "themes": [{"id": th, "name": t.nodes[th].name} for th in workshop.themes],
                         "tables": workshop.tables, "size": workshop.size, "rounds": workshop.rounds,
                         "min_services": workshop.min_services, "weights": vars(workshop.weights).copy(),
                         "seed": seed},
            "invited": invited, "rounds": rounds,
            "comparison": {"plan": compare(t, result), "random": compare(t, baseline)},
            "seconds": round(result.seconds, 2)}


# --- after the workshop --------------------------------------------------------------------------
def outcome(t: Territory, people: list[str], before: str, after: str | None = None,
            workshop: str | None = None) -> dict:
    """What came of a workshop for *people* (those who came), between *before* (its date) and *after* (some
    weeks later; today by default): new ties among them and new ties across services, those declared at the
    workshop (origin ``atelier:<workshop>``), the E-I index of their ties (Krackhardt & Stern) before and after,
    and the isolated or peripheral ones (no tie or one) who gained ties."""
    from graph.analysis import ei_index

    earlier, later = t.network(before), t.network(after)
    present = [p for p in dict.fromkeys(people) if p in t.nodes]
    groups = {p: group_of(t, p) for p in present}

    def ties(g: nx.Graph) -> set[frozenset[str]]:
        among = set(present)
        return {frozenset((a, b)) for a in present if a in g for b in g[a] if b in among and a != b}

    old, new = ties(earlier), ties(later)
    created = new - old
    at_workshop = set()
    if workshop:
        for pair in created:
            a, b = tuple(pair)
            if any(e.get("kind") == "workshop" and e.get("workshop") == workshop
                   for e in later.edges[a, b].get("evidence", [])):
                at_workshop.add(pair)

    def index(g: nx.Graph) -> float | None:
        return ei_index(g.subgraph([p for p in present if p in g]), groups)["organisation"]

    reached = [p for p in present if (earlier.degree(p) if p in earlier else 0) <= 1
               and (later.degree(p) if p in later else 0) > (earlier.degree(p) if p in earlier else 0)]
    return {"people": len(present), "before": before, "after": after,
            "new_ties": len(created), "new_cross_service_ties": sum(1 for pair in created
                                                                    if len({groups[m] for m in pair}) == 2),
            "declared_at_workshop": len(at_workshop),
            "ei_index": {"before": index(earlier), "after": index(later)},
            "isolated_reached": [t.summary(p) for p in reached]}
