"""The store's schema version, and the steps that bring an older store to this release's.

A store records the version of its layout in a record (collection ``maillage``, key
``schema``). Stores written before versions were recorded are version 1. Opening a
store (:func:`graph.stores.open_store`, so ``maillage serve`` and every command)
applies the steps it lacks, in order, each recorded as soon as it is done: a step is
never applied twice, and one interrupted is applied again from its start (each step
is idempotent). A store written by a newer Maillage is refused rather than
misread. ``maillage migrate`` does the same and says what it did.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from graph.i18n import Message
from graph.stores.base import Store

COLLECTION = "maillage"
KEY = "schema"
UNVERSIONED = 1  # every store written before the version was recorded


@dataclass(frozen=True)
class Step:
    version: int  # the version the store has once the step is done
    description: str
    apply: Callable[[Store], None]


def _record_version_only(store: Store) -> None:
    """Releases up to 0.8 (unversioned) wrote the layout this release reads: only the version is new."""


STEPS: tuple[Step, ...] = (
    Step(2, "the store records its schema version (the data of version 1 is read as it is)", _record_version_only),
)
CURRENT = STEPS[-1].version


class NewerStore(RuntimeError):
    """The store was written by a newer Maillage: this one would misread it."""

    def __init__(self, found: int):
        self.found = found
        super().__init__(Message("migrate.newer", found=found, current=CURRENT).render())


def version_of(store: Store) -> int:
    record = store.get_record(COLLECTION, KEY)
    return int(record["version"]) if record else UNVERSIONED


def version_of_records(records: list[tuple[str, str, dict]]) -> int:
    """The schema version among a dump's records."""
    return next((int(value["version"]) for collection, key, value in records if (collection, key) == (COLLECTION, KEY)),
                UNVERSIONED)


def pending(store: Store) -> list[Step]:
    """The steps *store* lacks, in order; :class:`NewerStore` when it is newer than this release."""
    found = version_of(store)
    if found > CURRENT:
        raise NewerStore(found)
    return [step for step in STEPS if step.version > found]


def upgrade(store: Store) -> list[Step]:
    """Apply the steps *store* lacks, each recorded once done; the steps applied."""
    steps = pending(store)
    for step in steps:
        step.apply(store)
        store.put_records([(COLLECTION, KEY, {"version": step.version})])
    return steps
