"""The Flask app on both stores: /health, counts, and problem+json errors."""
from __future__ import annotations

import pytest

from api.app import create_app
from graph import migrations
from importers.pipeline import import_files
from tests.conftest import EXAMPLE


@pytest.fixture
def client(store):
    import_files([EXAMPLE], store)
    return create_app(store).test_client()


def test_health_names_the_store_and_says_it_answers(client, store):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "reachable": True, "store": store.backend,
                             "description": store.describe(), "schema": migrations.CURRENT, "reads": "ok",
                             "writes": "ok", "warming": False}


def test_health_says_the_server_is_warming_up_until_it_has_prepared_a_person_s_writes(store, monkeypatch):
    """The warm-up reads the snapshot, compiles the pages' templates, then prepares the writes (Neo4j plans their
    queries): /health says ``warming`` from the moment it starts until it ends, while the server answers."""
    import threading

    from api import state

    import_files([EXAMPLE], store)
    app = create_app(store)
    started, release = threading.Event(), threading.Event()

    def prepare_writes() -> None:
        started.set()
        release.wait(30)

    monkeypatch.setattr(store, "prepare_writes", prepare_writes)
    client = app.test_client()
    compiled = lambda: {name for _, name in app.jinja_env.cache}  # Jinja's cache: (loader, name) of each
    assert "survey.html" not in compiled()
    warm_up = state.warm_in_background(app)
    assert client.get("/health").json["warming"] is True
    assert started.wait(30)  # the snapshot was read first: the first people served wait for that read
    assert client.get("/api/v1/status").status_code == 200 and client.get("/health").json["warming"] is True
    release.set()
    warm_up.join(30)
    assert client.get("/health").json["warming"] is False
    # Every page's template compiled by then: a survey's first page took 40 ms more under load for it.
    assert compiled() >= set(app.jinja_env.list_templates())


def test_every_page_compiles_its_template_once_not_at_each_request(client, monkeypatch):
    """A page rendered from a template string compiled it again at every request (an actor's page: ~5 ms of
    the interpreter each time, under load, for every other request waiting on it)."""
    env = client.application.jinja_env
    compiled: list[str | None] = []
    compile_source = env.compile

    def counting(source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return compile_source(source, name, filename, raw, defer_init)

    monkeypatch.setattr(env, "compile", counting)
    pages = ["/", "/?lang=en", "/actors/ag-00001", "/projects/proj-00001", "/api/v1/docs",
             "/workshops"]
    for path in pages:
        assert client.get(path).status_code == 200, path
    assert compiled, "the first requests compile their templates"
    compiled.clear()
    for path in pages:
        assert client.get(path).status_code == 200, path
    assert compiled == []


def test_status_counts_by_kind(client):
    body = client.get("/api/v1/status").json
    assert body["nodes"]["Agent"] == 110 and body["relationships"]["MEMBER_OF"] == 110


def test_unknown_path_is_a_problem_json_404(client):
    response = client.get("/api/v1/nowhere/<script>")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 404


def test_wrong_method_is_a_problem_json_405(client):
    response = client.post("/health")
    assert response.status_code == 405 and response.mimetype == "application/problem+json"


def test_home_page_in_french_and_english(client):
    assert "Base utilisée" in client.get("/").get_data(as_text=True)
    assert "Store in use" in client.get("/?lang=en").get_data(as_text=True)


def test_health_reports_an_unreachable_store_as_503(embedded_store):
    app = create_app(embedded_store)
    embedded_store.close()
    response = app.test_client().get("/health")
    assert response.status_code == 503 and response.json["reachable"] is False
