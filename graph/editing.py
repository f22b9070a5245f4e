"""People changing the map: actors, projects and ties created, edited, retired, confirmed and disputed.

One place for every change a person makes, whatever the surface: the web forms, the
write API and the survey pages call these functions. Each one checks the values with
the rules the importers use (:mod:`graph.rules`), reporting at the form field or JSON
pointer it is given, checks who may do it, and applies one
:class:`graph.stores.base.Edit` whose preconditions carry the ``ETag`` the person read
(optimistic concurrency) and whose records carry its history entry
(:mod:`graph.history`).

An actor's or project's ``ETag`` is its state tag (:func:`graph.model.state_tag`): its
content and the relationships its record carries (service, parent, themes). A tie's is
its content digest.
"""
from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from graph import history, rules, schema
from graph.accounts import role_at_least
from graph.errors import NotFound
from graph.i18n import Message
from graph.issues import FormField, JsonPointer, Report, Where
from graph.model import Batch, ChangeRecord, Node, Relationship, state_tag
from graph.stores.base import Conflict, Edit, RecordPut, Store

PROPOSALS = "proposals"


@dataclass(frozen=True)
class Author:
    """Who makes a change: an account's *login* and *role*, the actor it speaks for, and the surface
    (*source*: ``api``, ``form``, ``campagne:<id>``…)."""

    login: str
    role: str
    agent: str | None = None
    source: str = "api"

    def may(self, role: str) -> bool:
        return role_at_least(self.role, role)


class Invalid(ValueError):
    """The values given break a rule; *report* says where, what and what was expected."""

    def __init__(self, report: Report):
        self.report = report
        super().__init__("; ".join(issue.message() for issue in report.errors))


class Forbidden(PermissionError):
    """This account's role may not do this; *reason* is a message key (``forbidden.*``)."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class Exists(ValueError):
    """Something with this identifier exists already."""

    def __init__(self, identifier: str):
        self.identifier = identifier
        super().__init__(identifier)


Locate = Callable[[str], Where]


def json_locate(field: str) -> Where:
    return JsonPointer.to(field)


def form_locate(field: str) -> Where:
    return FormField(field)


@dataclass(frozen=True)
class RecordKind:
    """What a person edits as one record: an actor or a project."""

    name: str  # actor | project
    labels: tuple[str, ...]
    rule: Callable[..., rules.Facts]
    fields: tuple[str, ...]
    theme_type: str


ACTOR = RecordKind("actor", schema.ACTOR_LABELS, rules.actor,
                   ("id", "kind", "name", "service", "job_title", "category", "description", "siret", "rna",
                    "commune", "themes"), "ENGAGED_IN")
PROJECT = RecordKind("project", (schema.PROJECT.label,), rules.project,
                     ("id", "name", "status", "since", "until", "description", "themes"), "ADDRESSES")
def _theme_rule(c: rules.Checker, provenance) -> rules.Facts:
    """A theme's record: its ``id`` and ``name`` (its label; the identifier stays when it is renamed)."""
    node_id, name = c.identifier("id"), c.required("name")
    if node_id and name:
        c.facts.node = Node(schema.THEME.label, node_id, name, {}, provenance)
    return c.facts


THEME = RecordKind("theme", (schema.THEME.label,), _theme_rule, ("id", "name"), "")
RECORD_KINDS = {kind.name: kind for kind in (ACTOR, PROJECT, THEME)}
COOPERATION_FIELDS = ("actor_a", "actor_b", "nature", "frequency", "since", "until", "origin")
COOPERATION_EDITABLE = ("nature", "frequency", "since", "until")


def today() -> str:
    return date.today().isoformat()


def _shape(values: Mapping[str, Any], allowed: tuple[str, ...], locate: Locate, report: Report) -> dict[str, Any]:
    """The values of known fields, each a text (``themes`` may be a list of texts); others reported."""
    shaped: dict[str, Any] = {}
    for name, value in values.items():
        if name not in allowed:
            report.add(locate(name), value, Message("expect.known_field", fields=", ".join(allowed)))
        elif name == "themes" and isinstance(value, list) and all(isinstance(v, str) for v in value):
            shaped[name] = value
        elif value is None or isinstance(value, str):
            shaped[name] = value or ""
        else:
            report.add(locate(name), value, Message("expect.text"))
    return shaped


def _checked(rule: Callable[..., rules.Facts], values: dict[str, Any], locate: Locate, provenance, store: Store,
             report: Report | None = None) -> rules.Facts:
    """The facts *rule* reads in *values*, checked, their references resolved against the store (and the record's
    own node); every problem, with those already in *report* (the body's shape), raised at once as
    :class:`Invalid`."""
    report = report if report is not None else Report()
    facts = rule(rules.Checker(values, locate, report), provenance)
    own = {facts.node.id: facts.node.kind} if facts.node is not None else {}

    def kind_of(ids: set[str]) -> dict[str, str]:
        return {**store.kinds_of(ids - set(own)), **{i: k for i, k in own.items() if i in ids}}

    rules.resolve_references(facts.references, kind_of, report)
    if report.errors:
        raise Invalid(report)
    return facts


# --- reading ------------------------------------------------------------------------------------------
def read_record(store: Store, kind: RecordKind, node_id: str) -> tuple[Node, list[Relationship], str]:
    """The node, the relationships its record carries, and its ETag; :class:`NotFound` when there is none."""
    node = store.get_node(node_id)
    if node is None or node.kind not in kind.labels:
        raise NotFound(Message("what." + kind.name), node_id)
    owned = store.outgoing(node_id, schema.OWNED_TYPES)
    return node, owned, state_tag(node.digest(), [rel.digest() for rel in owned])


def record_values(store: Store, node: Node, owned: list[Relationship],
                  theme_names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A record as its form and its JSON show it (canonical field names). *theme_names*: the names of its themes
    when the caller has them (a change just written), else they are read."""
    values: dict[str, Any] = {"id": node.id, "name": node.name}
    if node.kind in schema.ACTOR_LABELS:
        values["kind"] = schema.NODE_KINDS[node.kind].template_type
    for name in ("service", "job_title", "category", "description", "siret", "rna", "commune", "status", "since",
                 "until"):
        if node.properties.get(name) not in (None, ""):
            values[name] = node.properties[name]
    for rel in owned:
        if rel.type in ("MEMBER_OF", "PART_OF"):
            values["service"] = rel.target
    theme_ids = [rel.target for rel in owned if rel.type in ("ENGAGED_IN", "ADDRESSES")]
    names = dict(theme_names or {})
    for tid in theme_ids:
        if tid not in names:
            names[tid] = (store.get_node(tid) or Node("Theme", tid, tid)).name
    values["themes"] = [names[tid] for tid in theme_ids]
    return values


def _record_json(store: Store, node: Node, owned: list[Relationship], tag: str,
                 theme_names: Mapping[str, str] | None = None) -> tuple[dict, str]:
    body = record_values(store, node, owned, theme_names)
    if node.kind in schema.ACTOR_LABELS:
        body["kind_label"] = node.kind
    return body, tag


def record_json(store: Store, kind: RecordKind, node_id: str) -> tuple[dict, str]:
    """A record's JSON and ETag, read from the store."""
    return _record_json(store, *read_record(store, kind, node_id))


def _written_json(store: Store, node: Node, owned: list[Relationship], themes: list[Node]) -> tuple[dict, str]:
    """The JSON and ETag of a record as a change has just written it: computed, not read back (its content and
    the relationships it carries are known; the ETag is made as the store makes it)."""
    tag = state_tag(node.digest(), [rel.digest() for rel in owned])
    return _record_json(store, node, owned, tag, {theme.id: theme.name for theme in themes})


# --- actors and projects --------------------------------------------------------------------------------
def create_record(store: Store, kind: RecordKind, values: Mapping[str, Any], author: Author,
                  locate: Locate = json_locate, also: list[RecordPut] | None = None) -> tuple[dict, str]:
    """Create an actor or a project (animateur and above); its JSON and ETag. *also*: records put with it."""
    if not author.may("animateur"):
        raise Forbidden("forbidden.create")
    report = Report()
    shaped = _shape(values, kind.fields, locate, report)
    entry = history.Entry(author.login, "create", author.source)
    facts = _checked(kind.rule, shaped, locate, entry.provenance(), store, report=report)
    assert facts.node is not None
    entry.summary = facts.node.name
    edit = Edit(Batch([facts.node, *facts.shared_nodes], facts.relationships),
                expect_states={facts.node.id: None}, records=history.recorder(entry, also))
    try:
        store.apply(edit)
    except Conflict:
        raise Exists(facts.node.id) from None
    owned = [rel for rel in facts.relationships if rel.type in schema.OWNED_TYPES]
    return _written_json(store, facts.node, owned, facts.shared_nodes)


def may_edit_record(author: Author, node_id: str, kind: RecordKind | None = None) -> bool:
    """Animateurs edit every record; a contributor, the profile of the actor the account speaks for."""
    own_profile = kind is None or kind.name == "actor"
    return author.may("animateur") or (own_profile and author.may("contributeur") and author.agent == node_id)


def update_record(store: Store, kind: RecordKind, node_id: str, changes: Mapping[str, Any], author: Author,
                  if_match: str | None = None, locate: Locate = json_locate) -> tuple[dict, str]:
    """Change some fields of an actor or a project; its JSON and new ETag.

    With *if_match*, the change is made only if the record is still as that ETag says
    (:class:`Conflict` otherwise). Without it, a change made meanwhile by someone else is
    read again and this change applied over it (at most three times).
    """
    if not may_edit_record(author, node_id, kind):
        raise Forbidden("forbidden.edit")
    report = Report()
    shaped = _shape(changes, kind.fields, locate, report)
    if "id" in shaped and shaped["id"] != node_id:
        report.add(locate("id"), shaped["id"], Message("expect.same_id", id=node_id))
    if report.errors:
        raise Invalid(report)
    attempts = 0
    while True:
        node, owned, tag = read_record(store, kind, node_id)
        if if_match is not None and if_match != tag:
            raise Conflict([node_id])
        entry = history.Entry(author.login, "update", author.source, node.name)
        values = {**record_values(store, node, owned), **shaped}
        facts = _checked(kind.rule, values, locate, entry.provenance(), store)
        assert facts.node is not None
        # Properties the form does not show (an association's postcode…) stay; those it shows take the rule's value.
        properties = {**node.properties,
                      **{k: v for k, v in facts.node.properties.items() if k in shaped or v not in (None, "")}}
        new_node = Node(facts.node.kind, node_id, facts.node.name, properties, entry.provenance())
        current = {rel.identity: rel for rel in owned}
        wanted = {rel.identity: rel for rel in facts.relationships}
        edit = Edit(Batch([new_node, *facts.shared_nodes], [rel for i, rel in wanted.items() if i not in current]),
                    delete_relationships=[i for i in current if i not in wanted],
                    expect_states={node_id: if_match or tag}, records=history.recorder(entry))
        try:
            store.apply(edit)
        except Conflict:
            attempts += 1
            if if_match is not None or attempts == 3:
                raise
            continue
        kept = [rel for i, rel in current.items() if i in wanted]
        return _written_json(store, new_node, kept + [rel for i, rel in wanted.items() if i not in current],
                             facts.shared_nodes)


def retire_record(store: Store, kind: RecordKind, node_id: str, author: Author, if_match: str | None = None,
                  until: str | None = None) -> ChangeRecord:
    """End an actor's or a project's validity today (its facts stay, for history and "as of" questions)."""
    if not author.may("animateur"):
        raise Forbidden("forbidden.retire")
    node, _, tag = read_record(store, kind, node_id)
    entry = history.Entry(author.login, "retire", author.source, node.name)
    return store.apply(Edit(retire_nodes=[node_id], until=until or today(), provenance=entry.provenance(),
                            expect_states={node_id: if_match or tag}, records=history.recorder(entry)))


# --- ties -------------------------------------------------------------------------------------------------
def cooperation_id(identity: tuple[str, str, str, str]) -> str:
    """A tie's identifier in URLs: its two ends and its key, encoded (no lookup table needed)."""
    raw = json.dumps([identity[1], identity[2], identity[3]], ensure_ascii=False, separators=(",", ":"))
    return "c-" + base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


def cooperation_identity(coop_id: str) -> tuple[str, str, str, str]:
    """The identity a :func:`cooperation_id` names; :class:`NotFound` for anything else."""
    try:
        if not coop_id.startswith("c-"):
            raise ValueError(coop_id)
        text = coop_id[2:]
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        source, target, key = json.loads(raw.decode("utf-8"))
        if not all(isinstance(part, str) for part in (source, target, key)):
            raise ValueError(coop_id)
    except (ValueError, binascii.Error, UnicodeDecodeError, TypeError):
        raise NotFound(Message("what.cooperation"), coop_id) from None
    return ("COOPERATES_WITH", source, target, key)


def status_of(rel: Relationship) -> str:
    return rel.properties.get("status") or "declared"


def cooperation_json(rel: Relationship) -> dict:
    body = {"id": cooperation_id(rel.identity), "actor_a": rel.source, "actor_b": rel.target,
            "status": status_of(rel)}
    for name in ("nature", "frequency", "since", "until", "origin", "declared_by", "status_by", "status_at",
                 "reason"):
        if rel.properties.get(name) not in (None, ""):
            body[name] = rel.properties[name]
    return body


def read_cooperation(store: Store, coop_id: str) -> tuple[Relationship, str]:
    identity = cooperation_identity(coop_id)
    for rel in store.outgoing(identity[1], ("COOPERATES_WITH",)):
        if rel.identity == identity:
            return rel, rel.digest()
    raise NotFound(Message("what.cooperation"), coop_id)


def _sides(rel: Relationship) -> tuple[str, str]:
    return rel.source, rel.target


def declare(store: Store, values: Mapping[str, Any], author: Author, locate: Locate = json_locate,
            entry_kind: str = "declare") -> tuple[dict, str]:
    """Declare a tie: a contributor, one of their own; an animateur, any. It is *déclaré* until the other
    side confirms or disputes it."""
    if not author.may("contributeur"):
        raise Forbidden("forbidden.declare")
    report = Report()
    shaped = _shape(values, COOPERATION_FIELDS, locate, report)
    if report.errors:
        raise Invalid(report)
    if not author.may("animateur") and author.agent not in (shaped.get("actor_a"), shaped.get("actor_b")):
        raise Forbidden("forbidden.not_your_tie")
    entry = history.Entry(author.login, entry_kind, author.source)
    facts = _checked(rules.cooperation, shaped, locate, entry.provenance(), store)
    rel = facts.relationships[0]
    declared_by = author.agent if author.agent in _sides(rel) else author.login
    rel.properties.update(status="declared", declared_by=declared_by)
    entry.summary = f"{rel.source} — {rel.target}"
    try:
        store.apply(Edit(Batch([], [rel]), expect_facts={rel.identity: None}, records=history.recorder(entry)))
    except Conflict:
        raise Exists(cooperation_id(rel.identity)) from None
    return cooperation_json(rel), rel.digest()


def _may_touch_tie(author: Author, rel: Relationship) -> bool:
    return author.may("animateur") or (author.may("contributeur") and author.agent in _sides(rel))


def update_cooperation(store: Store, coop_id: str, changes: Mapping[str, Any], author: Author,
                       if_match: str | None = None, locate: Locate = json_locate) -> tuple[dict, str]:
    """Change a tie's nature, frequency or dates (its two ends and identifier stay)."""
    rel, digest = read_cooperation(store, coop_id)
    if not _may_touch_tie(author, rel):
        raise Forbidden("forbidden.not_your_tie")
    if if_match is not None and if_match != digest:
        raise Conflict([rel.identity])
    report = Report()
    shaped = _shape(changes, COOPERATION_FIELDS, locate, report)
    for name in ("actor_a", "actor_b"):
        if name in shaped and shaped[name] != {"actor_a": rel.source, "actor_b": rel.target}[name]:
            report.add(locate(name), shaped[name], Message("expect.tie_ends"))
    if report.errors:
        raise Invalid(report)
    entry = history.Entry(author.login, "update", author.source, f"{rel.source} — {rel.target}")
    values = {"actor_a": rel.source, "actor_b": rel.target,
              **{k: rel.properties.get(k) or "" for k in COOPERATION_EDITABLE + ("origin",)}, **shaped}
    facts = _checked(rules.cooperation, values, locate, entry.provenance(), store)
    new = facts.relationships[0]
    properties = {**rel.properties, **{k: v for k, v in new.properties.items() if k in shaped}}
    after = Relationship(rel.type, rel.source, rel.target, rel.key, properties, entry.provenance())
    store.apply(Edit(Batch([], [after]), expect_facts={rel.identity: if_match or digest},
                     records=history.recorder(entry)))
    return cooperation_json(after), after.digest()


def retire_cooperation(store: Store, coop_id: str, author: Author, if_match: str | None = None) -> ChangeRecord:
    rel, digest = read_cooperation(store, coop_id)
    if not _may_touch_tie(author, rel):
        raise Forbidden("forbidden.not_your_tie")
    entry = history.Entry(author.login, "retire", author.source, f"{rel.source} — {rel.target}")
    return store.apply(Edit(retire_relationships=[rel.identity], until=today(), provenance=entry.provenance(),
                            expect_facts={rel.identity: if_match or digest}, records=history.recorder(entry)))


def answer_tie(store: Store, coop_id: str, author: Author, status: str, reason: str = "",
               if_match: str | None = None) -> tuple[dict, str]:
    """The other side confirms (``confirmed``) or disputes (``disputed``, with a reason) a declared tie.

    Only an account that speaks for one of its two ends, and not the one that declared
    it, may: a confirmation means both sides stand behind the tie.
    """
    rel, digest = read_cooperation(store, coop_id)
    if not author.may("contributeur") or author.agent not in _sides(rel) \
            or author.agent == rel.properties.get("declared_by"):
        raise Forbidden("forbidden.other_side")
    if if_match is not None and if_match != digest:
        raise Conflict([rel.identity])
    if len(reason) > 500:
        report = Report()
        report.add(JsonPointer.to("reason"), reason[:40] + "…", Message("expect.text_max", max=500))
        raise Invalid(report)
    kind = {"confirmed": "confirm", "disputed": "dispute"}[status]
    entry = history.Entry(author.login, kind, author.source, f"{rel.source} — {rel.target}")
    properties = {**rel.properties, "status": status, "status_by": author.agent, "status_at": entry.at,
                  "reason": reason if status == "disputed" else None}
    after = Relationship(rel.type, rel.source, rel.target, rel.key, properties, rel.provenance)
    store.apply(Edit(Batch([], [after]), expect_facts={rel.identity: if_match or digest},
                     records=history.recorder(entry)))
    return cooperation_json(after), after.digest()


# --- proposals ----------------------------------------------------------------------------------------------
def propose(store: Store, kind: RecordKind, values: Mapping[str, Any], author: Author,
            locate: Locate = json_locate, note: str = "") -> dict:
    """A contributor's new actor or project, checked by the same rules, waiting for an animateur."""
    if not author.may("contributeur"):
        raise Forbidden("forbidden.propose")
    report = Report()
    shaped = _shape(values, kind.fields, locate, report)
    facts = _checked(kind.rule, shaped, locate, None, store, report=report)
    assert facts.node is not None
    if store.kinds_of([facts.node.id]):
        raise Exists(facts.node.id)
    proposal: dict[str, Any] = {"id": history.new_id().replace("h", "p", 1), "kind": kind.name, "values": shaped,
                "by": author.login, "at": history.now(), "status": "pending", "source": author.source, "note": note}
    store.put_records([(PROPOSALS, proposal["id"], proposal)])
    return proposal


def proposals(store: Store, status: str | None = "pending") -> list[dict]:
    return [value for _, value in store.records(PROPOSALS) if status is None or value["status"] == status]


def decide(store: Store, proposal_id: str, author: Author, accept: bool, values: Mapping[str, Any] | None = None
           ) -> dict:
    """An animateur accepts (the record is created, as they may amend it) or rejects a proposal."""
    if not author.may("animateur"):
        raise Forbidden("forbidden.validate")
    proposal = store.get_record(PROPOSALS, proposal_id)
    if proposal is None:
        raise NotFound(Message("what.proposal"), proposal_id)
    if proposal["status"] != "pending":
        raise Exists(proposal_id)
    decided = {**proposal, "status": "accepted" if accept else "rejected", "decided_by": author.login,
               "decided_at": history.now()}
    if accept:
        create_record(store, RECORD_KINDS[proposal["kind"]], values or proposal["values"], author,
                      also=[(PROPOSALS, proposal_id, decided)])
    else:
        store.put_records([(PROPOSALS, proposal_id, decided)])
    return decided
