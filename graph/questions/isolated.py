"""Isolated and peripheral actors, each with the reasons that make it so."""
from __future__ import annotations

from collections import Counter, defaultdict

from graph import schema
from graph.analysis import lowest_core
from graph.answers import DATE, INTEGER, SUMMARY, array, extended, nullable, obj
from graph.i18n import Bilingual
from graph.questions.declaration import AS_OF, GLOBAL, Question
from graph.questions.table import kind, name, table, w
from graph.territory import Territory

REASONS = ("no_ties", "internal_only", "single_tie", "lowest_core", "no_project_no_grant")


def isolated(t: Territory, as_of: str | None = None) -> dict:
    """Isolated and peripheral actors, each with its reasons (:data:`REASONS`).

    An actor with no tie (a service speaks through its agents: not counted), a single
    tie, ties inside its own service only, in the lowest k-core (Seidman, 1983), or an
    organisation in no project and no grant.
    """
    g = t.network(as_of)
    # Read through the adjacency and attribute dicts: asked again after every write, on a territory with its
    # grant files (thousands of organisations), networkx's views cost more than the question.
    adjacency, attributes, service_of = g._adj, g._node, t.service_of
    reasons: dict[str, list[str]] = defaultdict(list)
    structural = set(t.agents_by_service) | set(t.parent_of.values())
    agent = schema.AGENT.label
    for n, neighbours in adjacency.items():
        degree = len(neighbours)
        # Each reason is put in the order of REASONS: the answers need no sorting.
        if degree == 0 and n not in structural:  # a service speaks through its agents
            reasons[n].append("no_ties")
        if degree and attributes[n]["kind"] == agent and n in service_of and all(
                attributes[m]["kind"] == agent and service_of.get(m) == service_of[n] for m in neighbours):
            reasons[n].append("internal_only")
        if degree == 1:
            reasons[n].append("single_tie")
    k, core = lowest_core(g)
    for n in core:
        reasons[n].append("lowest_core")
    engaged = {r.source for r in t.valid_facts("PARTICIPATES_IN", as_of)}
    engaged |= {r.target for r in t.valid_facts("FUNDS", as_of)}
    for n, data in attributes.items():
        if data["kind"] in schema.ORGANISATION_LABELS and n not in engaged:
            reasons[n].append("no_project_no_grant")
    actors = [{**t.summary(n), "degree": len(adjacency[n]), "reasons": r} for n, r in sorted(reasons.items())]
    found = Counter(reason for r in reasons.values() for reason in r)
    counts = {reason: found[reason] for reason in REASONS}
    return {"as_of": as_of, "lowest_core_k": k, "counts": counts, "actors": actors}


def as_table(result: dict) -> str:
    return table([w("actor"), w("kind"), w("reasons")],
                 [[name(a), kind(a), ", ".join(w("reason." + r) for r in a["reasons"])] for a in result["actors"]])


ANSWER = obj({"as_of": DATE, "lowest_core_k": nullable(INTEGER),
              "counts": obj({reason: INTEGER for reason in REASONS}),
              "actors": array(extended(SUMMARY, {"degree": INTEGER, "reasons": array({"enum": list(REASONS)})}))})

QUESTION = Question(
    name="isolated",
    title=Bilingual("Acteurs isolés ou périphériques, avec la raison",
                    "Isolated or peripheral actors, with the reason"),
    summary=Bilingual("Acteurs isolés ou périphériques, avec leurs raisons.",
                      "Isolated or peripheral actors, with their reasons."),
    function=isolated,
    parameters=(AS_OF,),
    path="/cooperation/isolated",
    table=as_table,
    answer=ANSWER,
    cache=GLOBAL,
    order=40,
)
