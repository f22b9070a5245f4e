"""A server keeps its snapshot on disk: started again, it reads the file and what changed since (never the whole
store), and serves what a full read would; a file of an ended epoch (a store cleared, restored or erased from)
is deleted and not read; a damaged one is ignored. Neo4j keeps it too, for a server starting elsewhere."""
from __future__ import annotations

import logging
import stat

import pytest

from api.cli import main
from graph import backup, migrations, snapshot_file
from graph.territory import TerritoryCache
from importers.pipeline import import_files
from tests.conftest import EXAMPLE
from tests.test_snapshot_refresh import PROV, WRITES, answers, network_content


def _kept(cache: TerritoryCache):
    cache.wait_until_kept()
    return sorted(cache.keep_in.glob("*.snapshot"))


def _read_and_kept(store, folder):
    """A server's first read of *store*, keeping its snapshot in *folder*: the file kept."""
    cache = TerritoryCache(store, folder)
    cache.current()
    [path] = _kept(cache)
    return path


def _without_full_read(store, monkeypatch):
    """*store* answering everything but a read of all its facts."""
    def refused(*args, **kwargs):
        raise AssertionError("the store was read in full")

    monkeypatch.setattr(store, "nodes", refused)
    monkeypatch.setattr(store, "relationships", refused)


def _same(snapshot, full) -> None:
    assert snapshot.nodes == full.nodes and snapshot.relationships == full.relationships
    assert network_content(snapshot.network()) == network_content(full.network())
    assert answers(snapshot) == answers(full)


def test_a_server_starting_again_reads_its_kept_snapshot_and_what_changed_since(store, tmp_path, monkeypatch):
    import_files([EXAMPLE], store)
    first = TerritoryCache(store, tmp_path / "kept")
    kept_mark = first.current().mark
    [path] = _kept(first)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert snapshot_file.load(path)[0] == kept_mark
    # While it was stopped: writes, a retirement, deletions (a node with its ties, a relationship).
    for batch in WRITES:
        store.write(batch)
    store.retire(["ag-00004"], until="2026-01-01", provenance=PROV)
    store.delete(["ag-00005"], provenance=PROV)
    removed = next(r for r in TerritoryCache(store).current().relationships if r.type == "COOPERATES_WITH")
    store.delete(relationships=[removed.identity], provenance=PROV)
    full = TerritoryCache(store).current()

    with monkeypatch.context() as patched:
        _without_full_read(store, patched)
        again = TerritoryCache(store, tmp_path / "kept").current()
    assert again.mark == full.mark and "ag-00005" not in again.nodes
    assert removed.identity not in {r.identity for r in again.relationships}
    _same(again, full)
    assert snapshot_file.load(path)[0] == kept_mark  # a few changes: not kept again


def test_a_snapshot_is_kept_again_after_many_changes(embedded_store, tmp_path, monkeypatch):
    import_files([EXAMPLE], embedded_store)
    old_mark = snapshot_file.load(_read_and_kept(embedded_store, tmp_path))[0]
    embedded_store.write(WRITES[-1])  # 1,500 declarations
    monkeypatch.setattr("graph.territory.KEEP_AGAIN_AFTER", 1000)
    again = TerritoryCache(embedded_store, tmp_path)
    snapshot = again.current()
    [path] = _kept(again)
    assert snapshot.mark != old_mark and snapshot_file.load(path)[0] == snapshot.mark


@pytest.mark.parametrize("end", ["clear", "erase"])
def test_the_snapshot_of_an_ended_epoch_is_deleted_and_not_read(store, tmp_path, end):
    from graph import privacy

    import_files([EXAMPLE], store)
    old = _read_and_kept(store, tmp_path)
    person = store.get_node("ag-00010")
    assert person.name.encode() in old.read_bytes()
    if end == "clear":
        store.clear()
        import_files([EXAMPLE], store)
    else:
        privacy.erase(store, person.id, "admin")
    again = TerritoryCache(store, tmp_path)
    snapshot = again.current()
    full = TerritoryCache(store).current()
    _same(snapshot, full)
    [new] = _kept(again)
    assert new != old and not old.exists()
    if end == "erase":
        assert person.id not in snapshot.nodes
        assert person.name.encode() not in new.read_bytes() and person.id.encode() not in new.read_bytes()


def test_forgetting_deletes_old_snapshots_and_files_left_half_written(tmp_path):
    import os
    import time

    kept, old, writing, left = (tmp_path / name for name in ("a.snapshot", "b.snapshot", ".writing-1", ".writing-2"))
    for path in (kept, old, writing, left):
        path.write_bytes(b"x")
    os.utime(left, (time.time() - 7200, time.time() - 7200))  # a writer stopped two hours ago
    snapshot_file.forget(tmp_path, keep=kept)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".writing-1", "a.snapshot"]
    snapshot_file.forget(tmp_path)  # an erasure: everything
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "another format", "an older schema",
                                    "a damaged length"])
def test_a_damaged_or_foreign_file_is_ignored(embedded_store, tmp_path, damage, caplog, monkeypatch):
    import_files([EXAMPLE], embedded_store)
    path = _read_and_kept(embedded_store, tmp_path)
    data = path.read_bytes()
    magic = len(snapshot_file.MAGIC)
    damaged = {"garbage": b"\x00\xff" * 1000, "truncated": data[: len(data) // 2], "empty": b"",
               "another format": data.replace(b"maillage-snapshot 2", b"maillage-snapshot 9", 1),
               "an older schema": data.replace(f"schema {migrations.CURRENT} ".encode(), b"schema 0 ", 1),
               "a damaged length": data[:magic] + b"\xff" * 8 + data[magic + 8:]}[damage]
    assert damaged != data
    path.write_bytes(damaged)
    full_reads = []
    read_all = embedded_store.relationships
    monkeypatch.setattr(embedded_store, "relationships", lambda *a, **k: full_reads.append(1) or read_all(*a, **k))
    logger = logging.getLogger("maillage.snapshot")  # a server's log: it may not reach the root logger
    logger.addHandler(caplog.handler)
    try:
        snapshot = TerritoryCache(embedded_store, tmp_path).current()
    finally:
        logger.removeHandler(caplog.handler)
    assert full_reads  # the store was read, not the file
    _same(snapshot, TerritoryCache(embedded_store).current())
    assert damage not in ("truncated", "a damaged length") or "unreadable" in caplog.text


def test_an_import_or_a_restore_keeps_the_snapshot_a_server_reads_when_it_first_starts(store, tmp_path, capsys,
                                                                                       monkeypatch):
    """``maillage import`` into a store no server has read keeps its snapshot: the server's very first start
    reads that back, not the whole store. A small import after it keeps nothing more (the server reads the
    changes since, and keeps again when they grew); a restore starts an epoch, and keeps a new one."""
    if store.backend == "neo4j":
        monkeypatch.setenv("NEO4J_URI", store.uri)
        monkeypatch.setenv("NEO4J_PASSWORD", "test")
    data = tmp_path / "data"
    folder = data / "snapshots"
    assert main(["import", "--data", str(data), str(EXAMPLE)]) == 0
    assert "Préparation de l'instantané que le serveur lira au démarrage" in capsys.readouterr().out
    [path] = sorted(folder.glob("*.snapshot"))
    full = TerritoryCache(store).current()
    assert store.kept_snapshot_mark() == (full.mark if store.backend == "neo4j" else None)  # for another machine
    with monkeypatch.context() as patched:
        _without_full_read(store, patched)
        first_start = TerritoryCache(store, folder).current()
    _same(first_start, full)

    written = path.stat().st_mtime_ns
    assert main(["import", "--data", str(data), str(EXAMPLE / "projets.csv")]) == 0
    assert "instantané" not in capsys.readouterr().out
    assert path.stat().st_mtime_ns == written

    backup.save(store, tmp_path / "sauvegarde.maillage.gz")
    assert main(["restore", "--replace", "--data", str(data), str(tmp_path / "sauvegarde.maillage.gz")]) == 0
    assert "Instantané conservé" in capsys.readouterr().out
    [again] = sorted(folder.glob("*.snapshot"))
    assert again != path  # the ended epoch's file deleted
    restored = TerritoryCache(store).current()
    with monkeypatch.context() as patched:
        _without_full_read(store, patched)
        _same(TerritoryCache(store, folder).current(), restored)


def test_a_server_starting_without_its_folder_reads_the_snapshot_kept_in_neo4j(neo4j_store, tmp_path, monkeypatch):
    """Neo4j keeps the snapshot too (compressed, beside the facts): a server on another machine, or in a container
    without its data folder, reads it and what changed since, never the whole store; and keeps its own file."""
    store = neo4j_store
    import_files([EXAMPLE], store)
    assert store.kept_snapshot() is None and store.kept_snapshot_mark() is None
    first = TerritoryCache(store, tmp_path / "first")
    kept_mark = first.current().mark
    _kept(first)
    assert store.kept_snapshot_mark() == kept_mark
    assert snapshot_file.unpacked(store.kept_snapshot())[0] == kept_mark
    for batch in WRITES:  # meanwhile: writes, a retirement, deletions
        store.write(batch)
    store.retire(["ag-00004"], until="2026-01-01", provenance=PROV)
    store.delete(["ag-00005"], provenance=PROV)
    full = TerritoryCache(store).current()

    with monkeypatch.context() as patched:
        _without_full_read(store, patched)
        elsewhere = TerritoryCache(store, tmp_path / "elsewhere")
        snapshot = elsewhere.current()
        no_folder = TerritoryCache(store).current()  # a command (maillage query, view) reads it as well
    assert snapshot.mark == full.mark != kept_mark and "ag-00005" not in snapshot.nodes
    _same(snapshot, full)
    _same(no_folder, full)
    [path] = _kept(elsewhere)  # its own file from now on
    assert snapshot_file.load(path)[0] == full.mark
    assert store.kept_snapshot_mark() == kept_mark  # a few changes since: the store's is not written again


def test_neo4j_keeps_a_snapshot_only_of_its_current_epoch_and_never_an_older_one(neo4j_store):
    import os

    from graph.stores.neo4j_store import SNAPSHOT_PART

    store = neo4j_store
    import_files([EXAMPLE], store)
    snapshot = TerritoryCache(store).current()
    data = snapshot_file.packed(snapshot.mark, snapshot.nodes.values(), snapshot.relationships)
    epoch, seq = snapshot.mark
    large = os.urandom(2 * SNAPSHOT_PART + 1000)  # a large territory's: in three parts
    assert store.keep_snapshot((epoch, seq - 1), large) and store.kept_snapshot() == large
    records, _, _ = store.driver.execute_query("MATCH (s:MaillageSnapshot) RETURN count(s) AS n")
    assert records[0]["n"] == 3
    assert store.keep_snapshot(snapshot.mark, data) and store.kept_snapshot() == data  # the older one replaced
    records, _, _ = store.driver.execute_query("MATCH (s:MaillageSnapshot) RETURN count(s) AS n")
    assert records[0]["n"] == 1
    assert not store.keep_snapshot((epoch, seq - 1), b"older")  # a slower server's older read: not kept
    assert store.kept_snapshot() == data
    store.clear()
    assert store.kept_snapshot() is None  # the epoch ended with it
    assert not store.keep_snapshot(snapshot.mark, data)  # read before the clear: never kept after it
    records, _, _ = store.driver.execute_query("MATCH (s:MaillageSnapshot) RETURN count(s) AS n")
    assert records[0]["n"] == 0


def test_a_damaged_snapshot_kept_in_neo4j_is_ignored(neo4j_store, tmp_path, caplog, monkeypatch):
    store = neo4j_store
    import_files([EXAMPLE], store)
    mark = store.mark()
    full_reads = []
    read_all = store.relationships
    monkeypatch.setattr(store, "relationships", lambda *a, **k: full_reads.append(1) or read_all(*a, **k))
    logger = logging.getLogger("maillage.snapshot")
    logger.addHandler(caplog.handler)
    try:
        for damaged in (b"garbage", snapshot_file.packed(mark, [], [])[:-10]):
            assert store.keep_snapshot(mark, damaged)
            snapshot = TerritoryCache(store).current()
            assert full_reads.pop() and snapshot.relationships
    finally:
        logger.removeHandler(caplog.handler)
    assert "unreadable" in caplog.text
