"""Keeping a store through the years: backups taken while people write, restores, schema upgrades."""
from __future__ import annotations

import gzip
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from api.cli import main
from graph import backup, editing, migrations
from graph.editing import ACTOR, Author
from graph.history import HISTORY
from graph.stores.base import Dump
from graph.stores.embedded import EmbeddedStore
from tests.collab import setting

ROOT = Path(__file__).resolve().parent.parent
ANIMATEUR = Author("animateur", "animateur")


def _writers(store, stop: threading.Event, acknowledged: list[tuple[float, str]], errors: list) -> list:
    """Four people creating actors as fast as they can, each creation one transaction with its history entry;
    (time acknowledged, name) of each, appended once the store returned."""
    def write(who: int) -> None:
        number = 0
        while not stop.is_set():
            number += 1
            name = f"Sauvegarde {who}-{number}"
            try:
                editing.create_record(store, ACTOR, {"id": f"as-s{who}-{number}", "kind": "association", "name": name},
                                      ANIMATEUR)
            except Exception as exc:
                errors.append(exc)
                return
            acknowledged.append((time.monotonic(), name))

    threads = [threading.Thread(target=write, args=(who,)) for who in range(4)]
    for thread in threads:
        thread.start()
    return threads


def _created(dump: Dump) -> tuple[set[str], set[str]]:
    """The writers' actors in *dump*, and the names its history says were created."""
    actors = {node.name for node in dump.nodes if node.name.startswith("Sauvegarde ")}
    entries = {value["summary"] for collection, _, value in dump.records
               if collection == HISTORY and value["kind"] == "create" and value["summary"].startswith("Sauvegarde ")}
    return actors, entries


def test_a_backup_taken_while_people_write_restores_a_consistent_state(store, tmp_path):
    setting(store)
    stop, acknowledged, errors = threading.Event(), [], []
    threads = _writers(store, stop, acknowledged, errors)
    backups = []
    try:
        for number in range(3):
            time.sleep(0.7)
            started = time.monotonic()
            path = tmp_path / f"pendant-{number}.maillage.gz"
            backups.append((started, path, backup.save(store, path)))
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors
    final = store.dump()
    for started, path, saved in backups:
        _, dump = backup.read(path)
        actors, entries = _created(dump)
        # Consistent: every actor has its history entry and every entry its actor (each pair was one
        # transaction), and whatever was acknowledged before the backup began is in it.
        assert actors == entries and actors
        assert {name for at, name in acknowledged if at < started} <= actors
        assert len(actors) < len(_created(final)[0])  # people went on writing after it
        restored = _fresh_like(store, tmp_path / f"restaurée-{path.stem}")
        backup.restore(restored, path, replace=restored is store)
        again = restored.dump()
        assert backup.counts(again) == saved.counts and backup.content_hash(again) == saved.sha256
        if restored is not store:
            restored.close()
    print(f"\n{store.backend}: {len(acknowledged)} creations acknowledged; backups of "
          + ", ".join(f"{saved.counts['nodes']} nodes/{saved.counts['records']} records" for _, _, saved in backups))


def _fresh_like(store, folder: Path):
    """An empty store of *store*'s kind: a new embedded file, or the one Neo4j database emptied by restore."""
    return EmbeddedStore(folder) if store.backend == "embedded" else store


def test_a_backup_restores_across_stores_and_after_an_upgrade(neo4j_store, tmp_path, capsys):
    """A backup of the embedded store restores into Neo4j exactly (and back), through the command line."""
    data = tmp_path / "data"
    with EmbeddedStore(data) as embedded:
        migrations.upgrade(embedded)
        setting(embedded)
        saved = backup.save(embedded, tmp_path / "embarquée.maillage.gz")
    backup.restore(neo4j_store, tmp_path / "embarquée.maillage.gz", replace=True)
    assert backup.content_hash(neo4j_store.dump()) == saved.sha256
    back = backup.save(neo4j_store, tmp_path / "neo4j.maillage.gz")
    assert back.sha256 == saved.sha256
    assert main(["restore", "--data", str(tmp_path / "vide"), str(tmp_path / "neo4j.maillage.gz")]) == 0
    assert "SHA-256 " + saved.sha256 in capsys.readouterr().out
    # A second restore into the same store is refused (not empty), and writes nothing.
    assert main(["restore", "--data", str(tmp_path / "vide"), str(tmp_path / "neo4j.maillage.gz")]) == 2
    assert "--replace" in capsys.readouterr().err


def test_a_damaged_or_truncated_backup_is_refused_naming_the_file_and_line_and_nothing_is_written(tmp_path):
    with EmbeddedStore(tmp_path / "a") as store:
        setting(store)
        backup.save(store, tmp_path / "a.maillage.gz")
    lines = gzip.decompress((tmp_path / "a.maillage.gz").read_bytes()).decode("utf-8").splitlines(keepends=True)
    cases = {
        "tronquée": lines[:-1],
        "modifiée": [lines[0], lines[1].replace("Camille", "Camilla"), *lines[2:]],
        "ligne": [lines[0], "{pas du json\n", *lines[2:]],
    }
    for name, content in cases.items():
        path = tmp_path / f"{name}.maillage.gz"
        path.write_bytes(gzip.compress("".join(content).encode("utf-8")))
        with EmbeddedStore(tmp_path / name) as target:
            with pytest.raises(backup.BackupError) as refused:
                backup.restore(target, path)
            assert str(path) in str(refused.value)
            assert not any(target.node_counts().values())
    assert "tronquée" in str(backup.BackupError(path, 3, backup.Message("backup.truncated")))
    with pytest.raises(backup.BackupError, match=r"2: ligne mal formée"):
        backup.read(tmp_path / "ligne.maillage.gz")


# The previous release: the last commit before schema versions were recorded (tagged v0.8.0).
PREVIOUS_RELEASE = "d8a1645"


def _previous_release(tmp_path: Path) -> Path:
    """The previous release's source tree, from git."""
    folder = tmp_path / "previous-release"
    folder.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", PREVIOUS_RELEASE], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def _run_previous(folder: Path, env: dict, *args: str) -> None:
    import os

    completed = subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=folder, capture_output=True, text=True,
                               env={**os.environ, "PYTHONPATH": str(folder), **env})
    assert completed.returncode == 0, completed.stderr[-2000:]


@pytest.mark.slow
def test_a_store_written_by_the_previous_release_is_upgraded_once(store, tmp_path, capsys):
    """The previous release imports the example and adds an account; this release opens that store: it records
    the schema version once, keeps every fact and record, and the account still logs in."""
    from graph import accounts
    from graph.config import StoreConfig
    from graph.stores import open_store

    folder = _previous_release(tmp_path)
    if store.backend == "neo4j":
        store.clear()
        env = {"NEO4J_URI": store.uri, "NEO4J_USER": "neo4j", "NEO4J_PASSWORD": "test"}
        config = StoreConfig(neo4j_uri=store.uri, neo4j_password="test", neo4j_database=store.database)
    else:
        env = {"MAILLAGE_DATA_DIR": str(tmp_path / "ancienne")}
        config = StoreConfig(data_dir=tmp_path / "ancienne")
    _run_previous(folder, env, "import", str(ROOT / "examples" / "malaunay-fictif"))
    _run_previous(folder, env, "user", "add", "ancienne", "--role", "animateur")
    with open_store(config, upgrade=False) as old:
        assert migrations.version_of(old) == migrations.UNVERSIONED
        before = old.dump()
    with open_store(config) as upgraded:  # starting this release upgrades it
        assert migrations.version_of(upgraded) == migrations.CURRENT
        after = upgraded.dump()
        assert accounts.get(upgraded, "ancienne").role == "animateur"
        assert migrations.upgrade(upgraded) == []  # once
    schema_record = (migrations.COLLECTION, migrations.KEY, {"version": migrations.CURRENT})
    assert backup.content_hash(Dump(before.nodes, before.relationships, [*before.records, schema_record])) \
        == backup.content_hash(after)
    assert any(collection == HISTORY for collection, _, _ in after.records)  # the old import's history kept
    if store.backend == "embedded":
        assert main(["migrate", "--data", str(tmp_path / "ancienne")]) == 0
        assert "rien à faire" in capsys.readouterr().out


def test_a_store_written_by_a_newer_release_is_refused(tmp_path, capsys):
    with EmbeddedStore(tmp_path / "future") as store:
        store.put_records([(migrations.COLLECTION, migrations.KEY, {"version": migrations.CURRENT + 1})])
    with pytest.raises(SystemExit) as refused:
        main(["status", "--data", str(tmp_path / "future")])
    assert refused.value.code == 3 and "version plus récente" in capsys.readouterr().err
    assert main(["migrate", "--data", str(tmp_path / "future")]) == 2


def test_an_import_in_the_background_writes_what_a_plain_import_writes(neo4j_store, tmp_path):
    """``maillage import --background`` (small transactions with pauses, for office hours) ends where a plain
    import ends: the same facts, the same history."""
    from importers.pipeline import import_files
    from tests.conftest import EXAMPLE

    def facts(store) -> tuple[list, list]:
        return ([(n.kind, n.id, n.name, n.properties) for n in store.nodes()],
                [(r.identity, r.properties) for r in store.relationships()])

    with EmbeddedStore(tmp_path / "plain") as plain:
        import_files([EXAMPLE], plain)
        expected = facts(plain)
    neo4j_store.background = True
    sequence_before = neo4j_store.mark()[1]
    import_files([EXAMPLE], neo4j_store)
    assert facts(neo4j_store) == expected
    transactions = neo4j_store.mark()[1] - sequence_before
    assert transactions >= (len(expected[0]) + len(expected[1])) // 500  # many small transactions
    assert [value["kind"] for _, value in neo4j_store.records(HISTORY)] == ["import"]
