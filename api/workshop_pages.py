"""The workshop page: build a workshop, see its plan round by round, move a person, lock a table, re-optimise the rest.

Everything the page knows travels in its address (GET forms, no script): the settings, the
participants the facilitator keeps (the suggestions by default: add or remove people there), and
``fix``, the seats a person chose (``ag-00012:2:3``: in round 2, at table 3). Locking a table
fixes its members where they are; moving a person fixes them at another table; the plan is
then searched again around what is fixed. The same address gives the same plan (the seed).
The brief (HTML, PDF), the participants' CSV and the network by table come from the same address.
"""
from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request

from api.state import request_language, territory
from api.workshops import INVITE, MIN_SERVICES, ROUNDS, SEED, SIZE, TABLES
from graph import i18n, schema
from graph import workshop as planner
from graph.errors import InvalidParameter
from graph.i18n import Message
from graph.mdgp import Infeasible
from graph.questions.declaration import THEME_ID, Integer

blueprint = Blueprint("workshop_pages", __name__, url_prefix="/workshops")

FIELDS = (TABLES, SIZE, ROUNDS, INVITE, SEED, MIN_SERVICES)  # checked as the API checks them
DEFAULTS = {"tables": 6, "size": 6, "rounds": 2, "seed": 0, "min_services": 0}  # a first page shows a small workshop


def _themes() -> list[dict]:
    return sorted(({"id": n.id, "name": n.name} for n in territory().nodes.values() if n.kind == schema.THEME.label),
                  key=lambda theme: theme["name"])


def _settings(themes: list[dict]) -> tuple[dict, dict[int, dict[str, int]]]:
    """The page's settings from its address, checked as the API checks them, and the fixed seats by round."""
    t = territory()
    values: dict = {}
    for field in FIELDS:
        raw = request.args.get(field.name)
        values[field.name] = field.type.check(field.name, raw, t) if raw not in (None, "") \
            else DEFAULTS.get(field.name)
    values["theme"] = THEME_ID.check("theme", request.args.get("theme") or (themes[0]["id"] if themes else ""), t)
    chosen = [p.strip() for p in (request.args.get("participants") or "").replace("\n", ",").split(",") if p.strip()]
    values["participants"] = ", ".join(dict.fromkeys(chosen))
    fixed: dict[int, dict[str, int]] = {}
    items = [item for item in (request.args.get("fix") or "").split(",") if item]
    if request.args.get("move_person"):  # the move form: one more fixed seat
        items.append(f"{request.args['move_person']}:{request.args.get('move_round')}:{request.args.get('move_table')}")
    for item in items:
        actor, _, rest = item.partition(":")
        round_text, _, table_text = rest.partition(":")
        if not (actor and round_text.isdigit() and table_text.isdigit()):
            raise InvalidParameter("fix", item, Message("expect.fix"))
        fixed.setdefault(int(round_text) - 1, {})[actor] = int(table_text) - 1
    return values, fixed


def _document(values: dict, fixed: dict[int, dict[str, int]]) -> dict:
    workshop = planner.Workshop(themes=[values["theme"]], tables=values["tables"], size=values["size"],
                                rounds=values["rounds"], min_services=values["min_services"], fixed=fixed)
    chosen = [p.strip() for p in values["participants"].split(",") if p.strip()] or None
    return planner.workshop_document(territory(), workshop, participants=chosen, invite=values["invite"],
                                     seed=values["seed"])


def _query(values: dict, fixed: dict[int, dict[str, int]]) -> list[tuple[str, str]]:
    pairs = [(name, str(value)) for name, value in values.items() if value not in (None, "")]
    seats = ",".join(f"{actor}:{r + 1}:{table + 1}" for r, chosen in sorted(fixed.items())
                     for actor, table in sorted(chosen.items()))
    return pairs + ([("fix", seats)] if seats else [])


@blueprint.get("")
def workshop_page():
    lang = request_language()
    themes = _themes()
    values, fixed = _settings(themes)
    doc, error, status = None, "", 200
    if request.args.get("theme"):
        try:
            doc = _document(values, fixed)
        except Infeasible as infeasible:
            error, status = i18n.t("workshop.infeasible", reason=infeasible.reason.render(lang)), 422
    hidden = _query(values, fixed)

    def lock_query(round_number: int, table: dict) -> str:
        locked = {r: dict(chosen) for r, chosen in fixed.items()}
        for member in table["members"]:
            locked.setdefault(round_number - 1, {})[member] = table["table"] - 1
        return urlencode(_query(values, locked))

    words = {**i18n.words("brief", lang), **i18n.words("workshop_page", lang)}  # the brief's words, and the page's
    page = render_template(
        "workshop.html", lang=lang, w=words, values=values, themes=themes, doc=doc, error=error,
        query=urlencode(hidden), hidden=hidden, lock_query=lock_query,
        fixed={(actor, r + 1) for r, chosen in fixed.items() for actor in chosen})
    return Response(page, status=status, mimetype="text/html")


def _checked_document() -> dict:
    return _document(*_settings(_themes()))


@blueprint.get("/brief")
def workshop_brief():
    from api.security import csp_nonce
    from visualisations.brief import brief_html

    return Response(brief_html(_checked_document(), request_language(), csp_nonce()), mimetype="text/html")


@blueprint.get("/brief.pdf")
def workshop_brief_pdf():
    from weasyprint import HTML

    from visualisations.brief import brief_html

    pdf = HTML(string=brief_html(_checked_document(), request_language())).write_pdf()
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="atelier.pdf"'})


@blueprint.get("/participants.csv")
def workshop_participants():
    from visualisations.brief import participants_rows

    out = io.StringIO()
    out.write("\ufeff")  # spreadsheets read UTF-8 with its BOM
    csv.writer(out, delimiter=";").writerows(participants_rows(_checked_document(), request_language()))
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="participants.csv"'})


@blueprint.get("/tables")
def workshop_tables_view():
    from visualisations.render import to_html
    from visualisations.views import workshop_tables

    document = _checked_document()
    raw = request.args.get("round", "1")
    round_number = Integer(1, len(document["rounds"])).check("round", raw, territory()) or 1
    return Response(to_html(*workshop_tables(territory(), document, round_number), lang=request_language()),
                    mimetype="text/html")
