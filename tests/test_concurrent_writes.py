"""Twenty writers at once for a minute, on each store, through the real HTTP server: creations, edits,
declarations and confirmations, some with stale ETags. Every acknowledged write is found afterwards and in the
history, every stale write is answered 412, and no request gets a server error.

``MAILLAGE_CONCURRENCY_SECONDS`` shortens or lengthens the run (20 by default).
"""
from __future__ import annotations

import http.client
import json
import os
import random
import threading
import time
from collections import Counter, defaultdict

import pytest

from api.app import create_app
from graph import accounts, history
from graph.territory import TerritoryCache
from importers.pipeline import import_files
from tests.conftest import EXAMPLE
from tests.helpers import ServedInThread

WRITERS = 20
SECONDS = float(os.environ.get("MAILLAGE_CONCURRENCY_SECONDS", "20"))
SHARED_ACTORS = ("ag-00003", "ag-00004", "ag-00005", "ag-00006", "ag-00007")  # edited by everyone


class Client:
    def __init__(self, port: int, token: str):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.token = token

    def call(self, method: str, path: str, body: dict | None = None, etag: str | None = None,
             token: str | None = None) -> tuple[int, dict, str | None]:
        headers = {"Authorization": f"Bearer {token or self.token}", "Content-Type": "application/json"}
        if etag:
            headers["If-Match"] = etag
        self.connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data else {}), response.getheader("ETag")


@pytest.fixture
def served(store):

    import_files([EXAMPLE], store)
    territory = TerritoryCache(store).current()
    agents = sorted(n.id for n in territory.nodes.values() if n.kind == "Agent")[20:20 + WRITERS]
    tokens = {}
    for i, agent in enumerate(agents):
        accounts.add(store, f"writer{i}", "contributeur", agent)
        tokens[f"writer{i}"] = accounts.create_token(store, f"writer{i}")[0]
    accounts.add(store, "animateur", "animateur")
    tokens["animateur"] = accounts.create_token(store, "animateur")[0]
    with ServedInThread(create_app(store), threads=8, connection_limit=200) as server:
        yield server.port, store, agents, tokens


def test_twenty_writers_lose_nothing_and_every_stale_write_gets_412(served):
    port, store, agents, tokens = served
    statuses: Counter = Counter()
    created: list[tuple[str, str]] = []  # (actor id, name)
    edits: list[tuple[str, str, str]] = []  # (actor, job title, login) acknowledged
    declared: list[str] = []  # tie ids acknowledged
    confirmed: list[str] = []
    stale_answers: list[int] = []
    failures: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS

    def writer(i: int) -> None:
        rng = random.Random(i)
        login = f"writer{i}"
        me = Client(port, tokens[login])
        boss = tokens["animateur"]
        n = 0
        try:
            while time.monotonic() < deadline:
                n += 1
                action = rng.choice(("create", "edit", "edit", "stale", "declare"))
                if action == "create":
                    actor = f"w{i}-{n}"
                    status, body, _ = me.call("POST", "/api/v1/actors", {"id": actor, "kind": "partenaire",
                                                                         "name": f"Partenaire {i}.{n}"}, token=boss)
                    if status == 201:
                        with lock:
                            created.append((actor, body["name"]))
                elif action in ("edit", "stale"):
                    actor = rng.choice(SHARED_ACTORS)
                    status, _, etag = me.call("GET", f"/api/v1/actors/{actor}/record", token=boss)
                    title = f"{login}-{n}"
                    status, body, _ = me.call("PATCH", f"/api/v1/actors/{actor}", {"job_title": title}, etag,
                                              token=boss)
                    if status == 200:
                        with lock:
                            edits.append((actor, title, "animateur"))
                    if action == "stale":  # the same ETag again: the record changed since it was read
                        again, _, _ = me.call("PATCH", f"/api/v1/actors/{actor}", {"job_title": title + "-bis"},
                                              etag, token=boss)
                        with lock:
                            stale_answers.append(again)
                        statuses[again] += 1
                else:
                    j = rng.choice([k for k in range(WRITERS) if k != i])
                    status, body, _ = me.call("POST", "/api/v1/cooperations", {
                        "actor_a": agents[i], "actor_b": agents[j], "nature": f"échange {n}",
                        "frequency": "mensuelle"})
                    if status == 201:
                        with lock:
                            declared.append(body["id"])
                        answered, body, _ = me.call("POST", f"/api/v1/cooperations/{body['id']}/confirm",
                                                    token=tokens[f"writer{j}"])
                        statuses[answered] += 1
                        if answered == 200:
                            with lock:
                                confirmed.append(body["id"])
                statuses[status] += 1
        except Exception as error:  # a writer's failure is reported, not swallowed
            failures.append(f"writer {i}: {error!r}")

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"\n{store.backend}: {sum(statuses.values())} requests in {SECONDS:.0f} s by {WRITERS} writers, "
          f"statuses {dict(sorted(statuses.items()))}; {len(created)} creations, {len(edits)} edits, "
          f"{len(declared)} declarations, {len(confirmed)} confirmations acknowledged; "
          f"{len(stale_answers)} stale writes")
    assert failures == []
    assert not [s for s in statuses if s >= 500], statuses
    assert stale_answers and set(stale_answers) == {412}
    assert created and edits and declared and confirmed

    # Every acknowledged write is there afterwards, and in the history.
    entries = history.entries(store, limit=10**6)
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for entry in entries:
        by_kind[entry["kind"]].append(entry)
    for actor, name in created:
        node = store.get_node(actor)
        assert node is not None and node.name == name
    assert {a for a, _ in created} <= {t for e in by_kind["create"] for t in e["touched"]}
    assert len(by_kind["create"]) == len(created) and len(by_kind["update"]) == len(edits)
    assert len(by_kind["declare"]) == len(declared) and len(by_kind["confirm"]) == len(confirmed)
    # Edits of the shared records: each acknowledged value is in the history, and each record holds the last one.
    recorded = {}
    for entry in reversed(by_kind["update"]):  # oldest first
        change = history.changes_of(store, history.get(store, entry["id"]))[0]
        recorded[change.after.properties["job_title"]] = change.after.id
        last = change.after
        assert last.properties["job_title"]
    assert {title: actor for actor, title, _ in edits} == recorded
    for actor in SHARED_ACTORS:
        updates = [e for e in reversed(by_kind["update"]) if actor in e["touched"]]
        if updates:
            newest = history.changes_of(store, history.get(store, updates[-1]["id"]))[0].after
            assert store.get_node(actor).properties["job_title"] == newest.properties["job_title"]
    client = Client(port, tokens["animateur"])
    for tie in declared:
        status, body, _ = client.call("GET", f"/api/v1/cooperations/{tie}")
        assert status == 200
        assert body["status"] == ("confirmed" if tie in confirmed else "declared")
