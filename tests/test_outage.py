"""The Neo4j server stops during a run of readers and writers, then starts again: reads answer from the last
snapshot (flagged stale), writes get 503 problems with Retry-After, never a 500 and never a write acknowledged
without being committed; /health says degraded; Maillage reconnects by itself."""
from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter

import jsonschema

from api.health import ANSWER as HEALTH
from graph.answers import as_json_schema
from graph.stores.neo4j_store import Neo4jStore
from tests.collab import setting
from tests.helpers import ServedInThread

READS = ["/api/v1/actors/ag-00001/works-with", "/views/actors/ag-00001", "/api/v1/cooperation/isolated",
         "/actors/ag-00001"]
READERS, WRITERS = 4, 4


class Client:
    def __init__(self, port: int, token: str):
        self.port, self.token = port, token
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict, dict]:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        try:
            self.connection.request(method, path, body=json.dumps(body) if body is not None else None,
                                    headers=headers)
            response = self.connection.getresponse()
            data = response.read()
            self.last_body = data.decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            raise
        parsed = json.loads(data) if data and response.getheader("Content-Type", "").endswith("json") else {}
        return response.status, parsed, dict(response.getheaders())


def test_neo4j_stopping_and_starting_again_during_reads_and_writes(stoppable_neo4j, tmp_path):

    from api.app import create_app
    from api.state import BACKGROUND_KEY

    store = Neo4jStore(stoppable_neo4j.uri, "neo4j", "test", retry_seconds=2.0)
    store.clear()
    people = setting(store)
    server = ServedInThread(create_app(store), threads=12)
    port = server.port
    phase = ["before"]  # before | down | after
    answers: Counter = Counter()  # (phase, kind, status)
    stale_reads: Counter = Counter()
    retry_after: list[str] = []
    acknowledged: list[str] = []
    problems: list[str] = []
    health: dict[str, set] = {"before": set(), "down": set(), "after": set()}
    stop = threading.Event()
    lock = threading.Lock()

    stale_pages: list[str] = []

    def reader(number: int) -> None:
        client = Client(port, people.tokens["lecteur"])
        while not stop.is_set():
            path = READS[number % len(READS)]
            number += 1
            now = phase[0]
            try:
                status, _, headers = client.call("GET", path)
                if now == "down" and status == 200 and "Warning" in headers and path == "/actors/ag-00001":
                    stale_pages.append(client.last_body)
            except (OSError, http.client.HTTPException) as exc:
                problems.append(f"read {path}: {exc!r}")
                continue
            with lock:
                answers[(now, "read", status)] += 1
                if status == 200 and "Warning" in headers:
                    stale_reads[now] += 1
                if status >= 500 and status != 503:
                    problems.append(f"{path}: {status}")

    def writer(number: int) -> None:
        client = Client(port, people.tokens["animateur"])
        count = 0
        while not stop.is_set():
            count += 1
            actor = f"as-panne-{number}-{count}"
            now = phase[0]
            try:
                status, body, headers = client.call(
                    "POST", "/api/v1/actors", {"id": actor, "kind": "association", "name": f"Panne {number}-{count}"})
            except (OSError, http.client.HTTPException) as exc:
                problems.append(f"write {actor}: {exc!r}")
                continue
            with lock:
                answers[(now, "write", status)] += 1
                if status == 201:
                    acknowledged.append(actor)
                elif status == 503:
                    retry_after.append(headers.get("Retry-After", ""))
                    assert body["status"] == 503
                else:
                    problems.append(f"write {actor}: {status} {body}")
            time.sleep(0.02)

    def watch_health() -> None:
        client = Client(port, "")
        while not stop.is_set():
            status, body, _ = client.call("GET", "/health")
            health[phase[0]].add((status, body["status"]))
            jsonschema.validate(body, as_json_schema(HEALTH))  # as documented, reachable or not
            time.sleep(0.3)

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(READERS)]
    threads += [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    threads.append(threading.Thread(target=watch_health))
    for thread in threads:
        thread.start()
    try:
        time.sleep(3)
        phase[0] = "down"
        stoppable_neo4j.stop_database()
        time.sleep(6)
        stoppable_neo4j.start_database()
        phase[0] = "after"
        time.sleep(6)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        server.stop()
    try:
        found = {node.id for node in store.nodes("Association") if node.id.startswith("as-panne-")}
        missing = set(acknowledged) - found
        print(f"\nanswers: {dict(sorted(answers.items()))}\nstale reads: {dict(stale_reads)}; "
              f"503 Retry-After: {Counter(retry_after)}; acknowledged writes: {len(acknowledged)}, "
              f"found afterwards: {len(set(acknowledged) & found)}; health: {health}")
        assert not problems, problems[:10]
        assert not missing, f"acknowledged but not committed: {sorted(missing)[:10]}"
        server_errors = sum(n for (_, _, status), n in answers.items() if status >= 500 and status != 503)
        assert server_errors == 0
        # While it was down: reads answered from the snapshot, flagged stale; writes refused with 503.
        assert answers[("down", "read", 200)] > 0 and stale_reads["down"] > 0
        assert answers[("down", "write", 503)] > 0 and set(retry_after) == {"5"}
        assert (503, "degraded") in health["down"]
        # A page read meanwhile says so at its top (a notice allowed by the page's own nonce).
        assert stale_pages and "stale-notice" in stale_pages[0] and "ne répond pas" in stale_pages[0]
        # Back without a restart of Maillage: writes acknowledged again, fresh reads, health ok.
        assert answers[("after", "write", 201)] > 0 and answers[("after", "read", 200)] > 0
        assert (200, "ok") in health["after"]
        # Once it answered again, a person's writes were prepared again (a restarted Neo4j forgets its plans),
        # in the background, which the server's stop waited for.
        rehearsals = [t for t in server.app.extensions[BACKGROUND_KEY] if t.name == "prepare-writes"]
        assert rehearsals and not any(t.is_alive() for t in rehearsals)
    finally:
        store.close()
