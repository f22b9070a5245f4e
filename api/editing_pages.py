"""The web application's pages for changing the map: search, forms, ties, proposals, history, campaigns, accounts.

Server-rendered (Jinja2 templates in ``api/templates``), nothing fetched from outside, and no
script but the one that fetches a survey's names from this server (without it, names are typed
in full): they work on an intranet with no internet, with the keyboard and a screen reader
(labels, focus, errors tied to their fields). Every change goes through
:mod:`graph.editing`, :mod:`graph.history` and :mod:`graph.campaigns`, as the write
API's do: same rules, same messages, same history.
"""
from __future__ import annotations

import functools
import gzip
import hashlib
import json
from typing import Any, NamedTuple

from flask import Blueprint, Response, redirect, render_template, request, url_for

from api.auth import author, require
from api.catalogue import folded
from api.problems import problem
from api.state import account, erase_person, full_territory, get_store, read_marked, sees_persons, territory
from graph import accounts, campaigns, editing, history, privacy, schema
from graph.editing import RecordKind, form_locate
from graph.errors import NotFound
from graph.i18n import t, words
from graph.stores.base import Conflict

blueprint = Blueprint("editing_pages", __name__)
PAGES = {"actor": "/actors/", "project": "/projects/", "theme": "/themes/"}  # where a record's page is


def page(template: str, title: str, status: Any = 200, **values: Any) -> Response:
    return Response(render_template(template, title=title, **values), status=status, mimetype="text/html")


def _actor_choices() -> list[tuple[str, str]]:
    t_ = territory()
    return sorted(((n.id, n.name) for n in t_.nodes.values() if n.kind in schema.ACTOR_LABELS),
                  key=lambda item: folded(item[1]))


def _kind_choices() -> list[tuple[str, str]]:
    return [(kind.template_type, kind.display()) for kind in schema.NODE_KINDS.values() if kind.is_actor]


def _errors(report) -> dict[str, str]:
    found: dict[str, str] = {}
    for issue in report.errors:
        found.setdefault(issue.field or "", f"« {issue.value} » : {issue.expected}")
    return found


def _form_values(kind: RecordKind) -> dict[str, str]:
    return {name: request.form.get(name, "").strip() for name in kind.fields if name in request.form}


# --- search ---------------------------------------------------------------------------------------------
@blueprint.get("/search")
def search() -> Response:
    q = request.args.get("q", "").strip()
    results = []
    if q:
        wanted = folded(q)
        t_ = territory()
        prefix = {schema.PROJECT.label: "/projects/", schema.THEME.label: "/themes/"}
        for node in t_.nodes.values():
            if node.kind in schema.ACTOR_LABELS + (schema.PROJECT.label, schema.THEME.label) \
                    and wanted in folded(node.name):
                results.append({"name": node.name, "kind": schema.kind_name(node.kind),
                                "url": prefix.get(node.kind, "/actors/") + node.id})
        results.sort(key=lambda r: (not folded(r["name"]).startswith(wanted), folded(r["name"])))
    return page("search.html", words("ui")["search"], q=q, results=results[:200])


# --- actors and projects --------------------------------------------------------------------------------
def _record_form(kind: RecordKind, node_id: str | None) -> Response:
    store, w = get_store(), words("ui")
    labels = {name: w["field_" + name] for name in kind.fields}
    services = sorted((n.id, n.name) for n in territory().nodes.values() if n.kind == schema.SERVICE.label)
    title = w["new_" + kind.name] if node_id is None else w["edit"]
    who = author("form")
    values: dict[str, Any] = {}
    etag = None
    if node_id is not None:
        if not editing.may_edit_record(who, node_id, kind):
            return page("message.html", title, 403, message=t("forbidden.edit"))
        found, etag = editing.record_json(store, kind, node_id)
        values = {k: (", ".join(v) if isinstance(v, list) else v) for k, v in found.items()}
        title = f"{w['edit']} : {found['name']}"
    proposing = node_id is None and not who.may("animateur")
    context = {"fields": kind.fields, "labels": labels, "kinds": _kind_choices(), "services": services,
               "readonly_id": node_id is not None, "proposing": proposing, "errors": {}, "stale": None}
    if request.method == "GET":
        return page("record_form.html", title, values=values, etag=etag, **context)
    submitted = _form_values(kind)
    try:
        if node_id is None and proposing:
            editing.propose(get_store(), kind, submitted, who, form_locate)
            return page("message.html", title, notice=t("form.proposed"), message=w["proposal_hint"])
        if node_id is None:
            created, _ = editing.create_record(store, kind, submitted, who, form_locate)
            return redirect(PAGES[kind.name] + created["id"])  # type: ignore[return-value]
        changed = {k: v for k, v in submitted.items() if str(values.get(k, "")) != v}
        editing.update_record(store, kind, node_id, changed, who, request.form.get("etag") or None, form_locate)
        return redirect(PAGES[kind.name] + node_id)  # type: ignore[return-value]
    except editing.Invalid as refused:
        return page("record_form.html", title, 422, values=submitted, etag=request.form.get("etag"),
                    **{**context, "errors": _errors(refused.report)}, error=t("form.invalid"))
    except editing.Exists as refused:
        return page("record_form.html", title, 409, values=submitted, etag=None,
                    **{**context, "errors": {"id": t("problem.exists_detail", id=refused.identifier)}})
    except editing.Forbidden as refused:
        return page("message.html", title, 403, message=t(refused.reason))
    except Conflict:
        # Someone changed this record since the form was opened: show what is stored now beside what was typed,
        # keep what was typed, and take the new ETag so that saving again is a deliberate choice.
        now, tag = editing.record_json(store, kind, node_id or "")
        now = {k: (", ".join(v) if isinstance(v, list) else v) for k, v in now.items()}
        stale = [(f, now.get(f, ""), submitted.get(f, "")) for f in kind.fields
                 if str(now.get(f, "")) != submitted.get(f, str(now.get(f, "")))]
        return page("record_form.html", title, 412, values=submitted, etag=tag, **{**context, "stale": stale})


@blueprint.route("/actors/new", methods=["GET", "POST"])
@require("contributeur")
def new_actor() -> Response:
    return _record_form(editing.ACTOR, None)


@blueprint.route("/actors/<actor_id>/edit", methods=["GET", "POST"])
@require("contributeur")
def edit_actor(actor_id: str) -> Response:
    return _record_form(editing.ACTOR, actor_id)


@blueprint.route("/themes/<theme_id>/edit", methods=["GET", "POST"])
@require("animateur")
def edit_theme(theme_id: str) -> Response:
    return _record_form(editing.THEME, theme_id)


@blueprint.route("/projects/new", methods=["GET", "POST"])
@require("contributeur")
def new_project() -> Response:
    return _record_form(editing.PROJECT, None)


@blueprint.route("/projects/<project_id>/edit", methods=["GET", "POST"])
@require("animateur")
def edit_project(project_id: str) -> Response:
    return _record_form(editing.PROJECT, project_id)


# --- ties ------------------------------------------------------------------------------------------------
@blueprint.route("/cooperations/declare", methods=["GET", "POST"])
@require("contributeur")
def declare() -> Response:
    w, who = words("ui"), author("form")
    context = {"actors": _actor_choices(), "frequencies": campaigns.FREQUENCIES, "errors": {}}
    if request.method == "GET":
        return page("declare.html", w["declare"], values={"actor_b": request.args.get("with", "")}, **context)
    values = {name: request.form.get(name, "").strip() for name in ("actor_a", "actor_b", "nature", "frequency",
                                                                     "since")}
    if not who.may("animateur") or not values["actor_a"]:
        values["actor_a"] = who.agent or ""
    for name in ("actor_a", "actor_b"):  # « Name — id » as the completion list shows it
        if campaigns.SUGGESTION_SEPARATOR in values[name]:
            values[name] = values[name].rsplit(campaigns.SUGGESTION_SEPARATOR, 1)[1].strip()
    try:
        editing.declare(get_store(), values, who, form_locate)
    except editing.Invalid as refused:
        return page("declare.html", w["declare"], 422, values=values, **{**context, "errors": _errors(refused.report)},
                    error=t("form.invalid"))
    except editing.Forbidden as refused:
        return page("declare.html", w["declare"], 403, values=values, **context, error=t(refused.reason))
    except editing.Exists:
        return page("declare.html", w["declare"], 409, values=values, **context, error=t("form.tie_exists"))
    return redirect(url_for("editing_pages.my_ties", notice="declared"))  # type: ignore[return-value]


@blueprint.get("/my/cooperations")
@require("contributeur")
def my_ties() -> Response:
    w, me = words("ui"), account()
    assert me is not None
    t_ = territory()
    ties = []
    for rel in t_.by_type["COOPERATES_WITH"]:
        if me.agent not in (rel.source, rel.target) or rel.properties.get("until"):
            continue
        other = rel.target if rel.source == me.agent else rel.source
        declared_by = rel.properties.get("declared_by") or ""
        ties.append({"id": editing.cooperation_id(rel.identity), "other": other,
                     "other_name": t_.name_of(other),
                     "nature": rel.properties.get("nature"), "frequency": rel.properties.get("frequency"),
                     "status": editing.status_of(rel), "reason": rel.properties.get("reason"),
                     "declared_by_name": t_.name_of(declared_by),
                     "may_answer": declared_by != me.agent})
    ties.sort(key=lambda tie: (tie["status"] != "declared", folded(str(tie["other_name"]))))
    notice = t("form.declared") if request.args.get("notice") == "declared" else None
    return page("my_ties.html", w["my_ties"], ties=ties, notice=notice)


@blueprint.post("/my/cooperations/<coop_id>/<answer>")
@require("contributeur")
def answer_tie(coop_id: str, answer: str) -> Response:
    status = {"confirm": "confirmed", "dispute": "disputed"}.get(answer)
    if status is None:
        return page("message.html", words("ui")["my_ties"], 404, message=t("problem.not_found"))
    try:
        editing.answer_tie(get_store(), coop_id, author("form"), status, request.form.get("reason", "").strip())
    except editing.Forbidden as refused:
        return page("message.html", words("ui")["my_ties"], 403, message=t(refused.reason))
    return redirect(url_for("editing_pages.my_ties"))  # type: ignore[return-value]


# --- proposals ---------------------------------------------------------------------------------------------
@blueprint.get("/proposals")
@require("animateur")
def proposals_page() -> Response:
    return page("proposals.html", words("ui")["proposals"], items=editing.proposals(get_store()),
                kinds=_kind_choices())


@blueprint.post("/proposals/<proposal_id>/<decision>")
@require("animateur")
def decide(proposal_id: str, decision: str) -> Response:
    store, w = get_store(), words("ui")
    proposal = store.get_record(editing.PROPOSALS, proposal_id)
    if proposal is None or decision not in ("accept", "reject"):
        return page("message.html", w["proposals"], 404, message=t("problem.not_found"))
    values = dict(proposal["values"])
    for name in ("id", "kind"):
        if request.form.get(name):
            values[name] = request.form[name].strip()
    try:
        editing.decide(store, proposal_id, author("form"), decision == "accept", values)
    except (editing.Invalid, editing.Exists) as refused:
        message = refused.args[0] if isinstance(refused, editing.Invalid) else \
            t("problem.exists_detail", id=refused.identifier)
        return page("proposals.html", w["proposals"], 422, items=editing.proposals(store), kinds=_kind_choices(),
                    error=message)
    return redirect(url_for("editing_pages.proposals_page"))  # type: ignore[return-value]


# --- history -----------------------------------------------------------------------------------------------
def _describe(change) -> str:
    fact = change.fact
    what = f"{schema.kind_name(fact.kind)} {fact.name}" if hasattr(fact, "kind") else \
        f"{fact.type} {fact.source} → {fact.target}"
    return f"{words('ui')['op_' + change.op]} : {what}"


@blueprint.get("/history")
def history_page() -> Response:
    store, w = get_store(), words("ui")
    if not sees_persons():
        return page("message.html", w["history"], 403, message=t("forbidden.persons"))
    filters = {name: request.args.get(name) or None for name in ("by", "kind", "since", "until", "touching")}
    if filters["kind"] not in (None, *history.KINDS):
        filters["kind"] = None
    items = history.entries(store, limit=200, changes=True, **filters)
    for entry in items:
        counts = {k: v for k, v in entry.get("counts", {}).items() if v and not k.endswith("unchanged")}
        entry["counts_text"] = ", ".join(f"{w.get('count_' + k, k)} {v}" for k, v in counts.items())
        shown = history.changes_of(store, entry) if not entry.get("parts") else []  # an import: its counts
        entry["details"] = [_describe(c) for c in shown[:20]] or [entry["counts_text"]]
    return page("history.html", w["history"], items=items, filters=filters, kinds=history.KINDS)


@blueprint.post("/history/<change_id>/undo")
@require("animateur")
def undo(change_id: str) -> Response:
    w = words("ui")
    try:
        history.undo(get_store(), change_id, author("form").login, "form")
    except KeyError:
        return page("message.html", w["history"], 404, message=t("problem.not_found"))
    except history.AlreadyUndone as refused:
        return page("message.html", w["history"], 409, message=t("problem.undone_detail", id=refused.change_id,
                                                                    by=refused.by))
    except Conflict:
        return page("message.html", w["history"], 412, message=t("problem.undo_conflict"))
    return redirect(url_for("editing_pages.history_page", notice="undone"))  # type: ignore[return-value]


# --- campaigns -------------------------------------------------------------------------------------------
@blueprint.get("/campaigns")
@require("animateur")
def campaigns_page() -> Response:
    return page("campaigns.html", words("ui")["campaigns"], items=campaigns.campaigns(get_store()))


@blueprint.route("/campaigns/new", methods=["GET", "POST"])
@require("animateur")
def new_campaign() -> Response:
    w, t_ = words("ui"), territory()
    services = sorted((n.id, n.name) for n in t_.nodes.values() if n.kind == schema.SERVICE.label)
    context = {"services": services, "question": campaigns.DEFAULT_QUESTION, "links": None, "campaign": None}
    if request.method == "GET":
        return page("campaign_new.html", w["new_campaign"], **context)
    partners = [p.strip() for p in request.form.get("partners", "").split(",") if p.strip()]
    try:
        campaign, tokens = campaigns.open_campaign(
            get_store(), t_, author("form"), request.form.get("closes", ""), request.form.getlist("services"),
            partners, request.form.get("question", ""))
    except campaigns.CampaignError as refused:
        return page("campaign_new.html", w["new_campaign"], 422, **context, error=t(refused.key, **refused.values))
    base = request.host_url.rstrip("/")
    links = [(t_.name_of(r), f"{base}/survey/{token}") for r, token in tokens.items()]
    return page("campaign_new.html", w["new_campaign"], **{**context, "links": links, "campaign": campaign})


@blueprint.get("/campaigns/<campaign_id>")
@require("animateur")
def campaign_page(campaign_id: str) -> Response:
    t_ = territory()
    board = campaigns.dashboard(get_store(), t_, campaign_id)
    names = {n.id: n.name for n in t_.nodes.values() if n.kind in schema.ACTOR_LABELS}
    return page("campaign.html", words("ui")["campaign"], board=board, names=names)


@blueprint.route("/survey/<token>", methods=["GET", "POST"])
def survey(token: str) -> Response:
    # A personal link is a staff member's or a partner's: its page completes names among every actor.
    store, w = get_store(), words("ui")
    try:
        # The link and the store's mark in one read, then the campaign and the answer in another.
        link = campaigns.found_link(read_marked(campaigns.link_key(token)))
        t_ = full_territory()
        campaign, respondent, before = campaigns.link_and_answer(store, token, link)
    except NotFound:
        return page("message.html", w["survey"], 404, message=t("campaign.unknown_link"))
    context = {"campaign": campaign, "respondent_name": t_.name_of(respondent),
               "names_url": url_for("editing_pages.survey_names", token=token),
               "frequencies": campaigns.FREQUENCIES, "closed": not campaigns.is_open(campaign)}
    notice = None
    if request.method == "POST" and not context["closed"]:
        pairs = list(zip(request.form.getlist("name"), request.form.getlist("frequency")))
        try:
            before = campaigns.answer(store, t_, token, pairs, link)  # the link read once
            notice = t("campaign.thanks")
        except campaigns.CampaignError as refused:
            return page("survey.html", w["survey"], 422, rows=_survey_rows(pairs), **context,
                        error=t(refused.key, **refused.values))
    before = before or {}
    frequencies = before.get("frequencies", {})
    pairs = [(campaigns.suggestion(t_.name_of(a), a), frequencies.get(a, "")) for a in before.get("actors", [])]
    pairs += [(name, "") for name in before.get("unknown", [])]
    return page("survey.html", w["survey"], rows=_survey_rows(pairs), notice=notice, **context)


@blueprint.get("/survey/<token>/names")
def survey_names(token: str) -> Response:
    """The names a respondent may pick (``name — identifier``, in the order of their folded names), as JSON: the
    survey page fetches them, and the browser keeps them (ETag) for the link's next pages.

    Out of the page itself: once a territory has its grant files they are thousands (343 KB in every page and
    every answer's page), and ordering them again whenever an import added one made the page slow to answer
    while imports ran."""
    try:
        campaigns.check_link(get_store(), token)  # only a respondent's link opens every actor's name
    except NotFound:
        return problem(404, t("problem.not_found"), t("campaign.unknown_link"))
    document = _suggestions(campaigns.actor_names(full_territory()))
    gzipped = "gzip" in request.accept_encodings
    response = Response(document.gzipped if gzipped else document.body, mimetype="application/json")
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.cache_control.private = True
    response.cache_control.no_cache = True  # kept, but asked again (a 304 when no actor changed)
    response.set_etag(document.tag)
    response.make_conditional(request)  # a 304 without its body when the browser has this version
    return response


class _Suggestions(NamedTuple):
    tag: str
    body: bytes
    gzipped: bytes


@functools.lru_cache(maxsize=4)
def _suggestions(names: frozenset[tuple[str, str]]) -> _Suggestions:
    """The names document, made again only when an actor is added, removed or renamed; each name folded once
    (:func:`_order_of`), not once per document: imports add names every second."""
    ordered = sorted(names, key=_order_of)
    body = json.dumps([campaigns.suggestion(name, actor) for actor, name in ordered], ensure_ascii=False).encode()
    return _Suggestions(hashlib.blake2b(body, digest_size=12).hexdigest(), body, gzip.compress(body, 6))


@functools.lru_cache(maxsize=250_000)  # ~200 bytes an actor (a métropole has 100,000): ~50 MB at most
def _order_of(pair: tuple[str, str]) -> tuple[str, str]:
    actor, name = pair
    return folded(name), actor


def _survey_rows(pairs: list[tuple[str, str]]) -> list[dict]:
    rows = [{"name": name, "frequency": frequency} for name, frequency in pairs if name.strip()]
    return rows + [{"name": "", "frequency": "mensuelle"}] * max(5, 12 - len(rows))


# --- a person's rights ------------------------------------------------------------------------------------
@blueprint.get("/persons/<person_id>/access")
@require("contributeur")
def person_access(person_id: str) -> Response:
    me = account()
    assert me is not None
    if not me.may("administrateur") and me.agent != person_id:
        return page("message.html", words("ui")["person_access"], 403, message=t("forbidden.person"))
    record = privacy.access(get_store(), person_id)
    return page("person.html", f"{words('ui')['person_access']} : {record['person']['name']}", record=record)


@blueprint.post("/persons/<person_id>/erase")
@require("administrateur")
def person_erase(person_id: str) -> Response:
    w = words("ui")
    if request.form.get("confirm", "").strip() != person_id:
        return page("message.html", w["person_erase"], 422, message=w["person_erase_hint"])
    erase_person(person_id, author("form").login, "form")
    return page("message.html", w["person_erase"], message=w["person_erased"])


# --- accounts ------------------------------------------------------------------------------------------------
@blueprint.route("/admin/accounts", methods=["GET", "POST"])
@require("administrateur")
def accounts_page() -> Response:
    store, w = get_store(), words("ui")
    invitation, error, status = None, None, 200
    if request.method == "POST":
        try:
            token = accounts.add(store, request.form.get("login", ""), request.form.get("role", ""),
                                 request.form.get("agent", "").strip() or None)
            invitation = request.host_url.rstrip("/") + "/invitation/" + token
        except accounts.AccountError as refused:
            error, status = t(refused.key, **refused.values), 422
    return page("accounts.html", w["accounts"], status, items=accounts.all_accounts(store), roles=accounts.ROLES,
                actors=_actor_choices(), invitation=invitation, error=error)
