"""What the benchmarks share: a real Neo4j, from NEO4J_URI or started here as the tests do."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@contextmanager
def neo4j_store(import_dir: Path | None = None):
    """A Neo4jStore on ``NEO4J_URI`` (with NEO4J_USER/PASSWORD/DATABASE), or on a server started for the run
    (whose ``LOAD CSV`` reads from *import_dir*).

    The store's ``environment`` holds the NEO4J_* variables a child process needs to reach the same server.
    """
    from graph.stores.neo4j_store import Neo4jStore

    server = None
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        from tests import neo4j_server

        server = neo4j_server.start(import_dir=import_dir)
        uri = server.uri
    environment = {"NEO4J_URI": uri, "NEO4J_USER": os.environ.get("NEO4J_USER", "neo4j"),
                   "NEO4J_PASSWORD": os.environ.get("NEO4J_PASSWORD", "test")}
    if os.environ.get("NEO4J_DATABASE"):
        environment["NEO4J_DATABASE"] = os.environ["NEO4J_DATABASE"]
    store = Neo4jStore(uri, environment["NEO4J_USER"], environment["NEO4J_PASSWORD"],
                       environment.get("NEO4J_DATABASE"))
    store.environment = environment
    try:
        yield store
    finally:
        store.close()
        if server:
            server.stop()


class Client:
    """One keep-alive HTTP connection to a served Maillage, authenticated by an API token if given."""

    def __init__(self, port: int, token: str | None = None):
        import http.client

        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str) -> tuple[int, bytes]:
        self.connection.request("GET", path, headers=self.headers)
        response = self.connection.getresponse()
        return response.status, response.read()


def timed(call) -> tuple[float, object]:
    """(milliseconds, result) of *call*."""
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def start_server(root: Path, environment: dict[str, str], extra: list[str] = (), timeout: float = 300
                 ) -> tuple[subprocess.Popen, int, float]:
    """``maillage serve`` of the release in *root* on the store of *environment*: (process, port, seconds until
    its /health answered)."""
    from tests.neo4j_server import free_port

    port = free_port()
    started = time.monotonic()
    # A data folder of its own unless *environment* names one: a server keeps its snapshot there, and one kept
    # by an earlier run would make this start look faster than a first one.
    data = tempfile.mkdtemp(prefix="maillage-bench-")
    server = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(port), *extra], cwd=root,
                              env={**os.environ, "MAILLAGE_DATA_DIR": data, **environment, "PYTHONPATH": str(root)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            if Client(port).get("/health")[0] in (200, 503):
                return server, port, time.monotonic() - started
        except OSError:
            if time.monotonic() - started > timeout or server.poll() is not None:
                server.kill()
                raise
            time.sleep(0.2)


def previous_release(revision: str, folder: Path) -> Path:
    """The code of *revision* (``git archive``) in *folder*, to run beside this one."""
    folder.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "archive", revision], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


# What a person consulting the map asks, for the concurrent clients of the benchmarks.
PATHS = ["/api/v1/actors/{a}/works-with", "/api/v1/actors/{a}/ego?depth=2", "/api/v1/actors/{a}",
         "/api/v1/cooperation/path?from={a}&to={b}&alternatives=0", "/api/v1/cooperation/brokers?limit=10"]


def throughput(port: int, token: str, agents: list[str], others: list[str], clients: int, seconds: float
               ) -> tuple[int, float, int]:
    """(requests, requests per second, failures) of *clients* threads asking :data:`PATHS` for *seconds*."""
    import random
    import threading

    done, failures, lock = [0], [0], threading.Lock()
    stop = time.monotonic() + seconds

    def worker(number: int) -> None:
        rng, connection = random.Random(number), Client(port, token)
        while time.monotonic() < stop:
            path = rng.choice(PATHS).format(a=rng.choice(agents), b=rng.choice(others))
            try:
                ok = connection.get(path)[0] == 200
            except Exception:
                ok, connection = False, Client(port, token)
            with lock:
                done[0] += 1
                failures[0] += 0 if ok else 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done[0], done[0] / (time.perf_counter() - started), failures[0]


def account_token(store, role: str = "administrateur") -> str:
    """An API token of a new account of *role* (an administrator sees persons; a lecteur, by default, does not)."""
    from graph import accounts

    login = f"bench-{os.getpid()}-{time.time_ns()}"
    accounts.add(store, login, role)
    return accounts.create_token(store, login)[0]


def write_tie(store, number: int, prefix: str = "ag") -> None:
    """A new declared cooperation between two actors (agents, or *prefix* ``asso``: associations), as a staff member
    would add one: the store changes."""
    from graph.model import Batch, Provenance, Relationship

    store.write(Batch([], [Relationship("COOPERATES_WITH", f"{prefix}-{number:05d}", f"{prefix}-{number + 1:05d}",
                                        f"bench-{time.time_ns()}", {"frequency": "mensuelle"},
                                        Provenance("benchmark", number, "user"))]))


def shown_after_a_write(store, client: Client, number: int, prefix: str = "ag", timeout: float = 120) -> float:
    """Milliseconds from a tie written in the store (:func:`write_tie`) to the first answer of *client* that shows it.
    A read with nothing of its own to wait for answers from the snapshot being replaced while a refresh reads what
    changed (``api/state.py: REFRESH_PATIENCE``): it is asked again until the tie shows."""
    write_tie(store, number, prefix)
    path, other = f"/api/v1/actors/{prefix}-{number:05d}/works-with", f'"{prefix}-{number + 1:05d}"'.encode()
    started = time.perf_counter()
    while True:
        status, body = client.get(path)
        assert status == 200, (path, status)
        elapsed = time.perf_counter() - started
        if other in body:
            return elapsed * 1000
        assert elapsed < timeout, f"{path}: the tie written {timeout} s ago does not show"
