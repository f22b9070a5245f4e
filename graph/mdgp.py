"""The Maximally Diverse Grouping Problem (MDGP): who sits at which table so that the encounters are worth the most.

Split *n* elements into groups, each within its size bounds, so that the sum of the
values ``d(i, j)`` of the pairs placed in the same group is as large as possible.
:func:`solve` is a memetic search in the spirit of TPSDP (Yang, Cai, Jin & Lü 2022) and of
Lai & Hao's work (2016): a population of solutions, each improved by a best-improvement
tabu search over the *move* (one element to another group) and *swap* (two elements of
two groups) neighbourhoods, every move evaluated in O(1) from the matrix ``C[i, g]`` (the
value of element *i* with the members of group *g*), kept up to date in O(n) per step
(the steps run compiled, with numba); two solutions crossed by inheriting whole groups,
the child improved in turn and kept when better and new, until the time or steps are spent.
A workshop adds constraints the same search keeps: elements that may not move (a
facilitator at their table), pairs that may not share a group (people who already met,
or should not sit together), and elements of several seats (people who must meet, seated
as one unit). The same seed gives the same solution for the same number of steps.

References: M. Gallego, M. Laguna, R. Martí, A. Duarte, "Tabu search with strategic
oscillation for the maximally diverse grouping problem", JORS 64 (2013); X. Lai, J.-K.
Hao, "Iterated maxima search for the maximally diverse grouping problem", EJOR 254 (2016);
X. Yang, Z. Cai, T. Jin, Z. Lü, "A three-phase search approach with dynamic population
size for the maximally diverse grouping problem", EJOR 302 (2022).
"""
from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numba import njit

from graph.i18n import Message

Assignment = Sequence[int] | np.ndarray  # element -> group


class InstanceError(ValueError):
    """An instance file that cannot be read: its file, line and what was expected."""

    def __init__(self, file: str, line: int | None, expected: Message):
        self.file, self.line, self.expected = file, line, expected
        where = f"{file}, ligne {line}" if line else file
        super().__init__(f"{where} : {expected.render('fr')}")

    def message(self, lang: str | None = None) -> str:
        where = Message("where.line", file=self.file, line=self.line).render(lang) if self.line else self.file
        return f"{where} : {self.expected.render(lang)}"


class Infeasible(ValueError):
    """Constraints no grouping can satisfy; *reason* names the constraint."""

    def __init__(self, reason: Message):
        self.reason = reason
        super().__init__(reason.render("fr"))


@dataclass
class Instance:
    """Values of the pairs (a symmetric matrix, zero diagonal) and each group's size bounds.

    *weights* (seats per element, 1 by default) count in the sizes; *fixed* maps an
    element to the group it must stay in; *apart* lists pairs that may never share a group.
    """

    values: np.ndarray
    lower: Sequence[int]
    upper: Sequence[int]
    name: str = ""
    weights: np.ndarray | None = None
    fixed: dict[int, int] = field(default_factory=dict)
    apart: Sequence[tuple[int, int]] = ()

    @property
    def size(self) -> int:
        return len(self.values)

    @property
    def groups(self) -> int:
        return len(self.lower)

    def partners(self) -> list[set[int]]:
        """For each element, the elements it may not share a group with."""
        kept_apart: list[set[int]] = [set() for _ in range(self.size)]
        for i, j in self.apart:
            kept_apart[i].add(j)
            kept_apart[j].add(i)
        return kept_apart

    def seat_weights(self) -> np.ndarray:
        return np.ones(self.size, dtype=np.int64) if self.weights is None else np.asarray(self.weights, np.int64)


def read_mdgplib(path: Path) -> Instance:
    """An MDGPLIB instance: ``N G ss|ds a1 b1 … aG bG`` then one ``i j d`` line per pair (0-based, i < j).

    Raises :class:`InstanceError` naming the file, the line and what was expected.
    """
    path = Path(path)
    label = path.name
    with path.open(encoding="utf-8", errors="replace") as handle:
        head = handle.readline().split()
        if len(head) < 3 or not head[0].isdigit() or not head[1].isdigit() or head[2] not in ("ss", "ds"):
            raise InstanceError(label, 1, Message("expect.mdgp_head"))
        n, g = int(head[0]), int(head[1])
        bounds = head[3:]
        if len(bounds) != 2 * g or not all(b.isdigit() for b in bounds):
            raise InstanceError(label, 1, Message("expect.mdgp_bounds", groups=g, found=len(bounds)))
        lower, upper = [int(b) for b in bounds[0::2]], [int(b) for b in bounds[1::2]]
        if any(a > b for a, b in zip(lower, upper, strict=True)):
            raise InstanceError(label, 1, Message("expect.mdgp_bounds_order"))
        values = np.zeros((n, n))
        for number, text in enumerate(handle, start=2):
            parts = text.split()
            if not parts:
                continue
            try:
                i, j, d = int(parts[0]), int(parts[1]), float(parts[2])
                if len(parts) != 3 or not (0 <= i < n and 0 <= j < n) or i == j or not math.isfinite(d):
                    raise ValueError
            except (ValueError, IndexError):
                raise InstanceError(label, number, Message("expect.mdgp_pair", n=n - 1, text=text.strip()[:60])) \
                    from None
            values[i, j] = values[j, i] = d
    return Instance(values, lower, upper, path.stem)


def objective(values: np.ndarray, assignment: Assignment) -> float:
    """The sum of the values of the pairs placed in the same group.

    >>> objective(np.array([[0, 1, 5], [1, 0, 2], [5, 2, 0]]), [0, 1, 0])
    5.0
    """
    a = np.asarray(assignment)
    same = a[:, None] == a[None, :]
    return float(np.triu(np.where(same, values, 0), 1).sum())


@dataclass
class Solution:
    assignment: np.ndarray  # element -> group
    objective: float
    seconds: float
    steps: int

    def groups(self, count: int) -> list[list[int]]:
        return [sorted(int(i) for i in np.flatnonzero(self.assignment == g)) for g in range(count)]


def check(instance: Instance, assignment: Assignment) -> list[Message]:
    """What *assignment* breaks: size bounds, fixed elements, pairs kept apart (empty: it is feasible)."""
    a = np.asarray(assignment)
    weights = instance.seat_weights()
    problems = []
    sizes = np.bincount(a, weights=weights, minlength=instance.groups)
    for g in range(instance.groups):
        if not instance.lower[g] <= sizes[g] <= instance.upper[g]:
            problems.append(Message("expect.group_size", group=g + 1, size=int(sizes[g]), low=instance.lower[g],
                                    high=instance.upper[g]))
    problems += [Message("expect.fixed", element=i, group=g + 1) for i, g in instance.fixed.items() if a[i] != g]
    problems += [Message("expect.apart", first=i, second=j) for i, j in instance.apart if a[i] == a[j]]
    return problems


def random_assignment(instance: Instance, rng: np.random.Generator) -> np.ndarray:
    """A random assignment within the size bounds that keeps fixed elements and separated pairs (or raises
    :class:`Infeasible` when the bounds cannot hold the seats)."""
    return _construct(instance, rng, greedy=False)


def greedy_assignment(instance: Instance, rng: np.random.Generator) -> np.ndarray:
    """The classic greedy construction (Gallego et al. 2013): one random element seeds each group, then, again and
    again, the unplaced element and open group worth most together are joined (groups below their lower bound
    first when the elements left are just enough). Weights, fixed elements and separated pairs are kept; a
    construction that meets them by search when this one cannot."""
    n, groups = instance.size, instance.groups
    weights = instance.seat_weights()
    if not (weights == 1).all() or instance.fixed or instance.apart:
        return _construct(instance, rng, greedy=True)
    lower, upper = np.asarray(instance.lower), np.asarray(instance.upper)
    if n < lower.sum() or n > upper.sum():
        raise Infeasible(Message("infeasible.seats", people=n, low=int(lower.sum()), high=int(upper.sum())))
    a = np.full(n, -1)
    sizes = np.zeros(groups, dtype=np.int64)
    together = np.zeros((n, groups))
    for g, i in enumerate(rng.choice(n, size=groups, replace=False)):
        if upper[g] > 0:
            a[i], sizes[g] = g, 1
            together[:, g] += instance.values[:, i]
    while (a < 0).any():
        left = int((a < 0).sum())
        short = np.maximum(lower - sizes, 0)
        open_groups = sizes < upper
        if left <= short.sum():
            open_groups &= short > 0
        scores = np.where((a < 0)[:, None] & open_groups[None, :], together, -np.inf)
        i, g = divmod(int(np.argmax(scores)), groups)
        a[i], sizes[g] = g, sizes[g] + 1
        together[:, g] += instance.values[:, i]
    return a


def _construct(instance: Instance, rng: np.random.Generator, greedy: bool, nodes: int | None = None) -> np.ndarray:
    """A depth-first search for an assignment within every constraint: the most constrained elements first, the
    groups tried at random (or by what the element is worth there, when *greedy*), the seats left always enough
    for every lower bound; :class:`Infeasible` when there is none (or none found within *nodes* steps)."""
    weights = instance.seat_weights()
    lower, upper = np.asarray(instance.lower), np.asarray(instance.upper)
    total = int(weights.sum())
    if total < lower.sum() or total > upper.sum():
        raise Infeasible(Message("infeasible.seats", people=total, low=int(lower.sum()), high=int(upper.sum())))
    n, groups = instance.size, instance.groups
    partners = instance.partners()
    a = np.full(n, -1)
    sizes = np.zeros(groups, dtype=np.int64)
    for i, g in instance.fixed.items():
        a[i] = g
        sizes[g] += weights[i]
    if check_fixed := [Message("expect.apart", first=i, second=j) for i, j in instance.apart
                       if i in instance.fixed and j in instance.fixed and a[i] == a[j]]:
        raise Infeasible(check_fixed[0])
    free = {int(i) for i in np.flatnonzero(a < 0)}
    left = [int(sum(weights[i] for i in free))]
    budget = [nodes if nodes is not None else max(20 * n, 5000)]  # past that, the search below is faster
    order = rng.permutation(n)  # ties broken at random, the same way for a seed

    def allowed(i: int) -> list[int]:
        return [g for g in range(groups) if sizes[g] + weights[i] <= upper[g]
                and not any(a[j] == g for j in partners[i])]

    def place() -> bool:
        if not free:
            return bool(((sizes >= lower) & (sizes <= upper)).all())
        budget[0] -= 1
        if budget[0] < 0:
            return False
        # The element with the fewest groups left first (then the heaviest, the most constrained).
        i = min(free, key=lambda k: (len(allowed(k)), -weights[k], -len(partners[k]), order[k]))
        options = allowed(i)
        if greedy:
            options.sort(key=lambda g: -instance.values[i, a == g].sum())
        else:
            options = [options[k] for k in rng.permutation(len(options))]
        free.discard(i)
        left[0] -= int(weights[i])
        for g in options:
            sizes[g] += weights[i]
            if left[0] >= np.maximum(lower - sizes, 0).sum():  # the rest can still fill every lower bound
                a[i] = g
                if place():
                    return True
                a[i] = -1
            sizes[g] -= weights[i]
        free.add(i)
        left[0] += int(weights[i])
        return False

    import sys

    depth = sys.getrecursionlimit()
    sys.setrecursionlimit(max(depth, len(free) + 100))
    try:
        if place():
            return a
    finally:
        sys.setrecursionlimit(depth)
    if instance.apart:
        found = _without_conflicts(instance, rng)
        if found is not None:
            return found
    raise Infeasible(Message("infeasible.construct"))


def _without_conflicts(instance: Instance, rng: np.random.Generator, steps: int = 20_000) -> np.ndarray | None:
    """An assignment with no pair kept apart sharing a group, found by the search itself on a twin instance
    where each such pair costs 1 (zero means none is left), or None."""
    conflicts = np.zeros((instance.size, instance.size))
    for i, j in instance.apart:
        conflicts[i, j] = conflicts[j, i] = -1.0
    twin = Instance(conflicts, instance.lower, instance.upper, weights=instance.weights, fixed=instance.fixed)
    found = solve(twin, seed=int(rng.integers(2**31)), max_steps=steps, population=2, stop_at=0.0)
    return found.assignment if found.objective == 0 and not check(instance, found.assignment) else None


def shuffled(instance: Instance, assignment: np.ndarray, rng: np.random.Generator, swaps: int | None = None
             ) -> np.ndarray:
    """*assignment* after random swaps of two elements of two groups (as many as a tenth of the elements), each
    keeping every constraint: a new start near a feasible one, where building one is costly."""
    a = np.asarray(assignment).copy()
    weights = instance.seat_weights()
    partners = instance.partners()
    wanted = swaps if swaps is not None else max(2, instance.size // 10)
    for _ in range(wanted * 20):
        if wanted <= 0:
            break
        i, j = (int(k) for k in rng.integers(instance.size, size=2))
        if a[i] == a[j] or i in instance.fixed or j in instance.fixed or weights[i] != weights[j]:
            continue
        if any(a[k] == a[j] for k in partners[i] if k != j) or any(a[k] == a[i] for k in partners[j] if k != i):
            continue
        a[i], a[j] = a[j], a[i]
        wanted -= 1
    return a


def solve(instance: Instance, seconds: float = 3.0, seed: int = 0, max_steps: int | None = None,
          start: np.ndarray | None = None, population: int = 8, stop_at: float | None = None) -> Solution:
    """The best assignment a memetic search finds within *seconds* (or *max_steps* tabu steps in all, which makes
    the result the same on every machine), or until a solution worth *stop_at* is found.

    A population of solutions, each improved by tabu search; two of them are crossed
    (:func:`crossover`: the child inherits whole groups of its parents) and the child is
    improved in turn, and replaces the worst if it is better and not already there.

    >>> values = np.array([[0, 9, 1, 1], [9, 0, 1, 1], [1, 1, 0, 9], [1, 1, 9, 0]], dtype=float)
    >>> solution = solve(Instance(values, [2, 2], [2, 2]), max_steps=50)
    >>> solution.objective, sorted(solution.groups(2))
    (18.0, [[0, 1], [2, 3]])
    """
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    search = _TabuSearch(instance, rng)
    budget = _Budget(started, seconds, max_steps, stop_at=stop_at)
    stall = max(100, 5 * instance.size)
    members: list[tuple[float, np.ndarray]] = []
    first = start if start is not None else random_assignment(instance, rng)
    for index in range(population):
        # Pairs kept apart make a fresh construction costly: the others start from the first, shuffled.
        begin = first if index == 0 else (shuffled(instance, first, rng) if instance.apart
                                          else random_assignment(instance, rng))
        members.append(search.improve(begin, stall, budget))
        if budget.spent():
            break
    while not budget.spent() and len(members) > 1:
        one, two = rng.choice(len(members), size=2, replace=False)
        budget.steps += instance.size  # a crossover costs as much as that many steps: a step budget bounds them too
        child = search.improve(crossover(instance, members[one][1], members[two][1], rng), stall, budget)
        worst = min(range(len(members)), key=lambda k: members[k][0])
        if child[0] > members[worst][0] + 1e-9 and all(abs(child[0] - value) > 1e-9 for value, _ in members):
            members[worst] = child
    _, best = max(members, key=lambda member: member[0])
    return Solution(best, objective(instance.values, best), time.perf_counter() - started, budget.steps)


@dataclass
class _Budget:
    """Time or steps left to a search."""

    started: float
    seconds: float
    max_steps: int | None
    steps: int = 0
    stop_at: float | None = None
    reached: float = -np.inf

    def spent(self) -> bool:
        if self.stop_at is not None and self.reached >= self.stop_at - 1e-9:
            return True
        if self.max_steps is not None:
            return self.steps >= self.max_steps
        return time.perf_counter() - self.started > self.seconds


def crossover(instance: Instance, first: np.ndarray, second: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A child that inherits whole groups from its parents, in turn, the group worth most per member first; the
    elements left over go where they are worth most, within the bounds (fixed elements stay in their group)."""
    n, groups = instance.size, instance.groups
    weights = instance.seat_weights()
    child = np.full(n, -1)
    for i, g in instance.fixed.items():
        child[i] = g
    parents = (first, second)
    taken: set[int] = set()
    for turn in range(groups):
        parent = parents[(turn + int(rng.integers(2))) % 2]
        best_group, best_score, best_members = -1, -np.inf, np.empty(0, dtype=np.int64)
        for g in range(groups):
            if g in taken:
                continue
            members = np.flatnonzero((parent == g) & ((child == -1) | (child == g)))
            if len(members) == 0:
                continue
            score = instance.values[np.ix_(members, members)].sum() / max(len(members), 1)
            if score > best_score:
                best_group, best_score, best_members = g, score, members
        if best_group < 0:
            break
        members = best_members
        while weights[members].sum() > instance.upper[best_group]:  # too many: drop the least attached
            free = [m for m in members if m not in instance.fixed]
            inner = instance.values[np.ix_(free, members)].sum(axis=1)
            members = members[members != free[int(np.argmin(inner))]]
        child[members] = best_group
        taken.add(best_group)
    return _complete(instance, child, rng, fallback=first)


def _complete(instance: Instance, partial: np.ndarray, rng: np.random.Generator, fallback: np.ndarray
              ) -> np.ndarray:
    """*partial* with its unplaced elements (-1) placed: groups below their lower bound first, each element where
    it is worth most; *fallback* shuffled when the bounds or the pairs kept apart leave no way."""
    a = partial.copy()
    weights = instance.seat_weights()
    lower, upper = np.asarray(instance.lower), np.asarray(instance.upper)
    partners = instance.partners()
    sizes = np.bincount(a[a >= 0], weights=weights[a >= 0], minlength=instance.groups)
    # Groups above their upper bound cannot happen (crossover trims); empty the placements that break "apart".
    for i, j in instance.apart:
        if a[i] >= 0 and a[i] == a[j] and j not in instance.fixed:
            sizes[a[j]] -= weights[j]
            a[j] = -1
    left = [int(i) for i in rng.permutation(np.flatnonzero(a < 0))]
    left.sort(key=lambda i: -weights[i])
    for index, i in enumerate(left):
        remaining = int(weights[left[index + 1:]].sum()) if index + 1 < len(left) else 0
        need = np.maximum(lower - sizes, 0)
        options = []
        for g in range(instance.groups):
            if sizes[g] + weights[i] > upper[g] or any(int(k) in partners[i] for k in np.flatnonzero(a == g)):
                continue
            if remaining < need.sum() - min(need[g], weights[i]):
                continue
            options.append(g)
        if not options:
            return shuffled(instance, fallback, rng)
        short = [g for g in options if sizes[g] < lower[g]]
        pool = short if short and remaining < need.sum() + weights[i] else options
        gains = [instance.values[i, a == g].sum() for g in pool]
        g = pool[int(np.argmax(gains))]
        a[i] = g
        sizes[g] += weights[i]
    return a if not check(instance, a) else shuffled(instance, fallback, rng)


class _TabuSearch:
    """The state of one search: the assignment, ``C[i, g]``, group sizes, and what is tabu (the steps themselves
    run compiled, in :func:`_tabu_steps`)."""

    def __init__(self, instance: Instance, rng: np.random.Generator):
        self.instance = instance
        n, g = instance.size, instance.groups
        self.values = np.ascontiguousarray(instance.values, dtype=np.float64)
        self.weights = instance.seat_weights()
        self.lower = np.asarray(instance.lower, dtype=np.int64)
        self.upper = np.asarray(instance.upper, dtype=np.int64)
        self.movable = np.ones(n, dtype=np.bool_)
        for i in instance.fixed:
            self.movable[i] = False
        self.apart = np.zeros((n, n), dtype=np.int64)
        for i, j in instance.apart:
            self.apart[i, j] = self.apart[j, i] = 1
        self.has_apart = bool(len(instance.apart))
        self.tenure = (max(2, n // 20), max(4, n // 6))
        self.groups = g
        _seed(int(rng.integers(2**31)))
        self.best_value = -np.inf  # the best value any search of this solve reached (aspiration)

    def improve(self, start: np.ndarray, stall: int, budget: _Budget) -> tuple[float, np.ndarray]:
        """Tabu search from *start* until *stall* steps bring no better solution (or the budget is spent)."""
        n, g = self.instance.size, self.groups
        a = np.asarray(start, dtype=np.int64).copy()
        one_hot = np.zeros((n, g))
        one_hot[np.arange(n), a] = 1
        contribution = self.values @ one_hot
        separated = (self.apart @ one_hot).astype(np.int64)
        sizes = np.bincount(a, weights=self.weights, minlength=g).astype(np.int64)
        tabu = np.zeros((n, g), dtype=np.int64)
        value = float(contribution[np.arange(n), a].sum() / 2)
        best, best_value, since = a.copy(), value, 0
        self.best_value = max(self.best_value, value)
        chunk = 2000
        while since < stall and not budget.spent():
            limit = chunk if budget.max_steps is None else min(chunk, budget.max_steps - budget.steps)
            if limit <= 0:
                break
            done, since, value, best_value, stuck = _tabu_steps(
                self.values, a, contribution, sizes, tabu, separated, self.apart, self.has_apart, self.weights,
                self.lower, self.upper, self.movable, budget.steps, limit, stall, since, value,
                max(self.best_value, best_value), best_value, best, self.tenure[0], self.tenure[1])
            budget.steps += max(done, 1)  # a search with no step possible still spends the budget: it ends
            self.best_value = max(self.best_value, best_value)
            budget.reached = self.best_value
            if stuck:
                break
        return best_value, best


@njit(cache=True)
def _seed(seed: int) -> None:
    np.random.seed(seed)


@njit(cache=True)
def _tabu_steps(values, a, contribution, sizes, tabu, separated, apart, has_apart, weights, lower, upper, movable,
                first_step, limit, stall, since, value, aspiration, best_value, best, tenure_low,
                tenure_high):  # pragma: no cover - compiled
    """At most *limit* steps of tabu search (each the best move or swap not tabu, or better than *aspiration*),
    until *stall* steps bring no better solution than *best_value* (kept in *best*). Returns (steps done,
    steps since the best, the current value, the best value, whether no step was possible)."""
    n, groups = contribution.shape
    step = first_step
    while step - first_step < limit and since < stall:
        best_delta = -np.inf
        kind, first, second, ties = -1, -1, -1, 0
        for i in range(n):  # moves: i to group g
            if not movable[i]:
                continue
            gi = a[i]
            if sizes[gi] - weights[i] < lower[gi]:
                continue
            own = contribution[i, gi]
            for g in range(groups):
                if g == gi or sizes[g] + weights[i] > upper[g] or (has_apart and separated[i, g] > 0):
                    continue
                delta = contribution[i, g] - own
                if tabu[i, g] > step and value + delta <= aspiration + 1e-9:
                    continue
                take, best_delta, ties = _pick(delta, best_delta, ties)
                if take:
                    kind, first, second = 0, i, g
        for i in range(n):  # swaps: i and j of two groups
            if not movable[i]:
                continue
            gi = a[i]
            own_i = contribution[i, gi]
            for j in range(i + 1, n):
                gj = a[j]
                if gj == gi or not movable[j]:
                    continue
                if weights[i] != weights[j]:
                    change = weights[j] - weights[i]
                    if not (lower[gi] <= sizes[gi] + change <= upper[gi] and lower[gj] <= sizes[gj] - change
                            <= upper[gj]):
                        continue
                if has_apart and (separated[i, gj] - apart[i, j] > 0 or separated[j, gi] - apart[i, j] > 0):
                    continue
                delta = contribution[i, gj] - own_i + contribution[j, gi] - contribution[j, gj] - 2 * values[i, j]
                if (tabu[i, gj] > step or tabu[j, gi] > step) and value + delta <= aspiration + 1e-9:
                    continue
                take, best_delta, ties = _pick(delta, best_delta, ties)
                if take:
                    kind, first, second = 1, i, j
        if kind < 0:
            return step - first_step, since, value, best_value, True
        # A move takes *first* to group *second*; a swap takes each of the two to the other's group.
        left = a[first]
        _relocate(values, a, contribution, sizes, tabu, separated, apart, has_apart, weights, first,
                  second if kind == 0 else a[second], step + np.random.randint(tenure_low, tenure_high))
        if kind == 1:
            _relocate(values, a, contribution, sizes, tabu, separated, apart, has_apart, weights, second, left,
                      step + np.random.randint(tenure_low, tenure_high))
        value += best_delta
        step += 1
        since += 1
        if value > best_value + 1e-9:
            best_value = value
            best[:] = a
            since = 0
        if value > aspiration:
            aspiration = value
    return step - first_step, since, value, best_value, False


@njit(cache=True)
def _pick(delta, best_delta, ties):  # pragma: no cover - compiled
    """(take this candidate, the best delta, how many tie for it): a better candidate is taken and resets the
    ties; one as good is taken with probability 1/ties (so that each of the ties is as likely in the end)."""
    if delta > best_delta + 1e-12:
        return True, delta, 1
    if delta >= best_delta - 1e-12:
        ties += 1
        return np.random.randint(ties) == 0, best_delta, ties
    return False, best_delta, ties


@njit(cache=True)
def _relocate(values, a, contribution, sizes, tabu, separated, apart, has_apart, weights, i, g,
              tabu_until):  # pragma: no cover - compiled
    old = a[i]
    a[i] = g
    for k in range(len(a)):
        contribution[k, old] -= values[k, i]
        contribution[k, g] += values[k, i]
        if has_apart:
            separated[k, old] -= apart[k, i]
            separated[k, g] += apart[k, i]
    sizes[old] -= weights[i]
    sizes[g] += weights[i]
    tabu[i, old] = tabu_until
