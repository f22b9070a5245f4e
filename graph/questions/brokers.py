"""Brokers: the actors through whom cooperation passes, and the roles they play between services."""
from __future__ import annotations

import networkx as nx

from graph import schema
from graph.analysis import BROKERAGE_ROLES, betweenness, brokerage_roles, burt_measures
from graph.answers import COUNTS, DATE, INTEGER, NUMBER, SUMMARY, TEXTS, array, extended, nullable, obj
from graph.i18n import Bilingual
from graph.questions.declaration import AS_OF, GLOBAL, Integer, Parameter, Question
from graph.questions.table import kind, name, table, w
from graph.territory import Territory


def broker_groups(t: Territory, g: nx.Graph) -> dict[str, str]:
    """Groups for brokerage: an agent's service; a service itself; other actors by kind."""
    groups = {}
    for n, data in g.nodes(data=True):
        if data["kind"] == schema.AGENT.label:
            groups[n] = t.service_of.get(n, "?")
        elif data["kind"] == schema.SERVICE.label:
            groups[n] = n
        else:
            groups[n] = data["kind"]
    return groups


def _betweenness_ranking(g: nx.Graph) -> tuple[dict[str, float], int | None, list[str]]:
    centrality, sample_size = betweenness(g)
    ranked = sorted(centrality, key=lambda n: (-centrality[n], n))[:500]
    return centrality, sample_size, ranked


def betweenness_of(t: Territory, as_of: str | None = None) -> dict[str, float]:
    """Betweenness of every actor, memoised on the snapshot with the brokers question's."""
    g = t.network(as_of)
    return t.measure(("betweenness_ranking", as_of), lambda: _betweenness_ranking(g))[0]


def brokers(t: Territory, limit: int = 20, as_of: str | None = None) -> dict:
    """The main brokers: betweenness (Brandes, 2001), Burt's constraint and effective size (Burt, 1992),
    brokerage roles across services (Gould & Fernandez, 1989).

    Betweenness is global and memoised on the snapshot; the local measures, whose
    cost grows with the square of a node's degree or more, are computed only for
    the brokers returned, and memoised node by node.
    """
    g = t.network(as_of)
    ranking = t.measure(("betweenness_ranking", as_of), lambda: _betweenness_ranking(g))
    centrality, sample_size, ranked = ranking
    groups = t.measure(("broker_groups", as_of), lambda: broker_groups(t, g))

    def local(n: str) -> dict:
        def compute() -> dict:
            constraint, effective = burt_measures(g, n)
            return {"constraint": None if constraint != constraint else constraint,
                    "effective_size": None if effective != effective else effective,
                    "brokerage": brokerage_roles(g, groups, nodes=[n])[n]}

        return t.measure(("broker_local", as_of, n), compute)

    return {"as_of": as_of, "method": "exact" if sample_size is None else "sampled", "sample_size": sample_size,
            "nodes": g.number_of_nodes(), "roles": list(BROKERAGE_ROLES),
            "brokers": [{**t.summary(n), "betweenness": centrality[n], **local(n)} for n in ranked[:limit]]}


def as_table(result: dict) -> str:
    method = w("exact") if result["sample_size"] is None else w("sample", n=result["sample_size"])
    return f"{w('betweenness')} : {method}\n\n" + table(
        [w("actor"), w("kind"), w("betweenness"), w("constraint"), w("effective"), w("roles")],
        [[name(b), kind(b), b["betweenness"], b["constraint"], b["effective_size"],
          "/".join(str(b["brokerage"][r]) for r in result["roles"])] for b in result["brokers"]])


ANSWER = obj({"as_of": DATE, "method": {"enum": ["exact", "sampled"]}, "sample_size": nullable(INTEGER),
              "nodes": INTEGER, "roles": TEXTS,
              "brokers": array(extended(SUMMARY, {"betweenness": NUMBER, "constraint": nullable(NUMBER),
                                                  "effective_size": nullable(NUMBER),
                                                  "brokerage": COUNTS}))})

QUESTION = Question(
    name="brokers",
    title=Bilingual("Passeurs (intermédiarité, contrainte de Burt, rôles de Gould et Fernandez)",
                    "Brokers (betweenness, Burt's constraint, Gould and Fernandez's roles)"),
    summary=Bilingual("Passeurs : intermédiarité, contrainte de Burt, taille effective, rôles de Gould et Fernandez.",
                      "Brokers: betweenness, Burt's constraint, effective size, Gould and Fernandez's roles."),
    function=brokers,
    parameters=(Parameter("limit", Integer(1, 500), Bilingual("Nombre de passeurs (1 à 500).",
                                                              "Number of brokers (1 to 500)."), default=20),
                AS_OF),
    path="/cooperation/brokers",
    table=as_table,
    answer=ANSWER,
    cache=GLOBAL,
    order=60,
)
