"""Cooperation chains between two actors: who can introduce whom, with the evidence of each step."""
from __future__ import annotations

from itertools import islice

import networkx as nx

from graph.answers import BOOLEAN, DATE, EVIDENCE, INTEGER, SUMMARY, TEXT, array, obj
from graph.i18n import Bilingual
from graph.questions.declaration import ACTOR_ID, AS_OF, Integer, Parameter, Question
from graph.questions.table import evidence_text, table, w
from graph.territory import Territory


def path(t: Territory, source: str, target: str, as_of: str | None = None, alternatives: int = 2) -> dict:
    """The shortest cooperation chains from *source* to *target* (the shortest, then up to *alternatives*
    more in order of length; Yen, 1971), each step with its evidence."""
    g = t.network(as_of)
    paths: list[list[str]] = []
    if source == target:
        paths = [[source]]
    elif nx.has_path(g, source, target):
        paths = list(islice(nx.shortest_simple_paths(g, source, target), alternatives + 1))
    return {"from": t.summary(source), "to": t.summary(target), "as_of": as_of, "found": bool(paths),
            "paths": [{"length": len(p) - 1, "actors": [t.summary(n) for n in p],
                       "steps": [{"from": a, "to": b, "weight": g[a][b]["weight"],
                                  "evidence": [t.describe_evidence(e) for e in g[a][b]["evidence"]]}
                                 for a, b in zip(p, p[1:])]} for p in paths]}


def as_table(result: dict) -> str:
    if not result["found"]:
        return w("no_path")
    blocks = []
    for number, p in enumerate(result["paths"], start=1):
        names = {a["id"]: a["name"] for a in p["actors"]}
        blocks.append(f"{w('path')} {number} : " + " → ".join(a["name"] for a in p["actors"]) + "\n" + table(
            [w("step"), w("weight"), w("evidence")],
            [[f"{names[s['from']]} → {names[s['to']]}", s["weight"], evidence_text(s["evidence"])]
             for s in p["steps"]]))
    return "\n\n".join(blocks)


ANSWER = obj({"from": SUMMARY, "to": SUMMARY, "as_of": DATE, "found": BOOLEAN,
              "paths": array(obj({"length": INTEGER, "actors": array(SUMMARY),
                                  "steps": array(obj({"from": TEXT, "to": TEXT, "weight": INTEGER,
                                                      "evidence": array(EVIDENCE)}))}))})

QUESTION = Question(
    name="path",
    title=Bilingual("Chaîne de coopération entre deux acteurs, avec des variantes",
                    "Cooperation chain between two actors, with alternatives"),
    summary=Bilingual("Chaînes de coopération les plus courtes entre deux acteurs, avec les preuves de chaque pas.",
                      "Shortest cooperation chains between two actors, with the evidence of each step."),
    function=path,
    parameters=(Parameter("source", ACTOR_ID, Bilingual("Acteur de départ.", "Starting actor."), required=True,
                          public="from", expected_when_missing="expect.actor", example="ag-00001"),
                Parameter("target", ACTOR_ID, Bilingual("Acteur d'arrivée.", "Arrival actor."), required=True,
                          public="to", expected_when_missing="expect.actor", example="ag-00085"),
                AS_OF,
                Parameter("alternatives", Integer(0, 5), Bilingual("Chemins de rechange (0 à 5).",
                                                                   "Alternative paths (0 to 5)."), default=2)),
    path="/cooperation/path",
    table=as_table,
    answer=ANSWER,
    order=80,
)
