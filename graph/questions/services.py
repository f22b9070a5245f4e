"""Cooperation between services: who works with whom across the organisation chart, and its silos."""
from __future__ import annotations

from collections import Counter

import networkx as nx

from graph import schema
from graph.analysis import ei_index
from graph.answers import DATE, INTEGER, NUMBER, SUMMARY, TEXT, array, extended, nullable, obj
from graph.i18n import Bilingual
from graph.questions.declaration import AS_OF, GLOBAL, Choice, Parameter, Question
from graph.questions.table import name, table, w
from graph.territory import Territory

LEVELS = ("service", "pole")


def agent_groups(t: Territory, g: nx.Graph, level: str) -> dict[str, str]:
    """Each agent of *g* that has a service -> its service (or its pôle, the top of its chain of services)."""
    groups = {}
    for n, data in g.nodes(data=True):
        if data["kind"] == schema.AGENT.label:
            group = t.group_of(n, level)
            if group is not None:
                groups[n] = group
    return groups


def cross_service(t: Territory, level: str = "service", as_of: str | None = None) -> dict:
    """Service x service matrix of ties between agents, and the E-I index of the organisation,
    each service (or pôle) and each agent (Krackhardt & Stern, 1988)."""
    g = t.network(as_of)
    groups = agent_groups(t, g, level)
    agent_graph = g.subgraph(groups)
    order = sorted(set(groups.values()))
    index = {group: i for i, group in enumerate(order)}
    matrix = [[0] * len(order) for _ in order]
    for a, b in agent_graph.edges():
        i, j = index[groups[a]], index[groups[b]]
        matrix[i][j] += 1
        if i != j:
            matrix[j][i] += 1
    ei = ei_index(agent_graph, groups)
    sizes = Counter(groups.values())
    return {
        "level": level, "as_of": as_of,
        "groups": [{"id": gid, "name": t.name_of(gid), "agents": sizes[gid],
                    **ei["groups"].get(gid, {"index": None, "internal": 0, "external": 0})} for gid in order],
        "matrix": matrix,
        "ei_index": ei["organisation"],
        "agents": [{**t.summary(a), "group": groups[a], **ei["nodes"][a]} for a in sorted(groups)],
    }


def as_table(result: dict) -> str:
    header = f"{w('ei')} ({w('org')}) : {result['ei_index']:.3f}\n\n" if result["ei_index"] is not None else ""
    return header + table([w("group"), w("agents"), w("internal"), w("external"), w("ei")],
                          [[name(g), g["agents"], g["internal"], g["external"], g["index"]] for g in result["groups"]])


LEVEL = Parameter("level", Choice(LEVELS), Bilingual("Niveau : service ou pole.", "Level: service or pole."),
                  default="service")

_EI = {"index": nullable(NUMBER), "internal": INTEGER, "external": INTEGER}
ANSWER = obj({"level": {"enum": list(LEVELS)}, "as_of": DATE,
              "groups": array(obj({"id": TEXT, "name": TEXT, "agents": INTEGER, **_EI})),
              "matrix": array(array(INTEGER)), "ei_index": nullable(NUMBER),
              "agents": array(extended(SUMMARY, {"group": TEXT, **_EI}))})

QUESTION = Question(
    name="services",
    title=Bilingual("Coopération entre services ou pôles, indice E-I (silos)",
                    "Cooperation between services or pôles, E-I index (silos)"),
    summary=Bilingual("Matrice des coopérations entre services (ou pôles) et indice E-I de Krackhardt et Stern.",
                      "Matrix of cooperation between services (or pôles) and Krackhardt and Stern's E-I index."),
    function=cross_service,
    parameters=(LEVEL, AS_OF),
    path="/cooperation/services",
    table=as_table,
    answer=ANSWER,
    cache=GLOBAL,
    order=30,
    counts_only=True,
)
