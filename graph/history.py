"""The history of every change: who, when, what, before and after, from which source; and undo.

Each change a person makes (a form, an API call, a survey answer, a confirmation, an
undo) is recorded with it, in the same transaction (:class:`graph.stores.base.Edit`).
An import is recorded when it has been written: on Neo4j a large import is written in
several transactions (so that a killed one can be resumed), and its history entry comes
after the last.

An entry is a record of the ``history`` collection; its fact changes are kept in it,
or, beyond :data:`INLINE` of them (an import), in parts of the ``history-changes``
collection. Entry ids sort in time order.

Undoing a change puts back each fact as it was before (what it created is deleted,
what it updated, retired or deleted is written back), in one edit whose preconditions
are that every fact is still as the change left it: an undo never overwrites a later
change silently (:class:`graph.stores.base.Conflict` names what changed since).
Themes a change created are left in place: other records may have come to use them.
"""
from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from graph import schema
from graph.model import Batch, ChangeRecord, FactChange, Node, Provenance, Relationship, _compact, _expanded
from graph.stores.base import Edit, RecordPut, Store

HISTORY = "history"
PARTS = "history-changes"
INLINE = 2000  # fact changes kept in the entry itself; more go to parts of this many
KINDS = ("import", "create", "update", "retire", "delete", "declare", "confirm", "dispute", "survey",
         "proposal", "undo", "erase")


def now() -> str:
    """The current time, ISO 8601 in UTC to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id() -> str:
    """An entry id: time-ordered (nanoseconds), then random, so that ids sort as changes happened."""
    return f"h{time.time_ns():019d}{os.urandom(3).hex()}"


@dataclass
class Entry:
    """What one change is about: *by* (an account's login, or ``cli``), *kind* (one of :data:`KINDS`),
    *source* (``api``, ``form``, ``import:<file>``, ``campagne:<id>``…), a *summary* for people."""

    by: str
    kind: str
    source: str
    summary: str = ""
    id: str = field(default_factory=new_id)
    at: str = field(default_factory=now)
    undoes: str | None = None

    def provenance(self) -> Provenance:
        """The provenance the facts this change writes carry."""
        own = self.source.startswith(("import:", "campagne:"))
        return Provenance(self.source if own else f"{self.source}:{self.by}", None,
                          "survey" if self.kind == "survey" else "user", self.at)


def _touched(changes: Iterable[FactChange]) -> list[str]:
    """The nodes a change touched: each node changed, and both ends of each relationship changed."""
    found: dict[str, None] = {}
    for change in changes:
        fact = change.fact
        if isinstance(fact, Node):
            found[fact.id] = None
        else:
            found[fact.source] = None
            found[fact.target] = None
    return list(found)


def entry_value(entry: Entry, record: ChangeRecord) -> dict[str, Any]:
    """An entry's record, before its changes and what they touched are added."""
    return {"id": entry.id, "at": entry.at, "by": entry.by, "kind": entry.kind, "source": entry.source,
            "summary": entry.summary, "counts": record.as_dict(), "undoes": entry.undoes, "undone_by": None}


def _parts(entry: Entry, record: ChangeRecord, touched: dict[str, None]) -> Iterator[RecordPut]:
    """The fact changes of *record* as records of :data:`PARTS`, :data:`INLINE` at a time; the nodes they
    touch (the first thousand) go into *touched*."""
    compact: list = []
    number = 0
    for change in record.changes:
        compact.append([change.op, _compact(change.before), _compact(change.after)])
        if len(touched) < 1000:
            touched.update(dict.fromkeys(_touched([change])))
        if len(compact) == INLINE:
            yield (PARTS, f"{entry.id}/{number:06d}", {"changes": compact})
            compact, number = [], number + 1
    if compact:
        yield (PARTS, f"{entry.id}/{number:06d}", {"changes": compact})


def entry_records(entry: Entry, record: ChangeRecord) -> list[RecordPut]:
    """The records of *entry* with the changes of *record* (nothing when it changed nothing)."""
    if not record.changed:
        return []
    value = entry_value(entry, record)
    touched: dict[str, None] = {}
    parts = list(_parts(entry, record, touched))
    if len(parts) <= 1:
        value.update(parts=0, changes=parts[0][2]["changes"] if parts else [])  # type: ignore[index]
        parts = []
    else:
        value.update(parts=len(parts), changes=[])
    value["touched"] = list(touched)
    return [(HISTORY, entry.id, value), *parts]


def recorder(entry: Entry, also: list[RecordPut] | None = None):
    """What :attr:`Edit.records` takes: the entry's records from the change, and *also* (other records the
    change puts, such as a proposal marked accepted) when it changed something."""
    def records(record: ChangeRecord) -> list[RecordPut]:
        found = entry_records(entry, record)
        return found + list(also or []) if found else list(also or [])
    return records


def record_write(store: Store, entry: Entry, record: ChangeRecord) -> None:
    """Record a change already written (an import): its changes in parts, a few at a time (an import of a
    million facts is never held twice in memory), then the entry, which names how many parts it has."""
    if not record.changed:
        return
    touched: dict[str, None] = {}
    pending: list[RecordPut] = []
    count = 0
    for part in _parts(entry, record, touched):
        pending.append(part)
        count += 1
        if len(pending) == 25:
            store.put_records(pending)
            pending = []
    store.put_records(pending)
    value = {**entry_value(entry, record), "parts": count, "changes": [], "touched": list(touched)}
    store.put_records([(HISTORY, entry.id, value)])


def get(store: Store, change_id: str) -> dict | None:
    return store.get_record(HISTORY, change_id)


def changes_of(store: Store, entry: dict) -> list[FactChange]:
    """The fact changes of a history entry, in the order they were made."""
    compact = list(entry.get("changes") or [])
    if entry.get("parts"):
        for _, part in store.records(PARTS, entry["id"] + "/"):
            compact += part["changes"]
    return [FactChange(op, _expanded(_tuple(before)), _expanded(_tuple(after))) for op, before, after in compact]


def _tuple(values: list | None) -> tuple | None:
    if values is None:
        return None
    provenance = values[-1]
    return (*values[:-1], tuple(provenance) if provenance is not None else None)


def entries(store: Store, *, by: str | None = None, kind: str | None = None, since: str | None = None,
            until: str | None = None, touching: str | None = None, limit: int = 100,
            changes: bool = False) -> list[dict]:
    """History entries, newest first, filtered by person, kind, date (``since``/``until``: ISO dates or times,
    inclusive) and node touched; with *changes*, as stored (for :func:`changes_of`), else without their fact
    changes."""
    found = []
    for _, entry in reversed(store.records(HISTORY)):
        if (by and entry["by"] != by) or (kind and entry["kind"] != kind):
            continue
        if (since and entry["at"] < since) or (until and entry["at"][:len(until)] > until):
            continue
        if touching and touching not in entry.get("touched", ()):
            continue
        found.append(entry if changes else {k: v for k, v in entry.items() if k != "changes"})
        if len(found) >= limit:
            break
    return found


class AlreadyUndone(Exception):
    def __init__(self, change_id: str, by: str):
        self.change_id, self.by = change_id, by
        super().__init__(f"{change_id} already undone by {by}")


def undo(store: Store, change_id: str, by: str, source: str = "api") -> tuple[Entry, ChangeRecord]:
    """Undo the change *change_id*: a new change (kind ``undo``), recorded with it.

    Raises KeyError when there is no such change, :class:`AlreadyUndone`, or
    :class:`graph.stores.base.Conflict` when a fact it touched changed since.
    """
    original = get(store, change_id)
    if original is None:
        raise KeyError(change_id)
    if original.get("undone_by"):
        raise AlreadyUndone(change_id, original["undone_by"])
    if original["kind"] == "erase":  # what was erased is nowhere to be put back
        raise AlreadyUndone(change_id, original["kind"])
    entry = Entry(by, "undo", source, original.get("summary", ""), undoes=change_id)
    edit = Edit(provenance=entry.provenance(), strict_delete=True)
    nodes: dict[str, Node] = {}
    relationships: dict = {}
    for change in reversed(changes_of(store, original)):
        fact = change.fact
        ref = fact.id if isinstance(fact, Node) else fact.identity
        edit.expect_facts[ref] = change.after.digest() if change.after is not None else None
        if change.op == "created":
            if isinstance(fact, Node):
                if fact.kind != schema.THEME.label:
                    edit.delete_nodes.append(fact.id)
                else:
                    edit.expect_facts.pop(ref)
            else:
                edit.delete_relationships.append(fact.identity)
        else:
            before = change.before
            assert before is not None
            if isinstance(before, Node):
                nodes[before.id] = before
            else:
                relationships[before.identity] = before
    edit.write = Batch(list(nodes.values()), list(relationships.values()))
    marked = {**original, "undone_by": entry.id}
    edit.records = recorder(entry, [(HISTORY, change_id, marked)])
    record = store.apply(edit)
    return entry, record


def public(entry: dict, store: Store | None = None, with_changes: bool = False) -> dict:
    """An entry as the API shows it: ``id``, ``at``, ``by``, ``kind``, what it ``touched``, and with
    *with_changes* each fact's before and after."""
    shown = {k: v for k, v in entry.items() if k not in ("changes", "parts")}
    if with_changes and store is not None:
        shown["changes"] = [change_json(c) for c in changes_of(store, entry)]
    return shown


def change_json(change: FactChange) -> dict:
    return {"op": change.op, "before": fact_json(change.before), "after": fact_json(change.after)}


def fact_json(fact: Node | Relationship | None, provenance: bool = False) -> dict | None:
    """A fact as the API shows it (with *provenance*, where it came from)."""
    if fact is None:
        return None
    if isinstance(fact, Node):
        shown: dict[str, Any] = {"id": fact.id, "kind": fact.kind, "name": fact.name, "properties": fact.properties}
    else:
        shown = {"type": fact.type, "source": fact.source, "target": fact.target, "key": fact.key,
                 "properties": fact.properties}
    if provenance:
        shown["provenance"] = fact.provenance.as_properties() if fact.provenance else None
    return shown
