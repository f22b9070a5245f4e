"""What the benchmarks share: a real Neo4j, from NEO4J_URI or started here as the tests do."""
from __future__ import annotations

import os
import sys
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
