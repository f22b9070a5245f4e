"""Theme coverage: who carries each theme of the transition, and which themes hang on one service or person."""
from __future__ import annotations

from collections import defaultdict

from graph import schema
from graph.answers import BOOLEAN, DATE, SUMMARY, TEXT, array, obj
from graph.i18n import Bilingual
from graph.questions.declaration import AS_OF, THEME_ID, Parameter, Question
from graph.questions.table import table, w
from graph.territory import Territory


def theme_coverage(t: Territory, theme: str | None = None, as_of: str | None = None) -> dict:
    """For one theme (or all): its projects, actors and services; flags themes carried by one service or one person."""
    themes = [theme] if theme else sorted(n.id for n in t.nodes.values() if n.kind == schema.THEME.label)
    participants: dict[str, set[str]] = defaultdict(set)
    for rel in t.valid_facts("PARTICIPATES_IN", as_of):
        participants[rel.target].add(rel.source)
    covered = []
    for theme_id in themes:
        projects = sorted(p for p, ts in t.project_themes.items() if theme_id in ts)
        actors = {a for a, ts in t.actor_themes.items() if theme_id in ts and a in t.nodes}
        for project in projects:
            actors |= participants[project]
        services = {t.service_of[a] for a in actors if a in t.service_of}
        services |= {a for a in actors if t.nodes[a].kind == schema.SERVICE.label}
        persons = sorted(a for a in actors if t.nodes[a].kind in schema.PERSONAL_LABELS)
        covered.append({"theme": {"id": theme_id, "name": t.nodes[theme_id].name},
                        "projects": [t.summary(p) for p in projects],
                        "actors": [t.summary(a) for a in sorted(actors)],
                        "services": [t.summary(s) for s in sorted(services) if s in t.nodes],
                        "single_service": len(services) == 1, "single_person": len(persons) == 1})
    return covered[0] if theme else {"as_of": as_of, "themes": covered}


def as_table(result: dict) -> str:
    themes = result["themes"] if "themes" in result else [result]
    return table([w("theme"), w("projects"), w("actor"), w("services"), w("alerts")],
                 [[c["theme"]["name"], len(c["projects"]), len(c["actors"]), len(c["services"]),
                   ", ".join(w(f) for f in ("single_service", "single_person") if c[f])] for c in themes])


THEME = Parameter("theme", THEME_ID, Bilingual("Identifiant du thème (tous les thèmes s'il est omis).",
                                               "The theme's identifier (every theme when omitted)."), path=True,
                  public="theme_id", example="theme-eau")

_ONE_THEME = obj({"theme": obj({"id": TEXT, "name": TEXT}), "projects": array(SUMMARY), "actors": array(SUMMARY),
                  "services": array(SUMMARY), "single_service": BOOLEAN, "single_person": BOOLEAN})
# One theme when it is named (always, over HTTP), else every theme.
ANSWER = {"anyOf": [_ONE_THEME, obj({"as_of": DATE, "themes": array(_ONE_THEME)})]}

QUESTION = Question(
    name="coverage",
    title=Bilingual("Couverture d'un thème (alerte : un seul service, une seule personne)",
                    "A theme's coverage (alert: a single service, a single person)"),
    summary=Bilingual("Couverture d'un thème : projets, acteurs, services ; alerte si un seul service ou une seule "
                      "personne.", "A theme's coverage: projects, actors, services; alert when a single service or a "
                      "single person carries it."),
    function=theme_coverage,
    parameters=(THEME, AS_OF),
    path="/themes/{theme_id}/coverage",
    table=as_table,
    answer=ANSWER,
    order=90,
)
