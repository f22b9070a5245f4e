"""A person's rights under the GDPR: access to everything held about them, and erasure.

**Access** (article 15, :func:`access`): the person's record, every relationship they have,
those others declared about them included, with provenance; the history of the changes
that touched them; their accounts and their survey answers.

**Erasure** (articles 17 and 21, :func:`erase`): the person and every relationship they have
are deleted, with no tombstone naming them; the history keeps that changes happened but
not their content about the person (each fact change mentioning them is removed, their
identifier and name are taken out of summaries and lists of what was touched); their
proposals, survey links and answers, accounts and tokens go; the store starts a new
epoch, so that every snapshot and every cached answer is read again without them; the
embedded file overwrites the freed space. The erasure itself is recorded: when, by whom,
not whom. Counts that do not identify them (a service's size) are recomputed without them.
"""
from __future__ import annotations

import json
import re
from typing import Any

from graph import accounts, campaigns, history, schema
from graph.answers import ANY_OBJECT, INTEGER, TEXT, array, obj
from graph.editing import PROPOSALS
from graph.errors import NotFound
from graph.i18n import Message
from graph.model import Node, Relationship
from graph.stores.base import RecordPut, Store

ERASED = "[effacé]"


def _person(store: Store, person_id: str) -> Node:
    node = store.get_node(person_id)
    if node is None or node.kind not in schema.ACTOR_LABELS:
        raise NotFound(Message("what.actor"), person_id)
    return node


def access(store: Store, person_id: str) -> dict[str, Any]:
    """Everything Maillage holds about *person_id* (a JSON-ready dict)."""
    node = _person(store, person_id)
    names: dict[str, str] = {}
    relationships = []
    for rel in store.relationships():
        if person_id not in (rel.source, rel.target):
            continue
        other = rel.target if rel.source == person_id else rel.source
        if other not in names:
            found = store.get_node(other)
            names[other] = found.name if found else other
        declared_by = rel.properties.get("declared_by")
        shown = history.fact_json(rel, provenance=True)
        assert shown is not None
        relationships.append({**shown, "direction": "out" if rel.source == person_id else "in",
                              "other": other, "other_name": names[other],
                              "declared_by_someone_else": bool(declared_by) and declared_by != person_id})
    entries = []
    for entry in history.entries(store, touching=person_id, limit=10**6, changes=True):
        mine = [history.change_json(c) for c in history.changes_of(store, entry) if _concerns(c.fact, person_id)]
        entries.append({**history.public(entry), "changes": mine})
    linked = [a.public() for a in accounts.all_accounts(store) if a.agent == person_id]
    answers = [value for _, value in store.records(campaigns.ANSWERS) if value["respondent"] == person_id]
    return {"person": history.fact_json(node, provenance=True), "relationships": relationships, "history": entries,
            "accounts": linked, "survey_answers": answers, "generated_at": history.now()}


def _concerns(fact: Node | Relationship, person_id: str) -> bool:
    return fact.id == person_id if isinstance(fact, Node) else person_id in (fact.source, fact.target)


def _mentions(value: Any, needles: tuple[re.Pattern, ...]) -> bool:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return any(needle.search(text) for needle in needles)


def _needles(node: Node) -> tuple[re.Pattern, ...]:
    """The person's identifier as a whole word (``ag-1`` is not in ``ag-12``), and their name."""
    found = [re.compile(r"(?<![\w.~-])" + re.escape(node.id) + r"(?![\w.~-])")]
    if len(node.name.strip()) >= 3:
        found.append(re.compile(re.escape(node.name.strip()), re.IGNORECASE))
    return tuple(found)


def _scrubbed_history(store: Store, needles: tuple[re.Pattern, ...], logins: set[str]) -> list[RecordPut]:
    """The history records that mention the person, without what they say of them."""
    puts: list[RecordPut] = []
    for key, entry in store.records(history.HISTORY):
        changed = dict(entry)
        changed["changes"] = [c for c in entry.get("changes", []) if not _mentions(c, needles)]
        changed["touched"] = [n for n in entry.get("touched", []) if not _mentions(n, needles)]
        for name in ("summary", "source"):
            if _mentions(entry.get(name) or "", needles):
                changed[name] = ERASED
        if entry.get("by") in logins or _mentions(entry.get("by") or "", needles):
            changed["by"] = ERASED
        if changed != entry:
            puts.append((history.HISTORY, key, changed))
    for key, part in store.records(history.PARTS):
        kept = [c for c in part["changes"] if not _mentions(c, needles)]
        if len(kept) != len(part["changes"]):
            puts.append((history.PARTS, key, {"changes": kept}))
    return puts


def _scrubbed_records(store: Store, person_id: str, needles: tuple[re.Pattern, ...]
                      ) -> tuple[list[RecordPut], set[str]]:
    """Proposals, campaigns, links, answers, accounts and tokens without the person; the logins removed."""
    puts: list[RecordPut] = []
    logins = {a.login for a in accounts.all_accounts(store) if a.agent == person_id}
    puts += [(accounts.ACCOUNTS, login, None) for login in logins]
    puts += [(accounts.THROTTLES, record, None) for login in logins
             for record in accounts.Throttle.account_records(store, login)]
    for collection in (accounts.TOKENS, accounts.INVITATIONS):
        puts += [(collection, key, None) for key, value in store.records(collection) if value["login"] in logins]
    puts += [(PROPOSALS, key, None) for key, value in store.records(PROPOSALS) if _mentions(value, needles)]
    puts += [(campaigns.LINKS, key, None) for key, value in store.records(campaigns.LINKS)
             if value["respondent"] == person_id]
    for key, value in store.records(campaigns.CAMPAIGNS):
        if person_id in value["respondents"] or person_id in value.get("partners", []):
            puts.append((campaigns.CAMPAIGNS, key, {
                **value, "respondents": [r for r in value["respondents"] if r != person_id],
                "partners": [p for p in value.get("partners", []) if p != person_id]}))
    for key, value in store.records(campaigns.ANSWERS):
        if value["respondent"] == person_id:
            puts.append((campaigns.ANSWERS, key, None))
        elif person_id in value["actors"]:
            puts.append((campaigns.ANSWERS, key, {
                **value, "actors": [a for a in value["actors"] if a != person_id],
                "frequencies": {a: f for a, f in value["frequencies"].items() if a != person_id}}))
    return puts, logins


# What the two rights answer (graph.answers): all that is held, and what an erasure did (counts, no name).
ACCESS = obj({"person": ANY_OBJECT, "relationships": array(ANY_OBJECT), "history": array(ANY_OBJECT),
              "accounts": array(ANY_OBJECT), "survey_answers": array(ANY_OBJECT), "generated_at": TEXT})
ERASURE = obj({"id": TEXT, "nodes_deleted": INTEGER, "relationships_deleted": INTEGER, "records_changed": INTEGER,
               "accounts_removed": INTEGER})


def erase(store: Store, person_id: str, by: str, source: str = "cli") -> dict[str, Any]:
    """Erase *person_id* from the store, its history and records (see the module). Returns what was done, without
    naming them."""
    node = _person(store, person_id)
    needles = _needles(node)
    records, logins = _scrubbed_records(store, person_id, needles)
    records += _scrubbed_history(store, needles, logins)
    record = store.erase([person_id], records)
    entry = history.Entry(by, "erase", source, "Effacement d'une personne (RGPD)")
    summary = {"nodes_deleted": record.nodes_deleted, "relationships_deleted": record.relationships_deleted,
               "records_changed": len(records), "accounts_removed": len(logins)}
    # Recorded without its changes: they are what was erased.
    store.put_records([(history.HISTORY, entry.id,
                        {**history.entry_value(entry, record), "parts": 0, "changes": [], "touched": []})])
    return {"id": entry.id, **summary}
