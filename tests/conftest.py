"""Fixtures: a real Neo4j server for the session, and each store fresh for each test."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from graph import migrations
from graph.stores.embedded import EmbeddedStore
from graph.stores.neo4j_store import Neo4jStore

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "malaunay-fictif"
# The reading tests read as a closed intranet may (MAILLAGE_ANONYMOUS_READ=1); the accounts tests turn it off
# to show that reading requires an account by default.
os.environ.setdefault("MAILLAGE_ANONYMOUS_READ", "1")
os.environ.setdefault("MAILLAGE_PERSONS_VISIBLE_TO", "anonymous")
# The real public files live in shared/data beside the checkout (MAILLAGE_SHARED_DATA overrides).
SHARED_DATA = Path(os.environ.get("MAILLAGE_SHARED_DATA") or ROOT.parent / "shared" / "data")


def pytest_collection_modifyitems(items):
    """Mark every test that needs the real Neo4j (``pytest -m "not neo4j"`` is the fast loop)."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        params = getattr(getattr(item, "callspec", None), "params", {})
        if {"neo4j_uri", "neo4j_store", "stoppable_neo4j"} & names or params.get("store") == "neo4j":
            item.add_marker(pytest.mark.neo4j)


def pytest_sessionstart(session):
    if not (SHARED_DATA / "scdl-subventions").is_dir():
        raise pytest.UsageError(f"The real public files are missing: {SHARED_DATA} (set MAILLAGE_SHARED_DATA)")


def _start_neo4j():
    from tests import neo4j_server

    try:
        return neo4j_server.start()
    except neo4j_server.Neo4jUnavailable as exc:
        pytest.fail(f"Neo4j could not start: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def neo4j_server():
    """The Neo4j server the suite started (None when ``NEO4J_URI`` names one of yours)."""
    if os.environ.get("NEO4J_URI"):
        yield None
        return
    server = _start_neo4j()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def neo4j_uri(neo4j_server):
    """Bolt URI of a real Neo4j: ``NEO4J_URI`` if set, else a server started here. Never skipped."""
    return neo4j_server.uri if neo4j_server is not None else os.environ["NEO4J_URI"]


@pytest.fixture
def stoppable_neo4j(neo4j_server):
    """A Neo4j server a test may stop and start again: the suite's own, else one started for the test."""
    if neo4j_server is not None:
        yield neo4j_server
        return
    server = _start_neo4j()
    yield server
    server.stop()


@pytest.fixture
def neo4j_store(neo4j_uri):
    store = Neo4jStore(neo4j_uri, os.environ.get("NEO4J_USER", "neo4j"), os.environ.get("NEO4J_PASSWORD", "test"),
                       os.environ.get("NEO4J_DATABASE") or None)
    store.clear()
    migrations.upgrade(store)  # as open_store does: a store of this release records its schema version
    yield store
    store.close()


@pytest.fixture
def embedded_store(tmp_path):
    store = EmbeddedStore(tmp_path / "data")
    migrations.upgrade(store)
    yield store
    store.close()


@pytest.fixture(params=["embedded", "neo4j"])
def store(request):
    """Each contract test runs once on each store."""
    return request.getfixturevalue(f"{request.param}_store")
