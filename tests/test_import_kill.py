"""A kill in the middle of importing a large grant file: the store is as before, or a re-run finishes the job."""
from __future__ import annotations

import signal

import pytest

from graph.stores.embedded import EmbeddedStore
from graph.synthetic import write_scdl_grants
from tests.conftest import SHARED_DATA
from tests.helpers import cli_env, maillage, start_maillage

ROWS = 60000


def content(store) -> tuple:
    """What the store holds, without the import times (which differ between runs)."""
    nodes = sorted((n.kind, n.id, n.name, sorted(n.clean_properties().items())) for n in store.nodes())
    rels = sorted((r.identity, sorted(r.clean_properties().items()), r.provenance.line) for r in store.relationships())
    return nodes, rels


def kill_after_first_progress_line(*args: str, env=None) -> None:
    process = start_maillage("import", *args, env=env)
    line = process.stderr.readline()  # the first progress line: the write has begun
    assert "écriture" in line and "100 %" not in line, line + process.stderr.read()
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def grants(tmp_path_factory):
    return write_scdl_grants(tmp_path_factory.mktemp("scdl") / "subventions.csv", ROWS, seed=7,
                             beneficiaries=5000)


@pytest.mark.slow
def test_embedded_kill_leaves_the_store_as_before_and_a_rerun_finishes(grants, tmp_path):
    data = tmp_path / "data"
    kill_after_first_progress_line("--data", str(data), str(grants))
    store = EmbeddedStore(data)
    try:
        assert store.integrity_check() == "ok" and store._db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert sum(store.node_counts().values()) == 0 and sum(store.relationship_counts().values()) == 0
    finally:
        store.close()
    assert maillage("import", "--data", str(data), str(grants)).returncode == 0
    assert maillage("import", "--data", str(tmp_path / "once"), str(grants)).returncode == 0
    with EmbeddedStore(data) as rerun, EmbeddedStore(tmp_path / "once") as once:
        assert sum(rerun.relationship_counts().values()) == ROWS
        assert content(rerun) == content(once)


@pytest.mark.slow
def test_neo4j_kill_then_rerun_gives_the_same_final_result(grants, neo4j_store, neo4j_uri):
    env = cli_env(NEO4J_URI=neo4j_uri, NEO4J_PASSWORD="test")
    kill_after_first_progress_line(str(grants), env=env)
    partial = sum(neo4j_store.relationship_counts().values())
    assert partial < ROWS
    done = maillage("import", str(grants), env=env)
    assert done.returncode == 0, done.stderr
    after_rerun = content(neo4j_store)
    neo4j_store.clear()
    assert maillage("import", str(grants), env=env).returncode == 0
    assert after_rerun == content(neo4j_store)
    assert len(after_rerun[1]) == ROWS


PUBLISHED = SHARED_DATA / "scdl-subventions" / "more" / "loire-atlantique.csv"  # 18,148 rows, 33 refused
PUBLISHED_ARGS = ("--skip-invalid", str(PUBLISHED))


@pytest.mark.slow
def test_a_kill_importing_a_published_file_leaves_the_store_as_before_or_a_rerun_finishes(tmp_path):
    data, once = tmp_path / "data", tmp_path / "once"
    rejects = ("--rejects", str(tmp_path / "rejets.csv"))
    assert maillage("import", "--data", str(once), *rejects, *PUBLISHED_ARGS).returncode == 0
    with EmbeddedStore(once) as clean:
        expected = content(clean)
    assert len(expected[1]) == 18115
    kill_after_first_progress_line("--data", str(data), *rejects, *PUBLISHED_ARGS)
    with EmbeddedStore(data) as killed:
        assert killed.integrity_check() == "ok"
        assert content(killed) in (([], []), expected)  # one transaction: nothing, or all of it
    assert maillage("import", "--data", str(data), *rejects, *PUBLISHED_ARGS).returncode == 0
    with EmbeddedStore(data) as rerun:
        assert content(rerun) == expected


@pytest.mark.slow
def test_a_kill_importing_a_published_file_into_neo4j_then_a_rerun_gives_the_same_result(neo4j_store, neo4j_uri,
                                                                                        tmp_path):
    env = cli_env(NEO4J_URI=neo4j_uri, NEO4J_PASSWORD="test")
    rejects = ("--rejects", str(tmp_path / "rejets.csv"))
    kill_after_first_progress_line(*rejects, *PUBLISHED_ARGS, env=env)
    assert sum(neo4j_store.relationship_counts().values()) < 18115
    assert maillage("import", *rejects, *PUBLISHED_ARGS, env=env).returncode == 0
    after_rerun = content(neo4j_store)
    neo4j_store.clear()
    assert maillage("import", *rejects, *PUBLISHED_ARGS, env=env).returncode == 0
    assert after_rerun == content(neo4j_store)
    assert len(after_rerun[1]) == 18115
