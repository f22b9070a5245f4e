"""Survey campaigns: organisational network analysis by a relational questionnaire.

An animateur opens a campaign: a question (« Avec qui travaillez-vous, et à quelle
fréquence ? »), the respondents (the agents of chosen services, and partners), a
closing date. Each respondent gets a personal link (a random token, stored as its
digest; no account needed) to a page with name completion over the known actors and a
frequency per name. A name not in the list becomes a proposal waiting for validation:
it never creates a person by itself. Answers can be corrected until the closing date.

Answers become declared ties from the respondent (``COOPERATES_WITH``, key
``enquete-<campaign>``, origin ``campagne:<campaign>``): the campaign is their
provenance, the other side may confirm them, and a later campaign's ties can be
compared with an earlier one's (:func:`compare`).

Reference: the roster method of relational surveys (Marsden, « Network data and
measurement », *Annual Review of Sociology* 16, 1990; Cross & Parker, *The Hidden
Power of Social Networks*, 2004).
"""
from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import date
from typing import Any

from graph import history, schema
from graph.accounts import digest
from graph.editing import PROPOSALS, Author, Forbidden
from graph.errors import NotFound
from graph.i18n import Message
from graph.model import Batch, Relationship
from graph.stores.base import Edit, RecordPut, Store
from graph.territory import Territory

CAMPAIGNS = "campaigns"
LINKS = "campaign-links"
ANSWERS = "campaign-answers"
FREQUENCIES = ("quotidienne", "hebdomadaire", "mensuelle", "ponctuelle")
DEFAULT_QUESTION = "Avec qui travaillez-vous, et à quelle fréquence ?"
MAX_NAMES = 60


class CampaignError(ValueError):
    """*key* names the message (``campaign.*``)."""

    def __init__(self, key: str, **values):
        self.key, self.values = key, values
        super().__init__(key)


def open_campaign(store: Store, territory: Territory, author: Author, closes: str, services: list[str],
                  partners: list[str] | tuple[str, ...] = (), question: str = DEFAULT_QUESTION
                  ) -> tuple[dict, dict[str, str]]:
    """Open a campaign; returns it and each respondent's personal token (shown once)."""
    if not author.may("animateur"):
        raise Forbidden("forbidden.campaign")
    try:
        if date.fromisoformat(closes) < date.today():
            raise CampaignError("campaign.closes_past", closes=closes)
    except (TypeError, ValueError):
        raise CampaignError("campaign.closes", closes=closes) from None
    respondents: dict[str, None] = {}
    for service in services:
        if territory.nodes.get(service) is None or territory.nodes[service].kind != schema.SERVICE.label:
            raise CampaignError("campaign.service", service=service)
        respondents.update(dict.fromkeys(sorted(territory.members_of(service))))
    for partner in partners:
        if territory.nodes.get(partner) is None or territory.nodes[partner].kind not in schema.ACTOR_LABELS:
            raise CampaignError("campaign.partner", partner=partner)
        respondents[partner] = None
    if not respondents:
        raise CampaignError("campaign.empty")
    campaign: dict[str, Any] = {"id": "camp" + history.new_id()[1:20], "question": question.strip() or DEFAULT_QUESTION,
                "services": list(services), "partners": list(partners), "respondents": list(respondents),
                "closes": closes, "created_by": author.login, "created_at": history.now()}
    tokens = {respondent: secrets.token_urlsafe(18) for respondent in respondents}
    store.put_records([(CAMPAIGNS, campaign["id"], campaign)]
                      + [(LINKS, digest(token), {"campaign": campaign["id"], "respondent": respondent})
                         for respondent, token in tokens.items()])
    return campaign, tokens


def campaigns(store: Store) -> list[dict]:
    return [value for _, value in reversed(store.records(CAMPAIGNS))]


def get_campaign(store: Store, campaign_id: str) -> dict:
    return _found(store.get_record(CAMPAIGNS, campaign_id), campaign_id)


def _found(campaign: dict | None, campaign_id: str) -> dict:
    """*campaign* as read, or :class:`NotFound` when there was none."""
    if campaign is None:
        raise NotFound(Message("what.campaign"), campaign_id)
    return campaign


def link_and_answer(store: Store, token: str, link: dict | None = None) -> tuple[dict, str, dict | None]:
    """(campaign, respondent, their answer or None) of a personal link (:class:`NotFound` for an unknown token),
    in two reads: the link (unless given: its record as read at :func:`link_key`), then its campaign and the
    answer together. A survey's page reads these at each visit, and while an import commits each read may wait
    for the server (the page made four reads with the store's mark, the most of any page)."""
    found = _link_record(store, token) if link is None else link
    campaign, before = store.get_records([(CAMPAIGNS, found["campaign"]),
                                          (ANSWERS, answer_key(found["campaign"], found["respondent"]))])
    return _found(campaign, found["campaign"]), found["respondent"], before


def check_link(store: Store, token: str) -> None:
    """:class:`NotFound` unless *token* is a personal link (its campaign and answer are not read)."""
    _link_record(store, token)


def link_key(token: str) -> tuple[str, str]:
    """Where a personal link is kept: (collection, key) of its record (the token hashed)."""
    return LINKS, digest(token)


def _link_record(store: Store, token: str) -> dict:
    return found_link(store.get_record(*link_key(token)))


def found_link(value: dict | None) -> dict:
    """A link's record read at :func:`link_key`; :class:`NotFound` where there was none."""
    if value is None:
        raise NotFound(Message("what.survey_link"), "…")
    return value


def is_open(campaign: dict) -> bool:
    return date.today().isoformat() <= campaign["closes"]


def answer_key(campaign_id: str, respondent: str) -> str:
    return f"{campaign_id}/{respondent}"


SUGGESTION_SEPARATOR = " — "


def suggestion(name: str, actor: str) -> str:
    """What a respondent picks for *actor* among the survey's names: its name, then its identifier (two actors
    may share a name); :func:`resolve_name` reads it back."""
    return f"{name}{SUGGESTION_SEPARATOR}{actor}"


def resolve_name(territory: Territory, text: str) -> str | None:
    """The actor a respondent named: its identifier, a suggestion of the page (``name — identifier``), or its
    name (accents and case aside) when one actor has it.

    >>> from graph.model import Node
    >>> t = Territory("v", [Node("Agent", "ag-1", "Élodie Martin"), Node("Agent", "ag-2", "Paul Roy")], [])
    >>> resolve_name(t, "elodie martin"), resolve_name(t, "Paul Roy — ag-2"), resolve_name(t, "Inconnue")
    ('ag-1', 'ag-2', None)
    """
    text = text.strip()
    for candidate in (text, text.rpartition(SUGGESTION_SEPARATOR)[2]):
        if candidate in territory.nodes and territory.nodes[candidate].kind in schema.ACTOR_LABELS:
            return candidate
    matches = actors_by_name(territory).get(schema.slugify(text.split(SUGGESTION_SEPARATOR)[0]), [])
    return matches[0] if len(matches) == 1 else None


def actors_by_name(territory: Territory) -> dict[str, list[str]]:
    """Every actor's identifier by its name, accents and case aside (once per snapshot: a territory with its
    grant files names thousands, and each answer names several)."""
    def index() -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for n in territory.nodes.values():
            if n.kind in schema.ACTOR_LABELS:
                found.setdefault(schema.slugify(n.name), []).append(n.id)
        return found

    return territory.measure(("actors_by_name",), index)


def actor_names(territory: Territory) -> frozenset[tuple[str, str]]:
    """Every actor's (identifier, name), once per snapshot: the names a survey offers are made from it, and a
    métropole's 90,000 actors are not gathered again at each respondent's request."""
    return territory.measure(("actor_names",), lambda: frozenset(
        (n.id, n.name) for n in territory.nodes.values() if n.kind in schema.ACTOR_LABELS))


def answer(store: Store, territory: Territory, token: str, names: list[tuple[str, str]],
           link: dict | None = None) -> dict:
    """Record a respondent's answer (replacing an earlier one of this campaign): *names* are
    (name or identifier, frequency); *link*: the link's record, when the caller has read it (a survey's page).
    Returns the answer as recorded."""
    campaign, respondent, before = link_and_answer(store, token, link)
    if not is_open(campaign):
        raise CampaignError("campaign.closed", closes=campaign["closes"])
    if len(names) > MAX_NAMES:
        raise CampaignError("campaign.too_many", max=MAX_NAMES)
    key = f"enquete-{campaign['id']}"
    entry = history.Entry(f"enquete:{respondent}", "survey", f"campagne:{campaign['id']}",
                          campaign["question"])
    provenance = entry.provenance()
    ties: dict[str, Relationship] = {}
    unknown: list[str] = []
    for text, frequency in names:
        if not text.strip():
            continue
        if frequency not in FREQUENCIES:
            raise CampaignError("campaign.frequency", frequency=frequency, choices=", ".join(FREQUENCIES))
        other = resolve_name(territory, text)
        if other is None:
            unknown.append(text.strip()[:120])
        elif other != respondent:
            ties[other] = Relationship("COOPERATES_WITH", respondent, other, key, {
                "nature": "enquête", "frequency": frequency, "since": date.today().isoformat(),
                "origin": f"campagne:{campaign['id']}", "status": "declared", "declared_by": respondent},
                provenance)
    dropped = [("COOPERATES_WITH", respondent, other, key) for other in (before or {}).get("actors", [])
               if other not in ties]
    recorded = {"campaign": campaign["id"], "respondent": respondent, "at": entry.at,
                "actors": sorted(ties), "frequencies": {o: r.properties["frequency"] for o, r in ties.items()},
                "unknown": unknown}
    extra: list[RecordPut] = [(ANSWERS, answer_key(campaign["id"], respondent), recorded)]
    for name in unknown:  # waits for an animateur: never creates a person by itself
        if name not in (before or {}).get("unknown", []):
            proposal_id = "p" + history.new_id()[1:]
            extra.append((PROPOSALS, proposal_id, {
                "id": proposal_id, "kind": "actor", "values": {"name": name}, "by": f"enquete:{respondent}",
                "at": entry.at, "status": "pending", "source": f"campagne:{campaign['id']}",
                "note": respondent}))
    store.apply(Edit(Batch([], list(ties.values())), delete_relationships=dropped,
                     records=history.recorder(entry, extra)))
    return recorded


def dashboard(store: Store, territory: Territory, campaign_id: str) -> dict:
    """Response rate by service (partners apart), and what changed since the campaign before."""
    campaign = get_campaign(store, campaign_id)
    answered = {value["respondent"] for _, value in store.records(ANSWERS, campaign_id + "/")}
    by_group: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for respondent in campaign["respondents"]:
        group = territory.service_of.get(respondent) or "partenaires"
        by_group[group][0] += 1
        by_group[group][1] += respondent in answered
    rows = [{"service": group, "name": territory.name_of(group),
             "respondents": total, "answered": done, "rate": round(done / total, 3)}
            for group, (total, done) in sorted(by_group.items())]
    total = len(campaign["respondents"])
    earlier = [c for c in campaigns(store) if c["id"] < campaign_id]  # ids sort in time order
    return {"campaign": campaign, "respondents": total, "answered": len(answered),
            "rate": round(len(answered) / total, 3) if total else 0.0, "by_service": rows,
            "changes": compare(store, earlier[0]["id"], campaign_id) if earlier else None}


def ties_of(store: Store, campaign_id: str) -> set[tuple[str, str]]:
    """The ties a campaign's answers declared, each as an unordered pair."""
    pairs = set()
    for _, value in store.records(ANSWERS, campaign_id + "/"):
        for other in value["actors"]:
            respondent = value["respondent"]
            pairs.add((respondent, other) if respondent < other else (other, respondent))
    return pairs


def compare(store: Store, earlier: str, later: str) -> dict:
    """What a later campaign shows that an earlier one did not, and what it no longer shows."""
    before, after = ties_of(store, earlier), ties_of(store, later)
    return {"earlier": earlier, "new": sorted(after - before), "gone": sorted(before - after),
            "kept": len(before & after)}
