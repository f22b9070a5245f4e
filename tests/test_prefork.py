"""``maillage serve --workers 2``: several processes answer from one snapshot read once, each sees every write."""
from __future__ import annotations

import json
import os
import re
import signal
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests import neo4j_server
from tests.conftest import ROOT
from tests.helpers import cli_env, maillage, start_maillage

EXAMPLE = ROOT / "examples" / "malaunay-fictif"


def _ask(base: str, path: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _processes(log) -> set[int]:
    """The processes that answered a request, from the JSON request log."""
    found = set()
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("logger") == "maillage.requests":
                found.add(entry["process"])
    return found


def _serving(args: list[str], env: dict[str, str], log, workers: int = 2):
    """``maillage serve --workers`` started, once its /health answers: (process, base URL)."""
    port = neo4j_server.free_port()
    server = start_maillage("serve", *args, "--port", str(port), "--workers", str(workers), env=env, log=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if urllib.request.urlopen(base + "/health", timeout=60).status == 200:
                return server, base
        except OSError:
            pass
        assert server.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)


@pytest.mark.parametrize("kind", ["embedded", "neo4j"])
def test_two_worker_processes_share_the_snapshot_and_each_sees_every_write(kind, tmp_path, request):
    args = ["--data", str(tmp_path / "data")]
    # The snapshot kept beside the data (with Neo4j, the data folder holds only that)
    env = cli_env(MAILLAGE_LOG_FORMAT="json", MAILLAGE_DATA_DIR=str(tmp_path / "data"))
    if kind == "neo4j":
        request.getfixturevalue("neo4j_store")  # the suite's Neo4j, emptied for this test
        args = []
        env.update(NEO4J_URI=request.getfixturevalue("neo4j_uri"), NEO4J_USER=os.environ.get("NEO4J_USER", "neo4j"),
                   NEO4J_PASSWORD=os.environ.get("NEO4J_PASSWORD", "test"))
    assert maillage("import", *args, str(EXAMPLE), env=env).returncode == 0
    assert maillage("user", "add", "admin", "--role", "administrateur", *args, env=env).returncode == 0
    token = re.search(r"(mlg_\S+)", maillage("token", "create", "admin", *args, env=env).stdout).group(1)

    log = tmp_path / "serve.log"
    server, base = _serving(args, env, log)
    try:
        status, before = _ask(base, "/api/v1/actors/ag-00001/works-with", token)
        assert status == 200
        tied = {c["id"] for c in before["collaborators"]}
        other = next(f"ag-{n:05d}" for n in range(2, 200) if f"ag-{n:05d}" not in tied)
        status, _ = _ask(base, "/api/v1/cooperations", token, {"actor_a": "ag-00001", "actor_b": other,
                                                                "nature": "prefork", "frequency": "hebdomadaire"})
        assert status == 201

        def partners(_) -> set[str]:
            status, answer = _ask(base, "/api/v1/actors/ag-00001/works-with", token)
            assert status == 200
            return {c["id"] for c in answer["collaborators"]}

        with ThreadPoolExecutor(8) as pool:
            seen = list(pool.map(partners, range(80)))
        assert all(other in found for found in seen)  # whichever process answered
        partners_answer = _ask(base, "/api/v1/actors/ag-00001/works-with", token)[1]
        answering = _processes(log)
        assert len(answering) == 2 and server.pid not in answering

        os.kill(min(answering), signal.SIGKILL)  # a worker dies: another takes its place
        with ThreadPoolExecutor(8) as pool:
            assert all(other in found for found in pool.map(partners, range(40)))
        deadline = time.monotonic() + 60
        while len(_processes(log) - answering) == 0 and time.monotonic() < deadline:
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(partners, range(16)))
        assert _processes(log) - answering, "no worker replaced the one stopped"
        assert "remplacé" in log.read_text()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    time.sleep(0.5)
    with pytest.raises(OSError):
        urllib.request.urlopen(base + "/health", timeout=5)

    # Started again: the snapshot kept at the first start is read back, then what changed since (the tie
    # declared meanwhile), not the whole store.
    assert len(list((tmp_path / "data" / "snapshots").glob("*.snapshot"))) == 1
    again = tmp_path / "again.log"
    server, base = _serving(args, env, again, workers=1)
    try:
        # One process too reads its snapshot as it starts, before anyone asks (the first people wait less).
        deadline = time.monotonic() + 60
        while "kept_snapshot_read" not in again.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "kept_snapshot_read" in again.read_text()
        status, answer = _ask(base, "/api/v1/actors/ag-00001/works-with", token)
        assert status == 200 and other in {c["id"] for c in answer["collaborators"]}
        assert answer == partners_answer
        assert "kept_snapshot_read" in again.read_text() and "kept_snapshot_written" not in again.read_text()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
