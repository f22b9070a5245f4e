"""A workshop's brief for the facilitator, from :func:`graph.workshop.workshop_document`: the invitation list with
reasons, the table plans per round with the introductions, table cards and name cards, as a print-ready HTML page
and as a PDF (WeasyPrint); the participants and their table per round as a CSV for a registration or mailing tool.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

from graph import i18n, schema
from visualisations.render import TEMPLATES


def seats_by_round(document: dict) -> dict[int, dict[str, int]]:
    """Round number -> participant -> the table they sit at."""
    return {round_["round"]: {m: table["table"] for table in round_["tables"] for m in table["members"]}
            for round_ in document["rounds"]}


def brief_html(document: dict, lang: str | None = None, nonce: str | None = None) -> str:
    """The brief as one self-contained HTML page (no script, no outside resource), in French by default
    (*nonce*: its style's Content-Security-Policy nonce, when served)."""
    lang = lang or i18n.current_language()
    seat_of = seats_by_round(document)
    kinds = {label: kind.display(lang) for label, kind in schema.NODE_KINDS.items()}
    return TEMPLATES.get_template("brief.html").render(
        doc=document, lang=lang, w=i18n.words("brief", lang), kinds=kinds, seat_of=seat_of,
        themes=", ".join(theme["name"] for theme in document["workshop"]["themes"]), nonce=nonce)


def participants_rows(document: dict, lang: str | None = None) -> list[list[str]]:
    """One row per participant: identifier, name, kind, service, then their table at each round."""
    words = i18n.words("brief", lang)
    rounds = document["rounds"]
    header = [words["id"], words["person"], words["kind"], words["service"],
              *(f"{words['table']} {words['round']} {r['round']}" for r in rounds)]
    seat_of = list(seats_by_round(document).values())
    rows = [header]
    for guest in document["invited"]:
        rows.append([guest["id"], guest["name"], schema.NODE_KINDS[guest["kind"]].display(lang),
                     guest.get("service_name", ""), *(str(seats.get(guest["id"], "")) for seats in seat_of)])
    return rows


def write_brief(document: dict, out: Path, lang: str | None = None, territory=None) -> list[Path]:
    """``plan.json``, ``participants.csv`` (UTF-8 with BOM, ``;``: spreadsheets open it), ``brief.html``,
    ``brief.pdf`` and, given the *territory*, the network coloured by table at each round (``tables-tour-N.html``)
    in *out*."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    plan = out / "plan.json"
    plan.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    participants = out / "participants.csv"
    with participants.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(participants_rows(document, lang))
    html = out / "brief.html"
    page = brief_html(document, lang)
    html.write_text(page, encoding="utf-8")
    written += [plan, participants, html]
    from weasyprint import HTML

    pdf = out / "brief.pdf"
    HTML(string=page, base_url=str(out)).write_pdf(pdf)
    written.append(pdf)
    if territory is not None:
        from visualisations.render import to_html
        from visualisations.views import workshop_tables

        for round_ in document["rounds"]:
            view = out / f"tables-tour-{round_['round']}.html"
            view.write_text(to_html(*workshop_tables(territory, document, round_["round"]), lang=lang),
                            encoding="utf-8")
            written.append(view)
    return written
