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

from flask import Blueprint, Response, render_template_string, request

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

PAGE = """<!doctype html><html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ w.title }} — Maillage</title>
<style nonce="{{ csp_nonce }}">body{font-family:system-ui,sans-serif;max-width:72rem;margin:1.5rem auto;padding:0 1rem;color:#1a1a1a}
label{display:inline-block;margin:.2rem .8rem .2rem 0}input,select,button{font:inherit;padding:.15rem .3rem}
input:focus,select:focus,button:focus,a:focus{outline:3px solid #1f5fbf;outline-offset:2px}
table{border-collapse:collapse}td,th{padding:.25rem .6rem;border:1px solid #c8c8c8;text-align:left}
.tables{display:flex;flex-wrap:wrap;gap:.8rem}.table{border:1px solid #888;border-radius:.4rem;padding:.5rem .8rem;
min-width:14rem}.muted{color:#555}.fixed{font-weight:bold}.error{color:#a40000;border:2px solid #a40000;padding:.5rem}
nav a{margin-right:1rem}</style></head><body>
<nav><a href="/">Maillage</a><a href="/views/territory">{{ w.network }}</a><a href="/api/v1/docs">API</a></nav>
<h1>{{ w.title }}</h1>
<form method="get" action="/workshops" aria-label="{{ w.settings }}">
 <label>{{ w.theme }} <select name="theme" required>{% for th in themes %}<option value="{{ th.id }}"
   {% if th.id == values.theme %}selected{% endif %}>{{ th.name }}</option>{% endfor %}</select></label>
 <label>{{ w.tables }} <input name="tables" type="number" min="1" value="{{ values.tables }}"></label>
 <label>{{ w.size }} <input name="size" type="number" min="1" value="{{ values.size }}"></label>
 <label>{{ w.rounds }} <input name="rounds" type="number" min="1" max="4" value="{{ values.rounds }}"></label>
 <label>{{ w.invite }} <input name="invite" type="number" min="1" value="{{ values.invite or '' }}"></label>
 <label>{{ w.min_services }} <input name="min_services" type="number" min="0" value="{{ values.min_services }}"></label>
 <label>{{ w.seed }} <input name="seed" type="number" min="0" value="{{ values.seed }}"></label>
 <br><label>{{ w.participants }}<br><textarea name="participants" rows="3" cols="90">{{ values.participants or '' }}</textarea></label>
 <button type="submit">{{ w.plan }}</button>
</form>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
{% if doc %}
<h2>{{ w.comparison }}</h2>
<table><tr><th></th><th>{{ w.this_plan }}</th><th>{{ w.random_plan }}</th></tr>
<tr><td>{{ w.value }}</td><td id="plan-value">{{ doc.comparison.plan.value }}</td><td>{{ doc.comparison.random.value }}</td></tr>
<tr><td>{{ w.new_pairs }}</td><td>{{ doc.comparison.plan.new_pairs }}</td><td>{{ doc.comparison.random.new_pairs }}</td></tr>
<tr><td>{{ w.cross_pairs }}</td><td>{{ doc.comparison.plan.cross_service_pairs }}</td><td>{{ doc.comparison.random.cross_service_pairs }}</td></tr>
<tr><td>{{ w.services_per_table }}</td><td>{{ doc.comparison.plan.services_per_table }}</td><td>{{ doc.comparison.random.services_per_table }}</td></tr>
</table>
<p><a href="/workshops/brief.pdf?{{ query }}">{{ w.brief_pdf }}</a> · <a href="/workshops/brief?{{ query }}">{{ w.brief_html }}</a>
 · <a href="/workshops/participants.csv?{{ query }}">{{ w.csv }}</a>
 {% for round in doc.rounds %} · <a href="/workshops/tables?{{ query }}&amp;round={{ round.round }}">{{ w.view }} {{ round.round }}</a>{% endfor %}</p>
{% for round in doc.rounds %}
<h2 id="round-{{ round.round }}">{{ w.round }} {{ round.round }}</h2>
<div class="tables">{% for table in round.tables %}
 <section class="table" aria-labelledby="t-{{ round.round }}-{{ table.table }}">
  <h3 id="t-{{ round.round }}-{{ table.table }}">{{ w.table }} {{ table.table }}</h3>
  <ul>{% for p in table.people %}<li{% if (p.id, round.round) in fixed %} class="fixed"{% endif %}>{{ p.name }}{% if p.service_name %} <span class="muted">({{ p.service_name }})</span>{% endif %}</li>{% endfor %}</ul>
  <a href="/workshops?{{ lock_query(round.round, table) }}">{{ w.lock }} {{ table.table }}</a>
 </section>{% endfor %}</div>
<form method="get" action="/workshops" aria-label="{{ w.move }} ({{ w.round }} {{ round.round }})">
 {% for name, value in hidden %}<input type="hidden" name="{{ name }}" value="{{ value }}">{% endfor %}
 <input type="hidden" name="move_round" value="{{ round.round }}">
 <label>{{ w.person }} <select name="move_person">{% for guest in doc.invited %}<option value="{{ guest.id }}">{{ guest.name }}</option>{% endfor %}</select></label>
 <label>{{ w.to_table }} <select name="move_table">{% for table in round.tables %}<option value="{{ table.table }}">{{ table.table }}</option>{% endfor %}</select></label>
 <button type="submit">{{ w.move }}</button>
</form>
{% endfor %}
<h2>{{ w.invited }} ({{ doc.invited|length }})</h2>
<table><tr><th>{{ w.person }}</th><th>{{ w.reasons }}</th></tr>{% for g in doc.invited %}
<tr><td><a href="/actors/{{ g.id }}">{{ g.name }}</a></td><td>{% for r in g.reasons %}{{ r.text }}{% if not loop.last %} ; {% endif %}{% endfor %}</td></tr>{% endfor %}</table>
{% endif %}
</body></html>"""


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
    page = render_template_string(
        PAGE, lang=lang, w=words, values=values, themes=themes, doc=doc, error=error,
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
