"""``maillage demo``: it answers on /health, and a kill in the middle of a load corrupts nothing."""
from __future__ import annotations

import json
import signal
import time
import urllib.request

import pytest

from graph.stores.embedded import EmbeddedStore
from graph.synthetic import generate
from tests import neo4j_server
from tests.helpers import maillage, start_maillage

EXAMPLE_NODES = 253


def _get(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.headers.get("Content-Type"), response.read().decode("utf-8")


def test_demo_loads_the_example_and_answers_on_health(tmp_path):
    port = neo4j_server.free_port()
    log = tmp_path / "demo.log"
    process = start_maillage("demo", "--data", str(tmp_path / "data"), "--port", str(port), log=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _, body = _get(f"http://127.0.0.1:{port}/health")
                break
            except OSError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline
                time.sleep(0.2)
        health = json.loads(body)
        assert status == 200 and health["store"] == "embedded" and health["reachable"] is True
        _, _, home = _get(f"http://127.0.0.1:{port}/")
        assert "Maillage" in home and "<td>agent</td><td>110</td>" in home
        counts = json.loads(_get(f"http://127.0.0.1:{port}/api/v1/status")[2])
        assert sum(counts["nodes"].values()) == EXAMPLE_NODES
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    output = process.stdout.read()
    assert "territoire d'exemple (fictif)" in output and f"http://127.0.0.1:{port}/" in output
    # One account per role, to try each role's pages and changes; how to log in is printed.
    from api.cli import DEMO_PASSWORD
    from graph import accounts

    assert f"mot de passe : {DEMO_PASSWORD}" in output
    store = EmbeddedStore(tmp_path / "data")
    try:
        for role in accounts.ROLES:
            assert role in output
            found = accounts.authenticate(store, role, DEMO_PASSWORD)
            assert found is not None and found.role == role
        assert accounts.get(store, "contributeur").agent is not None
    finally:
        store.close()


def _assert_consistent(data_dir, allowed_node_totals):
    store = EmbeddedStore(data_dir)
    try:
        assert store.integrity_check() == "ok"
        dangling = store._db.execute("PRAGMA foreign_key_check").fetchall()
        assert dangling == []
        total = sum(store.node_counts().values())
        assert total in allowed_node_totals
        return total
    finally:
        store.close()


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.0, 0.05, 0.15, 0.3, 0.6])
def test_killing_the_demo_while_it_loads_leaves_a_consistent_store(tmp_path, delay):
    port = neo4j_server.free_port()
    process = start_maillage("demo", "--data", str(tmp_path / "data"), "--port", str(port))
    process.stdout.readline()  # "Chargement du territoire d'exemple…": the load has begun
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    _assert_consistent(tmp_path / "data", {0, EXAMPLE_NODES})


@pytest.mark.slow
def test_kill_in_the_middle_of_a_write_then_rerun_finishes_the_job(tmp_path):
    territory = tmp_path / "interco"
    counts = generate("interco", 3, territory)
    data = tmp_path / "data"
    process = start_maillage("import", "--data", str(data), str(territory))
    line = process.stderr.readline()  # the first progress line: the write transaction is open
    assert "écriture" in line, line + process.stderr.read()
    assert "100 %" not in line
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert _assert_consistent(data, {0, counts["nodes"]}) == 0
    assert maillage("import", "--data", str(data), str(territory)).returncode == 0
    assert _assert_consistent(data, {counts["nodes"]}) == counts["nodes"]
