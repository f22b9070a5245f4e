"""Every cooperation query through the HTTP API, on both stores, with the bad-input cases."""
from __future__ import annotations

import json

import pytest

from api.app import create_app
from graph.model import Batch, Provenance, Relationship
from importers.pipeline import import_files
from tests.conftest import EXAMPLE

SILOS = {"svc-0011", "svc-0012"}


@pytest.fixture
def client(store):
    import_files([EXAMPLE], store)
    return create_app(store).test_client()


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True)[:500])
    return response.json


def test_works_with_lists_collaborators_with_evidence_and_filters(client):
    body = get(client, "/api/v1/actors/ag-00001/works-with")
    assert body["actor"]["name"] and body["count"] == len(body["collaborators"]) > 0
    weights = [c["weight"] for c in body["collaborators"]]
    assert weights == sorted(weights, reverse=True)
    for c in body["collaborators"]:
        assert c["evidence"] and c["weight"] >= len(c["evidence"])
    agents = get(client, "/api/v1/actors/ag-00001/works-with?kind=agent")
    assert agents["count"] and {c["kind"] for c in agents["collaborators"]} == {"Agent"}
    past = get(client, "/api/v1/actors/ag-00001/works-with?as_of=2015-01-01")
    assert past["count"] < body["count"]


def test_ego_network_grows_with_depth(client):
    sizes = [len(get(client, f"/api/v1/actors/ag-00001/ego?depth={d}")["nodes"]) for d in (1, 2, 3)]
    assert sizes[0] < sizes[1] <= sizes[2]
    one = get(client, "/api/v1/actors/ag-00001/ego?depth=1")
    assert one["nodes"][0]["distance"] == 0 and all(n["distance"] <= 1 for n in one["nodes"])


def test_cross_service_matrix_shows_the_silos(client):
    body = get(client, "/api/v1/cooperation/services")
    groups = {g["id"]: g for g in body["groups"]}
    assert all(groups[s]["index"] == -1.0 for s in SILOS)
    assert all(g["index"] > -1.0 for gid, g in groups.items() if gid not in SILOS)
    n = len(body["groups"])
    assert len(body["matrix"]) == n and all(body["matrix"][i][j] == body["matrix"][j][i]
                                            for i in range(n) for j in range(n))
    internal = sum(body["matrix"][i][i] for i in range(n))
    external = sum(body["matrix"][i][j] for i in range(n) for j in range(i + 1, n))
    assert body["ei_index"] == pytest.approx((external - internal) / (external + internal))
    poles = get(client, "/api/v1/cooperation/services?level=pole")
    assert len(poles["groups"]) == 4


def test_isolated_actors_come_with_their_reasons(client):
    body = get(client, "/api/v1/cooperation/isolated")
    by_id = {a["id"]: a for a in body["actors"]}
    no_ties = [a for a in body["actors"] if "no_ties" in a["reasons"] and a["kind"] == "Agent"]
    assert len(no_ties) == 5
    silo_agents = [a for a in body["actors"] if a.get("service") in SILOS]
    assert silo_agents and all("internal_only" in a["reasons"] for a in silo_agents if a["degree"])
    assert body["counts"]["no_project_no_grant"] > 0
    assert all(by_id[a["id"]]["kind"] in ("Association", "Partner") for a in body["actors"]
               if "no_project_no_grant" in a["reasons"])


def test_single_points_find_partners_tied_through_one_agent(client):
    body = get(client, "/api/v1/cooperation/single-points")
    through = body["organisations_through_one_agent"]
    assert {"part-00022", "part-00023", "part-00024", "part-00025"} <= {o["id"] for o in through}
    assert all(o["through"]["kind"] == "Agent" for o in through)
    assert body["articulation_points"] and body["bridges"]


def test_brokers_rank_by_betweenness_with_roles(client):
    body = get(client, "/api/v1/cooperation/brokers?limit=10")
    assert body["method"] == "exact" and body["sample_size"] is None
    values = [b["betweenness"] for b in body["brokers"]]
    assert len(values) == 10 and values == sorted(values, reverse=True)
    top = body["brokers"][0]
    assert set(top["brokerage"]) == {"coordinator", "itinerant", "representative", "gatekeeper", "liaison", "total"}
    assert top["constraint"] is not None and top["effective_size"] is not None


def test_communities_are_set_against_services_and_repeatable(client):
    first = get(client, "/api/v1/cooperation/communities")
    assert first == get(client, "/api/v1/cooperation/communities")
    assert any(c["cuts_across_services"] for c in first["communities"])
    assert 0 < first["modularity"] < 1
    silo_entries = [s for s in first["services"] if s["id"] in SILOS]
    assert silo_entries


def test_path_gives_steps_with_evidence_and_alternatives(client):
    body = get(client, "/api/v1/cooperation/path?from=ag-00001&to=asso-00003&alternatives=2")
    assert body["found"] and 1 <= len(body["paths"]) <= 3
    first = body["paths"][0]
    assert first["actors"][0]["id"] == "ag-00001" and first["actors"][-1]["id"] == "asso-00003"
    assert len(first["steps"]) == first["length"] and all(s["evidence"] for s in first["steps"])
    lengths = [p["length"] for p in body["paths"]]
    assert lengths == sorted(lengths)
    isolated = get(client, "/api/v1/cooperation/isolated")
    lonely = next(a["id"] for a in isolated["actors"] if "no_ties" in a["reasons"] and a["kind"] == "Agent")
    assert get(client, f"/api/v1/cooperation/path?from=ag-00001&to={lonely}")["found"] is False


def test_theme_coverage_flags_narrow_themes(client):
    narrow = get(client, "/api/v1/themes/theme-protection-des-donnees/coverage")
    assert narrow["single_person"] and narrow["single_service"]
    assert get(client, "/api/v1/themes/theme-donnees-ouvertes/coverage")["single_service"]
    broad = get(client, "/api/v1/themes/theme-energie/coverage")
    assert not broad["single_service"] and broad["projects"]
    listed = {t["id"]: t for t in get(client, "/api/v1/themes")["items"]}
    assert listed["theme-protection-des-donnees"]["single_person"]


def test_changes_between_two_dates(client):
    body = get(client, "/api/v1/cooperation/changes?from=2020-01-01&to=2025-06-01")
    assert body["new_ties"] and body["no_longer_isolated"]
    assert get(client, "/api/v1/cooperation/changes?from=2024-01-01&to=2024-01-01")["new_ties"] == []


def test_catalogue_endpoints(client):
    page = get(client, "/api/v1/actors?kind=agent&per_page=20&page=2")
    assert page["total"] == 110 and len(page["items"]) == 20 and page["page"] == 2
    assert get(client, "/api/v1/actors?service=pole-004&kind=agent")["total"] > 0
    assert get(client, "/api/v1/actors?q=REPAIR%20CAFE")["total"] >= 1
    assert get(client, "/api/v1/actors?theme=Énergie")["total"] > 0
    one = get(client, "/api/v1/actors/ag-00001")
    assert one["personal"] and one["provenance"]["source"] == "acteurs.csv"
    assert get(client, "/api/v1/projects?theme=theme-energie")["total"] > 0
    assert get(client, "/api/v1/projects/proj-00001")["participants"]
    services = get(client, "/api/v1/services")["items"]
    assert len(services) == 16 and sum(s["agents"] for s in services) == 110


def test_answers_follow_every_write(client, store):
    before = get(client, "/api/v1/actors/ag-00002/works-with")["count"]
    get(client, "/api/v1/cooperation/brokers")
    isolated_before = get(client, "/api/v1/cooperation/isolated")["counts"]["no_ties"]
    lonely = next(a["id"] for a in get(client, "/api/v1/cooperation/isolated")["actors"]
                  if "no_ties" in a["reasons"] and a["kind"] == "Agent")
    store.write(Batch([], [Relationship("COOPERATES_WITH", "ag-00002", lonely, "new", {"frequency": "quotidienne"},
                                        Provenance("test", 1))]))
    after = get(client, "/api/v1/actors/ag-00002/works-with")
    assert after["count"] == before + 1 and lonely in {c["id"] for c in after["collaborators"]}
    assert get(client, "/api/v1/cooperation/isolated")["counts"]["no_ties"] == isolated_before - 1


NOT_FOUND = ["/api/v1/actors/nobody", "/api/v1/actors/nobody/works-with", "/api/v1/actors/nobody/ego",
             "/api/v1/projects/nothing", "/api/v1/themes/theme-nothing/coverage",
             "/api/v1/cooperation/path?from=ag-00001&to=nobody", "/api/v1/actors/proj-00001"]
BAD = [("/api/v1/actors/ag-00001/ego?depth=4", "depth"), ("/api/v1/actors/ag-00001/ego?depth=deux", "depth"),
       ("/api/v1/actors/ag-00001/works-with?as_of=2024-13-01", "as_of"),
       ("/api/v1/actors/ag-00001/works-with?as_of=hier", "as_of"),
       ("/api/v1/actors/ag-00001/works-with?kind=sorcier", "kind"),
       ("/api/v1/actors/ag-00001/works-with?theme=astrologie", "theme"),
       ("/api/v1/cooperation/services?level=galaxie", "level"), ("/api/v1/cooperation/brokers?limit=0", "limit"),
       ("/api/v1/cooperation/brokers?limit=99999999999999999999999", "limit"),
       ("/api/v1/cooperation/path?to=ag-00001", "from"), ("/api/v1/cooperation/path?from=ag-00001", "to"),
       ("/api/v1/cooperation/changes?from=2024-01-01", "to"),
       ("/api/v1/cooperation/changes?from=2024-01-01&to=2023-01-01", "to"),
       ("/api/v1/actors?per_page=1000000", "per_page"), ("/api/v1/actors?page=-1", "page"),
       ("/api/v1/actors?service=ag-00001", "service"), ("/api/v1/actors?q=" + "x" * 5000, "q")]


@pytest.mark.parametrize("url", NOT_FOUND)
def test_unknown_identifiers_are_404_problems(client, url):
    response = client.get(url)
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


@pytest.mark.parametrize("url,parameter", BAD)
def test_malformed_parameters_are_400_problems_naming_the_parameter(client, url, parameter):
    response = client.get(url)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert response.json["invalid_params"][0]["name"] == parameter
    assert response.json["invalid_params"][0]["reason"]


ODD = ["' OR 1=1 --", "x}) MATCH (n) DETACH DELETE n //", "<script>alert(1)</script>", "é\u0000\u202e",
       "%00", "../../etc/passwd", "😀" * 300, "a" * 20000, "$(label)", "[]", "{}", "NaN", "-0", "1e309"]


def test_no_odd_input_produces_a_500(client):
    routes = ["/api/v1/actors/{v}", "/api/v1/actors/{v}/works-with", "/api/v1/actors/ag-00001/ego?depth={v}",
              "/api/v1/actors/ag-00001/works-with?as_of={v}&kind={v}&theme={v}",
              "/api/v1/cooperation/path?from={v}&to={v}",
              "/api/v1/cooperation/changes?from={v}&to={v}", "/api/v1/actors?q={v}&kind={v}&page={v}&per_page={v}",
              "/api/v1/themes/{v}/coverage", "/api/v1/cooperation/brokers?limit={v}",
              "/api/v1/cooperation/communities?seed={v}", "/api/v1/projects?theme={v}&status={v}&q={v}"]
    from urllib.parse import quote

    for route in routes:
        for value in ODD:
            response = client.get(route.replace("{v}", quote(value, safe="")))
            assert response.status_code < 500, (route, value, response.get_data(as_text=True)[:300])
            if response.status_code >= 400:
                assert response.mimetype == "application/problem+json"


def test_openapi_describes_every_route_and_docs_page_reads(client):
    spec = get(client, "/api/v1/openapi.json")
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/actors/{actor_id}/works-with", "/api/v1/cooperation/path", "/api/v1/cooperation/changes",
                 "/api/v1/themes/{theme_id}/coverage", "/api/v1/actors"):
        assert path in spec["paths"]
    flask_rules = {r.rule for r in client.application.url_map.iter_rules() if r.rule.startswith("/api/v1/")}
    documented = {p.replace("{", "<").replace("}", ">") for p in spec["paths"]}
    assert flask_rules - {"/api/v1/openapi.json", "/api/v1/docs"} <= documented
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "works-with" in page and "Paramètre" in page
    json.dumps(spec)


def test_both_stores_answer_alike(embedded_store, neo4j_store):
    clients = []
    for store in (embedded_store, neo4j_store):
        import_files([EXAMPLE], store)
        clients.append(create_app(store).test_client())
    for url in ["/api/v1/actors/ag-00001/works-with", "/api/v1/actors/ag-00010/ego?depth=2",
                "/api/v1/cooperation/services", "/api/v1/cooperation/isolated", "/api/v1/cooperation/single-points",
                "/api/v1/cooperation/brokers", "/api/v1/cooperation/communities",
                "/api/v1/cooperation/path?from=ag-00001&to=asso-00003",
                "/api/v1/themes/theme-energie/coverage", "/api/v1/cooperation/changes?from=2020-01-01&to=2025-01-01",
                "/api/v1/actors?per_page=200", "/api/v1/projects"]:
        answers = [get(c, url) for c in clients]
        assert answers[0] == answers[1], url
