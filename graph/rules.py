"""The rules for an actor, a project, a participation, a cooperation and a funding: defined once.

Each rule reads one record's values by canonical (English) field name, checks them,
reports what is wrong at the *where* of each field, and returns the facts the record
asserts. The spreadsheet importers, the web forms and the write API call the same
rules: a spreadsheet row locates a field as its file, line and column, a form as its
field, a JSON body as a pointer (:mod:`graph.issues`).

A reference to another node (the actor of a participation…) is not resolved here:
the rule lists it (:class:`Reference`) and whoever knows the nodes resolves it with
:func:`resolve_references`: an import against what it declares and what is stored, an
API call against the store.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graph import schema
from graph.i18n import Message, Text
from graph.issues import Report, Where
from graph.model import Node, Provenance, Relationship
from graph.schema import is_valid_id, slugify, theme_id
from graph.values import parse_amount, parse_date, split_list

Locate = Callable[[str], Where]  # canonical field -> where it was read


@dataclass(slots=True)
class Reference:
    """*value*, read at *where*, must name a node of one of *kinds*."""

    where: Where
    value: str
    kinds: tuple[str, ...]


@dataclass
class Facts:
    """What one record asserts: its own node (declared once in an import), nodes it may share with other
    records (themes), relationships, and references still to resolve."""

    node: Node | None = None
    shared_nodes: list[Node] = field(default_factory=list)
    relationships: list[Relationship] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)


class Checker:
    """The values of one record, read and checked field by field; problems go to *report*.

    *known* (optional) tells the kind of an identifier already known for sure: a
    reference to it is checked at once instead of being listed (an import of a million
    rows names the same few thousand actors again and again).
    """

    __slots__ = ("facts", "known", "locate", "report", "values")

    def __init__(self, values: Mapping[str, Any], locate: Locate, report: Report,
                 known: Callable[[str], str | None] | None = None, facts: Any = None):
        """*facts*: where the facts go (a new :class:`Facts` by default; an import gives its own sink,
        which takes them straight in, row after row, the same checker reading each row's *values*)."""
        self.values, self.locate, self.report, self.known = values, locate, report, known
        self.facts = facts if facts is not None else Facts()

    def text(self, name: str) -> str:
        value = self.values.get(name)
        if value is None:
            return ""
        return value.strip() if value.__class__ is str else str(value).strip()

    def error(self, name: str, value: Any, expectation: Text) -> None:
        self.report.add(self.locate(name), value, expectation, "error")

    def warning(self, name: str, value: Any, expectation: Text) -> None:
        self.report.add(self.locate(name), value, expectation, "warning")

    def required(self, name: str) -> str | None:
        value = self.text(name)
        if not value:
            self.error(name, "", Message("expect.required"))
            return None
        return value

    def identifier(self, name: str) -> str | None:
        value = self.required(name)
        if value is not None and not is_valid_id(value):
            self.error(name, value, Message("expect.id"))
            return None
        return value

    def date(self, name: str) -> str | None:
        raw = self.values.get(name)
        try:
            return parse_date(raw if isinstance(raw, str) else ("" if raw is None else str(raw)))
        except ValueError:
            self.error(name, raw, Message("expect.date"))
            return None

    def amount(self, name: str) -> float | None:
        raw = self.values.get(name)
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return float(raw)
        try:
            return parse_amount("" if raw is None else str(raw))
        except ValueError:
            self.error(name, raw, Message("expect.amount"))
            return None

    def refer(self, name: str, kinds: tuple[str, ...], required: bool = False) -> str | None:
        """The identifier in field *name*, to be resolved to a node of one of *kinds*."""
        value = self.text(name)
        if not value:
            if required:
                self.error(name, "", Message("expect.required"))
            return None
        if self.known is None or self.known(value) not in kinds:
            self.facts.references.append(Reference(self.locate(name), value, kinds))
        return value

    def themes(self, owner: str, rel_type: str, provenance: Provenance | None) -> None:
        raw = self.values.get("themes")
        labels = raw if isinstance(raw, list) else split_list(self.text("themes"))
        for label in labels:
            if not slugify(label):
                self.error("themes", label, Message("expect.required"))
                continue
            theme = Node(schema.THEME.label, theme_id(label), label, {}, provenance)
            self.facts.shared_nodes.append(theme)
            self.facts.relationships.append(Relationship(rel_type, owner, theme.id, "", {}, provenance))


# --- the records ---------------------------------------------------------------------------------
def actor(c: Checker, provenance: Provenance | None) -> Facts:
    """An actor: ``id``, ``kind`` (a word of :data:`graph.schema.ACTOR_TYPE_WORDS`), ``name``, and
    ``service`` (an agent's service, a service's parent), ``category``, ``job_title``, ``siret``, ``rna``,
    ``commune``, ``themes``, ``description``."""
    node_id, type_word, name = c.identifier("id"), c.required("kind"), c.required("name")
    kind = schema.actor_kind(type_word)
    if type_word and kind is None:
        choices = ", ".join(k.template_type for k in schema.NODE_KINDS.values() if k.is_actor)
        c.error("kind", type_word, Message("expect.type", choices=choices))
    if not (node_id and kind and name):
        return c.facts
    service = c.text("service")
    properties: dict[str, Any] = {"category": c.text("category"), "description": c.text("description")}
    if kind == schema.AGENT.label:
        properties = {"job_title": c.text("job_title"), "service": service}
    elif kind in schema.ORGANISATION_LABELS:
        properties.update(siret=c.text("siret").replace(" ", ""), rna=c.text("rna").upper(),
                          commune=c.text("commune"))
        if kind == schema.PARTNER.label:
            properties.pop("rna")
    c.facts.node = Node(kind, node_id, name, properties, provenance)
    if service and kind in (schema.AGENT.label, schema.SERVICE.label):
        c.refer("service", (schema.SERVICE.label,))
        rel_type = "MEMBER_OF" if kind == schema.AGENT.label else "PART_OF"
        c.facts.relationships.append(Relationship(rel_type, node_id, service, "", {}, provenance))
    c.themes(node_id, "ENGAGED_IN", provenance)
    return c.facts


def project(c: Checker, provenance: Provenance | None) -> Facts:
    """A project: ``id``, ``name``, ``status``, ``since``, ``until``, ``themes``, ``description``."""
    node_id, name = c.identifier("id"), c.required("name")
    since, until = c.date("since"), c.date("until")
    if not (node_id and name):
        return c.facts
    c.facts.node = Node(schema.PROJECT.label, node_id, name,
                        {"status": c.text("status"), "since": since, "until": until,
                         "description": c.text("description")}, provenance)
    c.themes(node_id, "ADDRESSES", provenance)
    return c.facts


def participation(c: Checker, provenance: Provenance | None) -> Facts:
    """An actor's part in a project: ``actor``, ``project``, ``role`` (contributor by default), ``since``, ``until``."""
    actor_id = c.refer("actor", schema.ACTOR_LABELS, required=True)
    project_id = c.refer("project", (schema.PROJECT.label,), required=True)
    role_word = c.text("role")
    role = schema.PARTICIPATION_ROLES.get(slugify(role_word)) if role_word else "contributor"
    if role is None:
        choices = ", ".join(sorted(schema.ROLE_LABELS_FR.values()))
        c.error("role", role_word, Message("expect.role", choices=choices))
    since, until = c.date("since"), c.date("until")
    if actor_id and project_id and role:
        c.facts.relationships.append(Relationship("PARTICIPATES_IN", actor_id, project_id, role,
                                                  {"role": role, "since": since, "until": until}, provenance))
    return c.facts


def cooperation_key(nature: str) -> str:
    """What tells apart two cooperations declared between the same two actors: their nature."""
    return slugify(nature)


def cooperation(c: Checker, provenance: Provenance | None) -> Facts:
    """A declared cooperation: ``actor_a``, ``actor_b`` (two different actors), ``nature``, ``frequency``,
    ``since``, ``until``, ``origin``."""
    a = c.refer("actor_a", schema.ACTOR_LABELS, required=True)
    b = c.refer("actor_b", schema.ACTOR_LABELS, required=True)
    since, until = c.date("since"), c.date("until")
    if a and b and a == b:
        c.error("actor_b", b, Message("expect.same_actor"))
        return c.facts
    if a and b:
        nature = c.text("nature")
        c.facts.relationships.append(Relationship(
            "COOPERATES_WITH", a, b, cooperation_key(nature),
            {"nature": nature, "frequency": c.text("frequency"), "since": since, "until": until,
             "origin": c.text("origin")}, provenance))
    return c.facts


def funding(c: Checker, provenance: Provenance | None, fallback_key: str = "") -> Facts:
    """A grant: ``funder``, ``beneficiary`` or ``project`` (one of the two), ``amount``, ``date``, ``object``,
    ``reference``. *fallback_key* tells two grants apart when nothing else does (a file's line)."""
    funder = c.refer("funder", schema.ACTOR_LABELS, required=True)
    beneficiary = c.refer("beneficiary", schema.ACTOR_LABELS)
    project_id = c.refer("project", (schema.PROJECT.label,))
    amount, when = c.amount("amount"), c.date("date")
    if not (beneficiary or project_id):
        c.error("beneficiary", "", Message("expect.target"))
        return c.facts
    if funder:
        reference, obj = c.text("reference"), c.text("object")
        key = slugify(reference) or slugify(f"{when or ''} {obj} {project_id or ''}") or fallback_key
        c.facts.relationships.append(Relationship(
            "FUNDS", funder, beneficiary or project_id or "", key,
            {"amount": amount, "date": when, "object": obj, "reference": reference,
             "project": project_id if beneficiary else None, "since": when}, provenance))
    return c.facts


RECORDS: dict[str, Callable[..., Facts]] = {
    "actor": actor, "project": project, "participation": participation, "cooperation": cooperation,
    "funding": funding}


def resolve_references(references: Iterable[Reference], kind_of: Callable[[set[str]], dict[str, str]],
                       report: Report) -> None:
    """Report each reference that names no node, or a node of another kind.

    *kind_of* gives the kind of those of some identifiers that exist (the import's own
    nodes, then the store's).
    """
    references = list(references)
    kinds = kind_of({ref.value for ref in references})
    for ref in references:
        kind = kinds.get(ref.value)
        if kind is not None and kind in ref.kinds:
            continue
        names = KindNames(ref.kinds) if len(ref.kinds) < 3 else Message("what.actor")
        if kind is None:
            report.add(ref.where, ref.value, Message("expect.reference", kinds=names))
        else:
            report.add(ref.where, ref.value, Message("expect.reference_kind", kinds=names, actual=KindNames((kind,))))


class KindNames:
    """Node kinds as people call them (« service / projet »), written in the reader's language when shown."""

    __slots__ = ("kinds",)

    def __init__(self, kinds: tuple[str, ...]):
        self.kinds = kinds

    def render(self, lang: str | None = None) -> str:
        return " / ".join(schema.kind_name(kind, lang) for kind in self.kinds)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KindNames) and other.kinds == self.kinds

    def __hash__(self) -> int:
        return hash(self.kinds)

    def __repr__(self) -> str:
        return f"KindNames({self.kinds!r})"
