"""Who an actor works with: its collaborators, strongest first, each tie with its weight and evidence."""
from __future__ import annotations

from graph.answers import DATE, EVIDENCE, INTEGER, SUMMARY, TEXT, array, extended, nullable, obj
from graph.i18n import Bilingual
from graph.questions.declaration import ACTOR, AS_OF, ActorKind, Parameter, Question, ThemeRef
from graph.questions.table import evidence_text, kind, name, table, w
from graph.territory import Territory


def works_with(t: Territory, actor: str, theme: str | None = None, kind: str | None = None,
               as_of: str | None = None) -> dict:
    """An actor's collaborators, strongest first, each with its weight and evidence.

    Parameters
    ----------
    t : the territory snapshot.
    actor : an actor's identifier.
    theme : a theme identifier: only collaborators engaged in it, or met in a project addressing it.
    kind : an actor kind label (``Agent``…): only collaborators of that kind.
    as_of : an ISO date: the network of the facts valid that day.
    """
    g = t.network(as_of)
    collaborators = []
    for other, data in g[actor].items():
        if kind and g.nodes[other]["kind"] != kind:
            continue
        evidence = data["evidence"]
        if theme and theme not in t.actor_themes.get(other, ()) and not any(
                theme in t.project_themes.get(e.get("project"), ()) for e in evidence):
            continue
        collaborators.append({**t.summary(other), "weight": data["weight"],
                              "evidence": [t.describe_evidence(e) for e in evidence]})
    collaborators.sort(key=lambda c: (-c["weight"], c["name"], c["id"]))
    return {"actor": t.summary(actor), "as_of": as_of, "theme": theme, "kind": kind,
            "count": len(collaborators), "collaborators": collaborators}


def as_table(result: dict) -> str:
    return table([w("actor"), w("kind"), w("service"), w("weight"), w("evidence")],
                 [[name(c), kind(c), c.get("service_name", ""), c["weight"], evidence_text(c["evidence"])]
                  for c in result["collaborators"]])


ANSWER = obj({"actor": SUMMARY, "as_of": DATE, "theme": nullable(TEXT), "kind": nullable(TEXT), "count": INTEGER,
              "collaborators": array(extended(SUMMARY, {"weight": INTEGER, "evidence": array(EVIDENCE)}))})

QUESTION = Question(
    name="works-with",
    title=Bilingual("Avec qui travaille un acteur (filtres : thème, type, date)",
                    "Who an actor works with (filters: theme, kind, date)"),
    summary=Bilingual("Avec qui travaille cet acteur : collaborateurs, poids et preuves de chaque lien.",
                      "Who this actor works with: collaborators, weight and evidence of each tie."),
    function=works_with,
    parameters=(ACTOR,
                Parameter("theme", ThemeRef(), Bilingual("Thème (identifiant ou libellé).",
                                                         "Theme (identifier or label).")),
                Parameter("kind", ActorKind(), Bilingual(
                    "Type des collaborateurs : agent, service, elu, association, partenaire.",
                    "Kind of the collaborators: agent, service, elected, association, partner.")),
                AS_OF),
    path="/actors/{actor_id}/works-with",
    table=as_table,
    answer=ANSWER,
    order=10,
)
