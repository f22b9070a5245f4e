"""An actor's neighbourhood in the cooperation network, up to three steps."""
from __future__ import annotations

import networkx as nx

from graph.answers import DATE, INTEGER, SUMMARY, TEXT, TEXTS, array, extended, obj
from graph.i18n import Bilingual
from graph.questions.declaration import ACTOR, AS_OF, Integer, Parameter, Question
from graph.questions.table import kind, name, table, w
from graph.territory import Territory


def ego(t: Territory, actor: str, depth: int = 1, as_of: str | None = None) -> dict:
    """An actor's neighbourhood up to *depth* (1 to 3) steps: the actors by distance, and the ties among them."""
    g = t.network(as_of)
    distances = nx.single_source_shortest_path_length(g, actor, cutoff=depth)
    nodes = []
    for n, d in sorted(distances.items(), key=lambda x: (x[1], x[0])):
        nodes.append(item := t.summary(n))
        item["distance"] = d
    edges = [{"source": a, "target": b, "weight": data["weight"], "evidence_kinds": data["kinds"]}
             for a, b, data in t.ties_among(distances, as_of)]
    return {"center": t.summary(actor), "depth": depth, "as_of": as_of, "nodes": nodes, "edges": edges}


def as_table(result: dict) -> str:
    return table([w("actor"), w("kind"), w("distance")], [[name(n), kind(n), n["distance"]] for n in result["nodes"]])


DEPTH = Parameter("depth", Integer(1, 3), Bilingual("Profondeur (1 à 3).", "Depth (1 to 3)."), default=1)

ANSWER = obj({"center": SUMMARY, "depth": INTEGER, "as_of": DATE,
              "nodes": array(extended(SUMMARY, {"distance": INTEGER})),
              "edges": array(obj({"source": TEXT, "target": TEXT, "weight": INTEGER, "evidence_kinds": TEXTS}))})

QUESTION = Question(
    name="ego",
    title=Bilingual("Son voisinage à 1, 2 ou 3 pas", "Its neighbourhood at 1, 2 or 3 steps"),
    summary=Bilingual("Le voisinage d'un acteur jusqu'à 1, 2 ou 3 pas.",
                      "An actor's neighbourhood up to 1, 2 or 3 steps."),
    function=ego,
    parameters=(ACTOR, DEPTH, AS_OF),
    path="/actors/{actor_id}/ego",
    table=as_table,
    answer=ANSWER,
    order=20,
)
