"""Workshops over HTTP (documented in the OpenAPI): the guests of a theme with their reasons, and a plan.

A plan is computed, not stored: the same parameters and seed give the same plan, so
``GET`` fits. Lists travel as comma-separated text (``participants=ag-1,ag-2``,
``facilitators=ag-1:1,ag-2:2``, ``together=ag-1+ag-2``); a constraint no plan can meet is
a 422 problem that names it.
"""
from __future__ import annotations

from flask import Blueprint, jsonify

from api.questions import raw_values
from api.registry import REGISTRY
from api.state import territory
from graph import workshop as planner
from graph.answers import ANY_OBJECT, INTEGER, NUMBER, SUMMARY, TEXT, TEXTS, array, extended, nullable, obj
from graph.errors import InvalidParameter
from graph.i18n import Bilingual, Message
from graph.questions.declaration import THEME_ID, Integer, Parameter, Text

blueprint = Blueprint("workshops", __name__, url_prefix="/api/v1/workshops")

THEME = Parameter("theme", THEME_ID, Bilingual("Le thème de l'atelier.", "The workshop's theme."), required=True,
                  example="theme-eau")
COUNT = Parameter("count", Integer(1, 500), Bilingual("Nombre de suggestions.", "Number of suggestions."), default=30)
TABLES = Parameter("tables", Integer(1, 100), Bilingual("Nombre de tables.", "Number of tables."), required=True,
                   example=4)
SIZE = Parameter("size", Integer(1, 50), Bilingual("Places par table.", "Seats per table."), required=True,
                 example=4)
ROUNDS = Parameter("rounds", Integer(1, 4), Bilingual("Tours (1 à 4).", "Rounds (1 to 4)."), default=1)
INVITE = Parameter("invite", Integer(1, 2000), Bilingual(
    "Sans liste de participants : invite les N meilleures suggestions (toutes les places par défaut).",
    "With no participants list: invite the N best suggestions (every seat by default)."))
SEED = Parameter("seed", Integer(0, 2**31 - 1), Bilingual("Graine : même graine, même plan.",
                                                          "Seed: same seed, same plan."), default=0)
MIN_SERVICES = Parameter("min_services", Integer(0, 50), Bilingual(
    "Au moins K services (ou types d'acteurs) par table.", "At least K services (or kinds of actor) per table."),
    default=0)
PARTICIPANTS = Parameter("participants", Text(20000), Bilingual(
    "Les participants, identifiants séparés par des virgules (sinon les meilleures suggestions).",
    "The participants, comma-separated identifiers (else the best suggestions)."))
FACILITATORS = Parameter("facilitators", Text(2000), Bilingual(
    "Animateurs et leur table : ag-1:1,ag-2:2.", "Facilitators and their table: ag-1:1,ag-2:2."))
AT_TABLE = Parameter("at", Text(2000), Bilingual("Personnes à placer : ag-1:3.", "People to seat: ag-1:3."))
TOGETHER = Parameter("together", Text(2000), Bilingual(
    "Paires qui doivent se rencontrer : ag-1+ag-2,ag-3+ag-4.", "Pairs who must meet: ag-1+ag-2,ag-3+ag-4."))
APART = Parameter("apart", Text(2000), Bilingual("Paires à ne pas asseoir ensemble : ag-1+ag-2.",
                                                 "Pairs not to seat together: ag-1+ag-2."))
WEIGHTS = Parameter("weights", Text(500), Bilingual(
    "Poids des parts de la valeur d'une rencontre : new_tie=3,distance=1 (README).",
    "Weights of the parts of an encounter's value: new_tie=3,distance=1 (README)."))

# The answers' shapes (graph.answers).
_GUEST = extended(SUMMARY, {"reasons": array(obj({"code": TEXT, "text": TEXT}, {"evidence": TEXTS}))},
                  {"group": nullable(TEXT)})
GUESTS_ANSWER = obj({"theme": TEXT, "guests": array(_GUEST)})
_TABLE = obj({"table": INTEGER, "members": TEXTS, "people": array(SUMMARY), "facilitator": nullable(TEXT),
              "introductions": array(obj({"a": TEXT, "b": TEXT, "themes": TEXTS, "chain": TEXTS, "text": TEXT}))})
_SCORES = obj({"new_pairs": INTEGER, "cross_service_pairs": INTEGER, "services_per_table": NUMBER, "value": NUMBER})
PLAN_ANSWER = obj({"workshop": {**ANY_OBJECT, "required": ["themes", "tables", "size", "rounds"]},
                   "invited": array(_GUEST), "rounds": array(obj({"round": INTEGER, "tables": array(_TABLE)})),
                   "comparison": obj({"plan": _SCORES, "random": _SCORES}), "seconds": NUMBER})


@REGISTRY.get(blueprint, "/guests", Bilingual("Qui inviter à un atelier sur un thème, et pourquoi",
                                              "Who to invite to a workshop on a theme, and why"),
              THEME, COUNT, tag="workshops", not_found=True, answer=GUESTS_ANSWER)
def workshop_guests():
    t = territory()
    raw = raw_values((THEME, COUNT))
    theme, count = THEME.check(raw["theme"], t), COUNT.check(raw["count"], t)
    guests = planner.suggest_guests(t, [theme], count=count)
    for guest in guests:
        for reason in guest["reasons"]:
            reason["text"] = planner.reason_text(reason["code"])
    return jsonify({"theme": theme, "guests": guests})


PLAN_PARAMETERS = (THEME, TABLES, SIZE, ROUNDS, PARTICIPANTS, INVITE, FACILITATORS, AT_TABLE, TOGETHER, APART,
                   MIN_SERVICES, WEIGHTS, SEED)


@REGISTRY.get(blueprint, "/plan", Bilingual(
    "Plan d'un atelier : invités et raisons, tables de chaque tour, présentations, comparaison avec un plan au "
    "hasard", "A workshop plan: guests and reasons, each round's tables, introductions, comparison with a random "
    "plan"), *PLAN_PARAMETERS, tag="workshops", not_found=True, answer=PLAN_ANSWER,
    problems=(422,))  # no plan can meet the constraints
def workshop_plan():
    t = territory()
    raw = raw_values(PLAN_PARAMETERS)
    value = {p.name: p.check(raw[p.name], t) for p in PLAN_PARAMETERS}
    try:
        weights = planner.Weights.parse(_items(value["weights"], "weights"))
    except ValueError as error:
        raise InvalidParameter("weights", value["weights"], error.args[0]) from None
    workshop = planner.Workshop(
        themes=[value["theme"]], tables=value["tables"], size=value["size"], rounds=value["rounds"],
        facilitators=_seats(value["facilitators"], "facilitators"), at_table=_seats(value["at"], "at"),
        must_meet=_pairs(value["together"], "together"), apart=_pairs(value["apart"], "apart"),
        min_services=value["min_services"], weights=weights)
    participants = _items(value["participants"], "participants") or None
    document = planner.workshop_document(t, workshop, participants=participants, invite=value["invite"],
                                         seed=value["seed"])  # Infeasible: a 422 problem (api.problems)
    return jsonify(document)


def _items(text: str | None, name: str) -> list[str]:
    return [item.strip() for item in (text or "").split(",") if item.strip()]


def _seats(text: str | None, name: str) -> dict[str, int]:
    seats = {}
    for item in _items(text, name):
        actor, _, table = item.rpartition(":")
        if not actor or not table.isdigit() or int(table) < 1:
            raise InvalidParameter(name, item, Message("expect.seat"))
        seats[actor] = int(table) - 1
    return seats


def _pairs(text: str | None, name: str) -> list[tuple[str, str]]:
    pairs = []
    for item in _items(text, name):
        first, _, second = item.partition("+")
        if not first or not second:
            raise InvalidParameter(name, item, Message("expect.pair"))
        pairs.append((first, second))
    return pairs
