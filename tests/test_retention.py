"""Retention of declared ties (flagged after years without renewal, then ended), on each store; and the record of
processing activities generated from the settings."""
from __future__ import annotations

from datetime import date, timedelta

from graph import history, retention
from graph.model import Batch, Provenance, Relationship
from graph.register import Settings, processing_record
from importers.pipeline import import_files
from tests.conftest import EXAMPLE
from tests.helpers import cli_env, maillage


def _tie(store, a: str, b: str, since: str, at: str) -> Relationship:
    rel = Relationship("COOPERATES_WITH", a, b, "ancien", {"nature": "ancien", "since": since},
                       Provenance("ancien.csv", 2, "file", at))
    store.write(Batch([], [rel]))
    return rel


def test_a_tie_not_renewed_is_flagged_then_ended_unless_confirmed_meanwhile(store):
    import_files([EXAMPLE], store)
    today = date(2026, 11, 27)
    old = _tie(store, "ag-00001", "ag-00003", "2019-01-01", "2019-01-01T10:00:00Z")
    renewed = _tie(store, "ag-00001", "ag-00004", "2019-01-01", "2019-01-01T10:00:00Z")
    recent = _tie(store, "ag-00001", "ag-00005", "2025-06-01", "2025-06-01T10:00:00Z")
    dry = retention.review(store, years=3, today=today, apply=False)
    assert old.identity in dry["flagged"] and renewed.identity in dry["flagged"]
    assert recent.identity not in dry["flagged"]
    assert not [r for r in store.outgoing("ag-00001", ["COOPERATES_WITH"]) if r.properties.get("retention_flag")]
    first = retention.review(store, years=3, today=today)
    assert old.identity in first["flagged"] and first["ended"] == []
    flags = {r.target: r.properties.get("retention_flag") for r in store.outgoing("ag-00001", ["COOPERATES_WITH"])}
    assert flags["ag-00003"] == flags["ag-00004"] == today.isoformat() and flags["ag-00005"] is None
    # Someone confirms one of them meanwhile: renewed, the flag goes; the other ends after the grace period.
    confirmed = next(r for r in store.outgoing("ag-00001", ["COOPERATES_WITH"]) if r.target == "ag-00004")
    later = today + timedelta(days=retention.GRACE_DAYS + 1)
    store.write(Batch([], [Relationship(confirmed.type, confirmed.source, confirmed.target, confirmed.key,
                                        {**confirmed.properties, "status": "confirmed",
                                         "status_at": (today + timedelta(days=5)).isoformat() + "T09:00:00Z"},
                                        confirmed.provenance)]))
    second = retention.review(store, years=3, today=later)
    assert second["ended"] == [old.identity] and second["unflagged"] == [confirmed.identity]
    now = {r.target: r.properties for r in store.outgoing("ag-00001", ["COOPERATES_WITH"])}
    assert now["ag-00003"]["until"] == later.isoformat() and "retention_flag" not in now["ag-00004"]
    assert {e["by"] for e in history.entries(store, kind="retire")} == {"retention"}


def test_the_processing_record_says_what_the_installation_does():
    text = processing_record(Settings("base embarquée (/srv/maillage)", False, "animateur", 5, 110, 29, 64))
    for heading in ("Responsable du traitement", "Finalités", "Catégories de personnes", "Catégories de données",
                    "Destinataires", "Durées de conservation", "Mesures de sécurité", "Analyse d'impact (AIPD)"):
        assert heading in text
    assert "110 dans la base" in text and "non renouvelé depuis 5 an(s)" in text
    assert "« animateur » et au-delà" in text and "Argon2id" in text and "[" in text  # parts left to the DPO
    assert "lecture anonyme activée" in processing_record(Settings("x", True, "anonymous", 3))


def test_the_commands_review_retention_and_write_the_record(tmp_path):
    data = str(tmp_path / "data")
    assert maillage("import", "--data", data, str(EXAMPLE)).returncode == 0
    dry = maillage("retention", "--years", "1", "--data", data)
    assert dry.returncode == 0 and "--apply" in dry.stdout
    out = tmp_path / "registre.md"
    done = maillage("registre", "--out", str(out), "--data", data, env=cli_env(MAILLAGE_RETENTION_YEARS="4"))
    assert done.returncode == 0 and "4 an(s)" in out.read_text(encoding="utf-8")
