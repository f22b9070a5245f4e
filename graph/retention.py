"""Retention of declared ties: a tie nobody renewed for a while is flagged, then ended.

A declared tie (``COOPERATES_WITH``) is *renewed* when it is declared, edited, confirmed or
disputed (the date of its last write, its ``status_at``, its ``since``, whichever is latest).
One not renewed for 3 years (``MAILLAGE_RETENTION_YEARS``, :class:`graph.config.AccessConfig`) is flagged
(``retention_flag``: the date, shown to the people concerned, who may confirm it again); one
still flagged :data:`GRACE_DAYS` days later ends (``until``): it stays in the history and in
"as of" questions, no longer in today's network. A tie renewed after its flag loses the flag.
Each pass is recorded in the history, by ``retention``.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from graph import history
from graph.config import AccessConfig
from graph.model import Batch, Relationship
from graph.stores.base import Edit, Store

GRACE_DAYS = 90


def renewed_on(rel: Relationship) -> str:
    """The date a tie was last renewed (ISO)."""
    dates = [str(rel.properties.get("status_at") or "")[:10], str(rel.properties.get("since") or "")[:10],
             (rel.provenance.at if rel.provenance else "")[:10]]
    return max(dates)


def review(store: Store, years: int | None = None, today: date | None = None, apply: bool = True) -> dict:
    """Flag the ties not renewed for *years*, end those flagged more than :data:`GRACE_DAYS` ago, unflag those
    renewed since. Returns the identities of each group; with *apply* false, changes nothing."""
    today = today or date.today()
    years = years if years is not None else AccessConfig.from_env().retention_years
    limit = (today - timedelta(days=round(365.25 * years))).isoformat()
    grace = (today - timedelta(days=GRACE_DAYS)).isoformat()
    flagged, ended, unflagged = [], [], []
    for rel in store.relationships(["COOPERATES_WITH"]):
        if rel.properties.get("until"):
            continue
        flag, renewed = rel.properties.get("retention_flag"), renewed_on(rel)
        if flag and renewed > flag:
            unflagged.append(rel)
        elif flag and flag <= grace:
            ended.append(rel)
        elif not flag and renewed and renewed < limit:
            flagged.append(rel)
    if apply and (flagged or unflagged):
        entry = history.Entry("retention", "update", "retention",
                              f"{len(flagged)} lien(s) à renouveler, {len(unflagged)} renouvelé(s)")
        writes = [replace(rel, properties={**rel.properties, "retention_flag": today.isoformat()}) for rel in flagged]
        writes += [replace(rel, properties={k: v for k, v in rel.properties.items() if k != "retention_flag"})
                   for rel in unflagged]
        store.apply(Edit(Batch([], writes), records=history.recorder(entry)))
    if apply and ended:
        entry = history.Entry("retention", "retire", "retention", f"{len(ended)} lien(s) non renouvelé(s) terminé(s)")
        store.apply(Edit(retire_relationships=[rel.identity for rel in ended], until=today.isoformat(),
                         provenance=entry.provenance(), records=history.recorder(entry)))
    return {"years": years, "flagged": [r.identity for r in flagged], "ended": [r.identity for r in ended],
            "unflagged": [r.identity for r in unflagged]}
