"""The write API: actors, projects, ties, confirmations, proposals, history and undo.

Each endpoint is declared once (:data:`WRITES`): its route, the role it needs, its
body's schema and its answers, for Flask, the OpenAPI and the authorisation test. The
work is done by :mod:`graph.editing` and :mod:`graph.history`, the same functions the
web forms call. Answers: ``201`` with the new thing and its ``ETag``; ``200``; ``202``
for a contributor's proposal; problems (``application/problem+json``) ``400`` (a body
that is not a JSON object), ``401``, ``403``, ``404``, ``409`` (exists already, already
undone), ``412`` (the ``If-Match`` ETag is stale: the body says what the record is now),
``422`` (a field breaks a rule: ``invalid_params`` names its JSON pointer, the value and
what was expected).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, jsonify, request

from api.auth import author, require
from api.problems import problem
from api.state import erase_person, get_store, sees_persons
from graph import campaigns, editing, history, privacy, schema
from graph.answers import TEXT, TEXTS, items, obj
from graph.editing import RECORD_KINDS
from graph.errors import NotFound
from graph.i18n import Bilingual, Message, t
from graph.issues import JsonPointer, Report
from graph.questions.declaration import ACTOR
from graph.stores.base import Conflict

blueprint = Blueprint("writes", __name__, url_prefix="/api/v1")


@dataclass
class WriteEndpoint:
    path: str  # Flask syntax, under /api/v1
    method: str
    role: str  # the least role allowed (a contributor may still be refused for another's tie: 403)
    summary: Bilingual
    view: Callable
    body: dict | None = None  # JSON schema of the body
    responses: tuple[int, ...] = (200,)
    etag: bool = False  # takes If-Match
    answer: dict | None = None  # JSON schema of a 2xx answer (202: a proposal, :data:`PROPOSAL`)

    @property
    def operation_id(self) -> str:
        return self.view.__name__


WRITES: list[WriteEndpoint] = []


def _declare(path: str, method: str, role: str, summary: Bilingual, body: dict | None = None,
             responses: tuple[int, ...] = (200,), etag: bool = False, answer: dict | None = None
             ) -> Callable[[Callable], Callable]:
    def decorate(view: Callable) -> Callable:
        guarded = require(role)(_problems(view))
        blueprint.add_url_rule(path, endpoint=view.__name__, view_func=guarded, methods=[method])
        WRITES.append(WriteEndpoint("/api/v1" + path, method, role, summary, view, body, responses, etag, answer))
        return guarded

    return decorate


# --- bodies ---------------------------------------------------------------------------------------------
def _text(description: str = "") -> dict:
    return {"type": "string", **({"description": description} if description else {})}


ACTOR_BODY = {"type": "object", "properties": {
    **{name: _text() for name in editing.ACTOR.fields},
    "themes": {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]},
    "kind": {"type": "string", "description": "agent, service, elu, association, partenaire"}},
    "additionalProperties": False,
    "example": {"id": "as-exemple", "kind": "association", "name": "Association d'exemple", "themes": ["Énergie"]}}
PROJECT_BODY = {"type": "object", "properties": {
    **{name: _text() for name in editing.PROJECT.fields},
    "themes": {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]},
    "since": {"type": "string", "format": "date"}, "until": {"type": "string", "format": "date"}},
    "additionalProperties": False, "example": {"id": "proj-exemple", "name": "Projet d'exemple", "status": "en cours"}}
COOPERATION_BODY = {"type": "object", "properties": {
    **{name: _text() for name in editing.COOPERATION_FIELDS},
    "since": {"type": "string", "format": "date"}, "until": {"type": "string", "format": "date"}},
    "additionalProperties": False,
    "example": {"actor_a": "ag-00001", "actor_b": "ag-00002", "nature": "prêt de matériel", "frequency": "mensuelle"}}
# Identifiers of the fictitious example (``maillage demo``), shown in the description and tried first by the
# fuzzer, so that the answers of found records are checked too.
PATH_EXAMPLES = {"actor_id": ACTOR.example, "person_id": ACTOR.example, "project_id": "proj-00001",
                 "theme_id": "theme-biodiversite",
                 "coop_id": editing.cooperation_id(("COOPERATES_WITH", "ag-00001", "ag-00085", "conseil"))}
DISPUTE_BODY = {"type": "object", "properties": {"reason": {"type": "string", "maxLength": 500}}}
DECISION_BODY = {"type": "object", "properties": {"values": {"type": "object"}}}


# --- answers (what the OpenAPI description promises, and the fuzzer checks) ------------------------------
# Open records (graph.answers): a record carries its kind's fields beside these.
RECORD = obj({"id": TEXT, "name": TEXT}, {"kind": TEXT, "kind_label": TEXT, "themes": TEXTS}, more=True)
COOPERATION = obj({"id": TEXT, "actor_a": TEXT, "actor_b": TEXT,
                   "status": {"enum": ["declared", "confirmed", "disputed"]}}, more=True)
PROPOSAL = obj({"id": TEXT, "status": {"enum": ["pending", "accepted", "rejected"]}}, more=True)
CHANGE = obj({"id": TEXT, "kind": TEXT}, {"by": TEXT, "at": TEXT}, more=True)


class BadBody(ValueError):
    pass


def body() -> dict[str, Any]:
    """The request's JSON object (an empty body is an empty object)."""
    if not request.get_data():
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadBody()
    return data


def if_match() -> str | None:
    value = request.headers.get("If-Match")
    return value.strip().strip('"').removeprefix("W/").strip('"') if value else None


def _hidden(*node_ids: str) -> bool:
    """Whether one of these nodes is a person whoever asks may not see (:func:`api.state.sees_persons`)."""
    if sees_persons():
        return False
    kinds = get_store().kinds_of(node_ids)
    return any(kinds.get(n) in schema.PERSONAL_LABELS for n in node_ids)


def _forbid_persons() -> None:
    if not sees_persons():
        raise editing.Forbidden("forbidden.persons")


def _with_etag(payload: dict, tag: str, status: int = 200) -> Response:
    response = jsonify(payload)
    response.status_code = status
    response.headers["ETag"] = f'"{tag}"'
    return response


def invalid(report: Report) -> Response:
    params = [{"name": issue.field, **issue.where.as_dict(), "value": issue.value,
               "reason": issue.expected} for issue in report.errors]
    return problem(422, t("problem.invalid_body"), "; ".join(issue.message() for issue in report.errors),
                   invalid_params=params)


def _conflict(stale: list) -> Response:
    return problem(412, t("problem.stale"), t("problem.stale_detail"), stale=[_ref(ref) for ref in stale])


def _ref(ref: Any) -> Any:
    """A stale fact as the API names it: a node's id, a tie's id, another relationship's identity."""
    if isinstance(ref, str):
        return ref
    if ref[0] == "COOPERATES_WITH":
        return editing.cooperation_id(tuple(ref))
    return dict(zip(("type", "source", "target", "key"), ref))


def _problems(view: Callable) -> Callable:
    """Turn what the editing functions raise into problems."""
    def answered(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except BadBody:
            return problem(400, t("problem.bad_json"), t("problem.bad_json_detail"),
                           invalid_params=[{"pointer": "", "reason": t("problem.bad_json_detail")}])
        except editing.Invalid as refused:
            return invalid(refused.report)
        except editing.Forbidden as refused:
            return problem(403, t("problem.forbidden"), t(refused.reason))
        except editing.Exists as refused:
            return problem(409, t("problem.exists"), t("problem.exists_detail", id=refused.identifier),
                           identifier=refused.identifier)
        except Conflict as refused:
            return _conflict(refused.stale)
        except history.AlreadyUndone as refused:
            return problem(409, t("problem.undone"), t("problem.undone_detail", id=refused.change_id,
                                                          by=refused.by))
        except campaigns.CampaignError as refused:
            return problem(422, t("problem.invalid_body"), t(refused.key, **refused.values))

    answered.__name__ = view.__name__
    answered.__doc__ = view.__doc__
    return answered


# --- actors and projects -------------------------------------------------------------------------------
def _create(kind_name: str) -> Response:
    kind = RECORD_KINDS[kind_name]
    who = author()
    if not who.may("animateur"):
        proposal = editing.propose(get_store(), kind, body(), who)
        return jsonify(proposal), 202  # type: ignore[return-value]
    created, tag = editing.create_record(get_store(), kind, body(), who)
    response = _with_etag(created, tag, 201)
    response.headers["Location"] = f"/api/v1/{kind_name}s/{created['id']}"
    return response


def _update(kind_name: str, node_id: str) -> Response:
    updated, tag = editing.update_record(get_store(), RECORD_KINDS[kind_name], node_id, body(), author(),
                                         if_match())
    return _with_etag(updated, tag)


def _retire(kind_name: str, node_id: str) -> Response:
    editing.retire_record(get_store(), RECORD_KINDS[kind_name], node_id, author(), if_match())
    found, tag = editing.record_json(get_store(), RECORD_KINDS[kind_name], node_id)
    return _with_etag(found, tag)


@_declare("/actors", "POST", "contributeur", Bilingual(
    "Créer un acteur (animateur) ou le proposer (contributeur : 202, en attente de validation).",
    "Create an actor (animateur) or propose it (contributor: 202, waiting for validation)."),
    ACTOR_BODY, (201, 202, 409, 422), answer=RECORD)
def create_actor() -> Response:
    return _create("actor")


@_declare("/actors/<actor_id>/record", "GET", "lecteur", Bilingual(
    "La fiche d'un acteur telle qu'on la modifie, avec son ETag.", "An actor's record as edited, with its ETag."),
    answer=RECORD)
def actor_record(actor_id: str) -> Response:
    if _hidden(actor_id):
        raise NotFound(Message("what.actor"), actor_id)
    found, tag = editing.record_json(get_store(), editing.ACTOR, actor_id)
    return _with_etag(found, tag)


@_declare("/actors/<actor_id>", "PATCH", "contributeur", Bilingual(
    "Modifier un acteur (le sien pour un contributeur) ; If-Match pour ne pas écraser une modification.",
    "Edit an actor (their own for a contributor); If-Match not to overwrite another change."),
    ACTOR_BODY, (200, 404, 412, 422), etag=True, answer=RECORD)
def update_actor(actor_id: str) -> Response:
    return _update("actor", actor_id)


@_declare("/actors/<actor_id>", "DELETE", "animateur", Bilingual(
    "Retirer un acteur (fin de validité aujourd'hui ; il reste dans l'historique).",
    "Retire an actor (its validity ends today; it stays in the history)."), None, (200, 404, 412), etag=True,
    answer=RECORD)
def retire_actor(actor_id: str) -> Response:
    return _retire("actor", actor_id)


@_declare("/projects", "POST", "contributeur", Bilingual(
    "Créer un projet (animateur) ou le proposer (contributeur : 202).",
    "Create a project (animateur) or propose it (contributor: 202)."), PROJECT_BODY, (201, 202, 409, 422),
    answer=RECORD)
def create_project() -> Response:
    return _create("project")


@_declare("/projects/<project_id>/record", "GET", "lecteur", Bilingual(
    "La fiche d'un projet telle qu'on la modifie, avec son ETag.", "A project's record as edited, with its ETag."),
    answer=RECORD)
def project_record(project_id: str) -> Response:
    found, tag = editing.record_json(get_store(), editing.PROJECT, project_id)
    return _with_etag(found, tag)


@_declare("/projects/<project_id>", "PATCH", "animateur", Bilingual(
    "Modifier un projet ; If-Match pour ne pas écraser une modification.",
    "Edit a project; If-Match not to overwrite another change."), PROJECT_BODY, (200, 404, 412, 422), etag=True,
    answer=RECORD)
def update_project(project_id: str) -> Response:
    return _update("project", project_id)


@_declare("/projects/<project_id>", "DELETE", "animateur", Bilingual(
    "Retirer un projet (fin de validité aujourd'hui).", "Retire a project (its validity ends today)."),
    None, (200, 404, 412), etag=True, answer=RECORD)
def retire_project(project_id: str) -> Response:
    return _retire("project", project_id)


@_declare("/themes/<theme_id>/record", "GET", "lecteur", Bilingual(
    "La fiche d'un thème, avec son ETag.", "A theme's record, with its ETag."), answer=RECORD)
def theme_record(theme_id: str) -> Response:
    found, tag = editing.record_json(get_store(), editing.THEME, theme_id)
    return _with_etag(found, tag)


@_declare("/themes/<theme_id>", "PATCH", "animateur", Bilingual(
    "Renommer un thème (son identifiant reste) ; If-Match pour ne pas écraser une modification.",
    "Rename a theme (its identifier stays); If-Match not to overwrite another change."),
    {"type": "object", "properties": {"name": {"type": "string"}}, "additionalProperties": False},
    (200, 404, 412, 422), etag=True, answer=RECORD)
def update_theme(theme_id: str) -> Response:
    return _update("theme", theme_id)


# --- ties ------------------------------------------------------------------------------------------------
@_declare("/cooperations", "POST", "contributeur", Bilingual(
    "Déclarer une coopération (un contributeur : l'une des siennes) ; statut « déclaré ».",
    "Declare a tie (a contributor: one of their own); status « declared »."),
    COOPERATION_BODY, (201, 403, 409, 422), answer=COOPERATION)
def declare_cooperation() -> Response:
    created, tag = editing.declare(get_store(), body(), author())
    response = _with_etag(created, tag, 201)
    response.headers["Location"] = f"/api/v1/cooperations/{created['id']}"
    return response


@_declare("/cooperations/<coop_id>", "GET", "lecteur", Bilingual("Une coopération déclarée, avec son ETag.",
                                                                 "A declared tie, with its ETag."), answer=COOPERATION)
def get_cooperation(coop_id: str) -> Response:
    rel, tag = editing.read_cooperation(get_store(), coop_id)
    if _hidden(rel.source, rel.target):
        raise NotFound(Message("what.cooperation"), coop_id)
    return _with_etag(editing.cooperation_json(rel), tag)


@_declare("/cooperations/<coop_id>", "PATCH", "contributeur", Bilingual(
    "Modifier la nature, la fréquence ou les dates d'une coopération.",
    "Edit a tie's nature, frequency or dates."), COOPERATION_BODY, (200, 403, 404, 412, 422), etag=True,
    answer=COOPERATION)
def update_cooperation(coop_id: str) -> Response:
    updated, tag = editing.update_cooperation(get_store(), coop_id, body(), author(), if_match())
    return _with_etag(updated, tag)


@_declare("/cooperations/<coop_id>", "DELETE", "contributeur", Bilingual(
    "Retirer une coopération (fin de validité aujourd'hui).", "Retire a tie (its validity ends today)."),
    None, (200, 403, 404, 412), etag=True, answer=COOPERATION)
def retire_cooperation(coop_id: str) -> Response:
    editing.retire_cooperation(get_store(), coop_id, author(), if_match())
    rel, tag = editing.read_cooperation(get_store(), coop_id)
    return _with_etag(editing.cooperation_json(rel), tag)


@_declare("/cooperations/<coop_id>/confirm", "POST", "contributeur", Bilingual(
    "L'autre partie confirme la coopération (statut « confirmé »).",
    "The other side confirms the tie (status « confirmed »)."), None, (200, 403, 404, 412), etag=True,
    answer=COOPERATION)
def confirm_cooperation(coop_id: str) -> Response:
    answered, tag = editing.answer_tie(get_store(), coop_id, author(), "confirmed", if_match=if_match())
    return _with_etag(answered, tag)


@_declare("/cooperations/<coop_id>/dispute", "POST", "contributeur", Bilingual(
    "L'autre partie conteste la coopération (statut « contesté », raison facultative).",
    "The other side disputes the tie (status « disputed », optional reason)."),
    DISPUTE_BODY, (200, 403, 404, 412, 422), etag=True, answer=COOPERATION)
def dispute_cooperation(coop_id: str) -> Response:
    reason = body().get("reason") or ""
    if not isinstance(reason, str):
        report = Report()
        report.add(JsonPointer.to("reason"), reason, Message("expect.text"))
        raise editing.Invalid(report)
    answered, tag = editing.answer_tie(get_store(), coop_id, author(), "disputed", reason, if_match())
    return _with_etag(answered, tag)


# --- proposals ----------------------------------------------------------------------------------------------
@_declare("/proposals", "GET", "animateur", Bilingual("Propositions en attente de validation.",
                                                      "Proposals waiting for validation."), answer=items(PROPOSAL))
def list_proposals() -> Response:
    return jsonify({"items": editing.proposals(get_store())})


@_declare("/proposals/<proposal_id>/accept", "POST", "animateur", Bilingual(
    "Valider une proposition (l'acteur ou le projet est créé ; valeurs corrigées possibles).",
    "Accept a proposal (the actor or project is created; amended values allowed)."),
    DECISION_BODY, (200, 404, 409, 422), answer=PROPOSAL)
def accept_proposal(proposal_id: str) -> Response:
    values = body().get("values")
    return jsonify(editing.decide(get_store(), proposal_id, author(), True,
                                  values if isinstance(values, dict) else None))


@_declare("/proposals/<proposal_id>/reject", "POST", "animateur", Bilingual(
    "Refuser une proposition.", "Reject a proposal."), None, (200, 404, 409), answer=PROPOSAL)
def reject_proposal(proposal_id: str) -> Response:
    return jsonify(editing.decide(get_store(), proposal_id, author(), False))


# --- a person's rights ---------------------------------------------------------------------------------
@_declare("/persons/<person_id>/access", "GET", "contributeur", Bilingual(
    "Tout ce que Maillage détient sur une personne (RGPD, droit d'accès) : pour l'administrateur et pour elle-même.",
    "Everything Maillage holds about a person (GDPR, right of access): for the administrator and for themself."),
    None, (200, 403, 404), answer=privacy.ACCESS)
def person_access(person_id: str) -> Response:
    who = author()
    if not who.may("administrateur") and who.agent != person_id:
        raise editing.Forbidden("forbidden.person")
    return jsonify(privacy.access(get_store(), person_id))


@_declare("/persons/<person_id>/erase", "POST", "administrateur", Bilingual(
    "Effacer une personne (RGPD) : ses liens, son historique, ses comptes ; l'effacement est consigné, pas qui.",
    "Erase a person (GDPR): their ties, history, accounts; the erasure is recorded, not whom."),
    None, (200, 404), answer=privacy.ERASURE)
def person_erase(person_id: str) -> Response:
    return jsonify(erase_person(person_id, author().login, "api"))


# --- history ------------------------------------------------------------------------------------------------
HISTORY_FILTERS = ("by", "kind", "since", "until", "touching", "limit")


@_declare("/history", "GET", "lecteur", Bilingual(
    "L'historique : qui, quand, quoi (filtres by, kind, since, until, touching, limit).",
    "The history: who, when, what (filters by, kind, since, until, touching, limit)."), answer=items(CHANGE))
def list_history() -> Response:
    _forbid_persons()  # the history tells who changed what about whom
    args: dict[str, Any] = {name: request.args.get(name) or None for name in HISTORY_FILTERS}
    limit = args.pop("limit")
    try:
        count = int(limit) if limit else 100
        if not 1 <= count <= 1000:
            raise ValueError(count)
    except ValueError:
        return problem(400, t("problem.invalid"), t("expect.int_between", low=1, high=1000),
                       invalid_params=[{"name": "limit", "value": limit, "reason": t("expect.int_between", low=1,
                                                                                        high=1000)}])
    kind = args.get("kind")
    if kind and kind not in history.KINDS:
        return problem(400, t("problem.invalid"), t("expect.choice", choices=", ".join(history.KINDS)),
                       invalid_params=[{"name": "kind", "value": kind,
                                        "reason": t("expect.choice", choices=", ".join(history.KINDS))}])
    return jsonify({"items": history.entries(get_store(), limit=count, **args)})


@_declare("/history/<change_id>", "GET", "lecteur", Bilingual("Une modification, avec l'avant et l'après.",
                                                              "One change, with before and after."), answer=CHANGE)
def get_change(change_id: str) -> Response:
    _forbid_persons()
    found = history.get(get_store(), change_id)
    if found is None:
        return problem(404, t("problem.not_found"), t("error.not_found", what=t("what.change"), id=change_id))
    return jsonify(history.public(found, get_store(), with_changes=True))


@_declare("/history/<change_id>/undo", "POST", "animateur", Bilingual(
    "Annuler une modification (un import entier compris) : l'annulation est elle-même une modification.",
    "Undo a change (a whole import included): the undo is itself a change."), None, (201, 404, 409, 412), answer=CHANGE)
def undo_change(change_id: str) -> Response:
    try:
        entry, _ = history.undo(get_store(), change_id, author().login)
    except KeyError:
        return problem(404, t("problem.not_found"), t("error.not_found", what=t("what.change"), id=change_id))
    found = history.get(get_store(), entry.id)
    return jsonify(history.public(found or {"id": entry.id, "kind": "undo", "undoes": change_id})), 201  # type: ignore[return-value]
