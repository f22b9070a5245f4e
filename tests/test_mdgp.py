"""The seating search (graph/mdgp.py): optimal on tiny instances, every constraint kept, reproducible, and MDGPLIB
files read with their flaws named."""
from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.mdgp import Infeasible, Instance, InstanceError, check, objective, read_mdgplib, solve
from tests.conftest import SHARED_DATA
from tests.helpers import maillage


def brute_force(instance: Instance) -> float:
    best = -np.inf
    for assignment in itertools.product(range(instance.groups), repeat=instance.size):
        if not check(instance, assignment):
            best = max(best, objective(instance.values, assignment))
    return best


@st.composite
def tiny_instances(draw):
    n = draw(st.integers(4, 8))
    groups = draw(st.integers(2, 3))
    values = np.zeros((n, n))
    for i, j in itertools.combinations(range(n), 2):
        values[i, j] = values[j, i] = draw(st.integers(-5, 20))
    # Bounds around a hidden grouping, so that there is always a solution.
    hidden = draw(st.lists(st.integers(0, groups - 1), min_size=n, max_size=n))
    sizes = [hidden.count(g) for g in range(groups)]
    lower = [max(0, s - draw(st.integers(0, 1))) for s in sizes]
    upper = [s + draw(st.integers(0, 2)) for s in sizes]
    return Instance(values, lower, upper)


@settings(max_examples=40, deadline=None, derandomize=True)  # the same examples on every run: no flaky CI
@given(tiny_instances())
def test_on_tiny_instances_the_search_finds_the_optimum_of_brute_force(instance):
    assert solve(instance, max_steps=300, seed=1).objective == pytest.approx(brute_force(instance))


@st.composite
def constrained_instances(draw):
    n = draw(st.integers(6, 24))
    groups = draw(st.integers(2, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    values = rng.normal(size=(n, n))
    values = np.triu(values, 1) + np.triu(values, 1).T
    hidden = rng.integers(groups, size=n)  # a grouping every constraint below agrees with
    weights = np.ones(n, dtype=np.int64)
    weights[rng.random(n) < 0.2] = 2  # people who must meet, seated as one unit
    sizes = np.bincount(hidden, weights=weights, minlength=groups).astype(int)
    lower = [max(0, int(s) - int(rng.integers(0, 3))) for s in sizes]
    upper = [int(s) + int(rng.integers(0, 3)) for s in sizes]
    fixed = {int(i): int(hidden[i]) for i in rng.choice(n, size=int(rng.integers(0, n // 3 + 1)), replace=False)}
    apart = [(int(i), int(j)) for i, j in itertools.combinations(range(n), 2)
             if hidden[i] != hidden[j] and rng.random() < 0.15]
    return Instance(values, lower, upper, weights=weights, fixed=fixed, apart=apart)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(constrained_instances(), st.integers(0, 1000))
def test_every_solution_keeps_every_constraint_and_a_seed_gives_the_same_solution(instance, seed):
    first = solve(instance, max_steps=400, seed=seed)
    assert check(instance, first.assignment) == []
    again = solve(instance, max_steps=400, seed=seed)
    assert again.assignment.tolist() == first.assignment.tolist() and again.objective == first.objective


def test_too_many_people_for_the_seats_is_explained():
    with pytest.raises(Infeasible) as refused:
        solve(Instance(np.zeros((10, 10)), [2, 2], [4, 4]), max_steps=10)
    assert "10 personnes" in str(refused.value) and "8" in str(refused.value)


@pytest.mark.parametrize(("text", "line", "expected"), [
    ("120 10 xx 12 12\n", 1, "ss|ds"),
    ("4 2 ss 2 2\n0 1 1\n", 1, "2 paires"),
    ("4 2 ss 2 2 2 2\n0 1 1.5\n0 9 2\n", 3, "entre 0 et 3"),
    ("4 2 ss 2 2 2 2\n0 1 1.5\n2 3 abc\n", 3, "2 3 abc"),
    ("4 2 ss 3 2 2 2\n", 1, "borne basse"),
])
def test_a_malformed_instance_names_its_file_line_and_what_was_expected(tmp_path, text, line, expected):
    path = tmp_path / "bad.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InstanceError) as bad:
        read_mdgplib(path)
    assert (bad.value.file, bad.value.line) == ("bad.txt", line) and expected in str(bad.value)


def test_the_mdgp_command_prints_the_objective_and_groups_as_json(tmp_path):
    path = SHARED_DATA / "mdgp" / "RanInt_n120_ss_01.txt"
    done = maillage("workshop", "mdgp", str(path), "--seconds", "2", "--seed", "3", "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    instance = read_mdgplib(path)
    assert sorted(e for group in answer["groups"] for e in group) == list(range(120))
    assignment = np.empty(120, dtype=int)
    for g, group in enumerate(answer["groups"]):
        assignment[group] = g
    assert check(instance, assignment) == []
    assert answer["objective"] == pytest.approx(objective(instance.values, assignment))
    assert answer["seconds"] < 10
    bad = tmp_path / "bad.txt"
    bad.write_text("4 2 ss 2 2 2 2\n0 1 x\n", encoding="utf-8")
    refused = maillage("workshop", "mdgp", str(bad))
    assert refused.returncode != 0 and "bad.txt, ligne 2" in refused.stderr
