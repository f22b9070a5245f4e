"""One organisation, one node: matching what RNA and SCDL files name to the actors already known.

An organisation read from an RNA extract or a grant file gets a provisional
identifier from its RNA number, SIRET or name (:func:`importers.formats.scdl.organisation_id`).
Before writing, it is matched to the actors of the same import and of the store:
on RNA number, then SIRET, then SIREN, then normalised name plus commune (an organisation of
the same import named the same with an identifier, when no known actor matches).
One match: the organisation takes that actor's identifier, and its facts follow.
Several: the match is ambiguous; it is reported for a person to decide, not merged.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from graph import schema
from graph.i18n import Message
from graph.issues import FileCell
from graph.model import Node, Relationship
from graph.schema import slugify
from importers.context import PROVISIONAL

if TYPE_CHECKING:
    from importers.context import ImportContext

ORGANISATIONS = schema.ORGANISATION_LABELS


def _name_key(node: Node) -> tuple[str, str]:
    return slugify(node.name), node.properties.get("commune") or ""


IDENTIFIERS = ("rna", "siret", "siren")  # in the order they are trusted to match


def _identifier_of(node: Node) -> str | None:
    return next((node.properties[prop] for prop in IDENTIFIERS if node.properties.get(prop)), None)


def renamed(rel: Relationship, renames: dict[str, str]) -> Relationship:
    """*rel* with its ends renamed as *renames* says."""
    if rel.source in renames or rel.target in renames:
        return replace(rel, source=renames.get(rel.source, rel.source), target=renames.get(rel.target, rel.target))
    return rel


def reconcile(builder: ImportContext) -> dict[str, str]:
    """Rename provisional organisations of an import to the known actor they match (in the import or its
    store), in nodes and relationships.

    Returns the renames (provisional id -> known id), for relationships read later.
    """
    store = builder.store
    provisional = [n for n in builder.nodes.values() if n.kind in ORGANISATIONS and n.id.startswith(PROVISIONAL)]
    if not provisional:
        return {}
    known: dict[str, dict[Any, set[str]]] = {prop: defaultdict(set) for prop in (*IDENTIFIERS, "name")}
    identified: dict[tuple[str, str], set[str]] = defaultdict(set)  # name key -> provisional ids with an identifier
    for node in builder.nodes.values():
        if node.kind in schema.ACTOR_LABELS and not node.id.startswith(PROVISIONAL):
            for prop in IDENTIFIERS:
                if node.properties.get(prop):
                    known[prop][node.properties[prop]].add(node.id)
            known["name"][_name_key(node)].add(node.id)
        elif node.kind in ORGANISATIONS and _identifier_of(node):
            identified[_name_key(node)].add(node.id)
    if store is not None:
        for prop in IDENTIFIERS:
            values = [n.properties[prop] for n in provisional if n.properties.get(prop)]
            for value, ids in (store.ids_by_property(prop, values) if values else {}).items():
                known[prop][value].update(ids)
        wanted = {_name_key(n) for n in provisional if not _identifier_of(n)}
        if wanted:
            for kind in ORGANISATIONS:
                for node in store.nodes(kind):
                    if _name_key(node) in wanted:
                        known["name"][_name_key(node)].add(node.id)
    renames: dict[str, str] = {}
    for node in provisional:
        matches: set[str] = set()
        for prop in IDENTIFIERS:
            found = node.properties.get(prop)
            if found and known[prop].get(found, set()) - {node.id}:
                matches = known[prop][found] - {node.id}
                break
        else:
            if not _identifier_of(node):
                matches = known["name"].get(_name_key(node), set()) - {node.id}
                if not matches:  # the same name with an identifier elsewhere in the import (a row lost its SIRET)
                    matches = identified.get(_name_key(node), set()) - {node.id}
        if len(matches) == 1:
            renames[node.id] = next(iter(matches))
        elif len(matches) > 1:
            prov = node.provenance
            builder.report.add(FileCell(prov.source if prov else "", prov.line if prov else None, "identifiant"),
                               node.name, Message("expect.single_match", ids=", ".join(sorted(matches))), "warning")
    if not renames:
        return {}
    existing = {}
    if store is not None:
        for target in set(renames.values()) - set(builder.nodes):
            found = store.get_node(target)
            if found is not None:
                existing[target] = found
    for old, new in renames.items():
        node = builder.nodes.pop(old)
        keeper = builder.nodes.get(new) or existing.get(new)
        if keeper is None:
            continue
        # What the actor already says wins; the file fills in what was missing.
        merged = {**node.clean_properties(), **keeper.clean_properties()}
        builder.nodes[new] = replace(keeper, properties=merged)
    builder.relationships[:] = [renamed(r, renames) for r in builder.relationships]
    return renames
