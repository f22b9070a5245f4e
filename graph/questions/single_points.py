"""Single points of failure: partnerships that hang on one person, articulation points, bridges."""
from __future__ import annotations

import networkx as nx

from graph import schema
from graph.answers import DATE, SUMMARY, array, extended, obj
from graph.i18n import Bilingual
from graph.questions.declaration import AS_OF, GLOBAL, Question
from graph.questions.table import kind, name, table, w
from graph.territory import Territory


def single_points(t: Territory, as_of: str | None = None) -> dict:
    """Organisations tied to the town through exactly one agent; articulation points and bridges
    (Hopcroft & Tarjan, 1973) of the cooperation network."""
    g = t.network(as_of)
    through_one = []
    for n, data in g.nodes(data=True):
        if data["kind"] not in schema.ORGANISATION_LABELS:
            continue
        town = [m for m in g[n] if g.nodes[m]["kind"] in schema.TOWN_LABELS]
        if len(town) == 1 and g.nodes[town[0]]["kind"] == schema.AGENT.label:
            through_one.append({**t.summary(n), "through": t.summary(town[0])})
    articulation = sorted(nx.articulation_points(g))
    bridges = sorted(tuple(sorted(e)) for e in nx.bridges(g))
    return {"as_of": as_of, "organisations_through_one_agent": through_one,
            "articulation_points": [t.summary(n) for n in articulation],
            "bridges": [{"source": t.summary(a), "target": t.summary(b)} for a, b in bridges]}


def as_table(result: dict) -> str:
    return "\n\n".join([
        w("through_one") + "\n" + table([w("actor"), w("through")],
                                        [[name(o), name(o["through"])]
                                         for o in result["organisations_through_one_agent"]]),
        w("articulation") + "\n" + table([w("actor"), w("kind")],
                                         [[name(a), kind(a)] for a in result["articulation_points"]]),
        w("bridges") + "\n" + table([w("actor"), w("actor")],
                                    [[name(b["source"]), name(b["target"])] for b in result["bridges"]])])


ANSWER = obj({"as_of": DATE, "organisations_through_one_agent": array(extended(SUMMARY, {"through": SUMMARY})),
              "articulation_points": array(SUMMARY),
              "bridges": array(obj({"source": SUMMARY, "target": SUMMARY}))})

QUESTION = Question(
    name="single-points",
    title=Bilingual("Points de fragilité (un seul agent, points d'articulation, ponts)",
                    "Single points of failure (one agent, articulation points, bridges)"),
    summary=Bilingual("Points de fragilité : organisations reliées par un seul agent, points d'articulation, ponts.",
                      "Single points of failure: organisations tied through one agent, articulation points, bridges."),
    function=single_points,
    parameters=(AS_OF,),
    path="/cooperation/single-points",
    table=as_table,
    answer=ANSWER,
    cache=GLOBAL,
    order=50,
)
