"""Who sees persons: by default, accounts from « contributeur » up see agents by name and elected officials' ties;
anyone else sees agents only inside counts, and elected officials by their public role only. One rule, on every
surface: pages, API, views, exports, search, history."""
from __future__ import annotations

import io

import networkx as nx
import pytest

from api.app import create_app
from graph import schema
from graph.territory import TerritoryCache
from tests.collab import login, setting

AGENT, AGENT_NAME = "ag-00001", "Camille Aubertin"
ELECTED = "elu-0001"


@pytest.fixture
def viewers(embedded_store):
    """(client, headers) for an anonymous visitor (anonymous reading on), a lecteur and an administrateur, on an app
    with the default rule."""
    world = setting(embedded_store)
    app = create_app(embedded_store, anonymous_read=True, persons_visible_to="contributeur")
    client = app.test_client()
    full = TerritoryCache(embedded_store).current()
    return {"anonymous": (client, {}), "lecteur": (client, world.headers("lecteur")),
            "administrateur": (client, world.headers("admin"))}, app, full


def sees(role: str) -> bool:
    return role == "administrateur"


def test_every_surface_shows_persons_only_to_those_who_may_see_them(viewers):
    clients, _, full = viewers
    agents = {n for n, node in full.nodes.items() if node.kind == schema.AGENT.label}
    counts = {}
    for role, (client, headers) in clients.items():
        allowed = sees(role)

        def get(path, client=client, headers=headers):
            return client.get(path, headers=headers)

        # API: lists, an agent's answers, global questions, a record, an elected official's ties.
        listed = [a for page in (1, 2) for a in get(f"/api/v1/actors?per_page=200&page={page}").json["items"]]
        assert any(a["kind"] == "Agent" for a in listed) is allowed, role
        assert any(a["id"] == ELECTED for a in listed), role  # the public role of an elected official
        assert get(f"/api/v1/actors/{AGENT}/works-with").status_code == (200 if allowed else 404), role
        assert get(f"/api/v1/actors/{AGENT}/record").status_code == (
            200 if allowed else 401 if role == "anonymous" else 404), role
        for question in ("isolated", "brokers", "communities", "single-points"):
            answer = get(f"/api/v1/cooperation/{question}")
            assert answer.status_code == 200
            named = set(answer.get_data(as_text=True).split('"')) & agents
            assert bool(named) is allowed, (role, question)
        elected_ties = get(f"/api/v1/actors/{ELECTED}/works-with").json["collaborators"]
        assert bool(elected_ties) is allowed, role
        # Counts by service are the same for everyone: agents count, unnamed.
        counts[role] = (get("/api/v1/services").json, get("/api/v1/cooperation/services").json,
                        get("/api/v1/themes").json)
        # Pages and search.
        assert get(f"/actors/{AGENT}").status_code == (200 if allowed else 404), role
        assert (AGENT_NAME in get("/search?q=camille").get_data(as_text=True)) is allowed, role
        theme_page = get("/themes/theme-energie").get_data(as_text=True)
        assert not [full.nodes[a].name for a in agents if full.nodes[a].name in theme_page] or allowed, role
        # Views.
        territory_view = get("/views/territory").get_data(as_text=True)
        assert (AGENT_NAME in territory_view) is allowed, role
        assert get(f"/views/actors/{AGENT}").status_code == (200 if allowed else 404), role
        assert get("/views/services").status_code == 200
        # Exports.
        graph = nx.read_graphml(io.BytesIO(get("/api/v1/export/graphml").data))
        assert (AGENT in graph) is allowed and ELECTED in graph, role
        assert bool(list(graph.neighbors(ELECTED))) is allowed, role
        # History: who changed what about whom.
        assert get("/api/v1/history").status_code == (200 if allowed else (401 if role == "anonymous" else 403))
    assert counts["anonymous"] == counts["lecteur"] == counts["administrateur"]
    assert sum(item["agents"] for item in counts["anonymous"][0]["items"]) == len(agents)


def test_the_history_page_and_an_agent_page_refuse_a_lecteur(viewers):
    _, app, _ = viewers
    client = app.test_client()
    assert login(client, "lecteur").status_code == 302
    assert client.get("/history").status_code == 403
    assert client.get(f"/actors/{AGENT}").status_code == 404
    assert AGENT_NAME not in client.get("/search?q=aubertin").get_data(as_text=True)
    contributor = app.test_client()
    assert login(contributor, "camille").status_code == 302
    assert contributor.get("/history").status_code == 200
    assert AGENT_NAME in contributor.get("/search?q=aubertin").get_data(as_text=True)
