"""Cooperation communities, set against the formal services: who really works together."""
from __future__ import annotations

from collections import Counter, defaultdict

import networkx as nx

from graph.analysis import louvain_communities
from graph.answers import BOOLEAN, COUNTS, DATE, INTEGER, NUMBER, SUMMARY, TEXT, array, nullable, obj
from graph.i18n import Bilingual
from graph.questions.declaration import AS_OF, GLOBAL, Integer, Parameter, Question
from graph.questions.table import table, w
from graph.territory import Territory


def communities(t: Territory, as_of: str | None = None, seed: int = 42) -> dict:
    """Louvain communities (Blondel et al., 2008; fixed *seed*) set against the formal services:
    a community that cuts across services, a service split between communities."""
    g = t.network(as_of)
    found = sorted((sorted(c) for c in louvain_communities(g, weight="weight", seed=seed)),
                   key=lambda c: (-len(c), c[0]))
    services_split: dict[str, set[int]] = defaultdict(set)
    listed = []
    for number, members in enumerate(found):
        services = Counter(t.service_of[n] for n in members if n in t.service_of)
        kinds = Counter(g.nodes[n]["kind"] for n in members)
        for service in services:
            services_split[service].add(number)
        listed.append({"community": number, "size": len(members), "kinds": dict(kinds),
                       "services": [{"id": s, "name": t.name_of(s), "agents": c}
                                    for s, c in services.most_common()],
                       "cuts_across_services": len(services) > 1,
                       "members": [t.summary(n) for n in members]})
    services_listed = [{"id": s, "name": t.name_of(s), "communities": sorted(c),
                        "split": len(c) > 1} for s, c in sorted(services_split.items())]
    modularity = nx.community.modularity(g, found, weight="weight") if g.number_of_edges() else None
    return {"as_of": as_of, "seed": seed, "modularity": modularity, "communities": listed,
            "services": services_listed}


def as_table(result: dict) -> str:
    return table([w("community"), w("size"), w("services"), w("cuts")],
                 [[c["community"], c["size"], ", ".join(s["name"] for s in c["services"][:4]),
                   w("yes") if c["cuts_across_services"] else w("no")] for c in result["communities"]])


ANSWER = obj({"as_of": DATE, "seed": INTEGER, "modularity": nullable(NUMBER),
              "communities": array(obj({"community": INTEGER, "size": INTEGER,
                                        "kinds": COUNTS,
                                        "services": array(obj({"id": TEXT, "name": TEXT, "agents": INTEGER})),
                                        "cuts_across_services": BOOLEAN, "members": array(SUMMARY)})),
              "services": array(obj({"id": TEXT, "name": TEXT, "communities": array(INTEGER), "split": BOOLEAN}))})

QUESTION = Question(
    name="communities",
    title=Bilingual("Communautés comparées aux services (Louvain, graine fixe ; 7 s sur un million de liens)",
                    "Communities set against the services (Louvain, fixed seed; 7 s on a million ties)"),
    summary=Bilingual("Communautés de coopération (Louvain, graine fixe) comparées aux services.",
                      "Cooperation communities (Louvain, fixed seed) set against the services."),
    function=communities,
    parameters=(AS_OF, Parameter("seed", Integer(0, 2**31 - 1), Bilingual(
        "Graine de l'algorithme (42 par défaut).", "The algorithm's seed (42 by default)."), default=42)),
    path="/cooperation/communities",
    table=as_table,
    answer=ANSWER,
    cache=GLOBAL,
    order=70,
)
