"""People change the map through the write API, on each store: ties both sides stand behind, ETags, proposals,
history and undo (a whole import included), survey campaigns."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from graph import campaigns, history
from graph.editing import Author
from graph.territory import TerritoryCache
from importers.pipeline import import_files
from tests.collab import setting


@pytest.fixture
def world(store):
    return setting(store)


def declare(world, client, who, a, b, nature="projet vélo", **extra):
    return client.post("/api/v1/cooperations", json={"actor_a": a, "actor_b": b, "nature": nature,
                                                     "frequency": "mensuelle", **extra}, headers=world.headers(who))


def test_a_declared_tie_counts_as_confirmed_only_once_the_other_side_confirms_it(world):
    client = world.client()
    created = declare(world, client, "camille", "ag-00001", "ag-00002")
    assert created.status_code == 201 and created.json["status"] == "declared" and created.headers["ETag"]
    tie = created.json["id"]
    assert created.headers["Location"] == f"/api/v1/cooperations/{tie}"

    def confirmed_partners():
        answer = client.get("/api/v1/actors/ag-00001/works-with?evidence=confirmed", headers=world.headers("lecteur"))
        return {c["id"] for c in answer.json["collaborators"]}

    everything = client.get("/api/v1/actors/ag-00001/works-with", headers=world.headers("lecteur")).json
    shown = [e for c in everything["collaborators"] if c["id"] == "ag-00002" for e in c["evidence"]]
    assert {"kind": "declared", "status": "declared"}.items() <= shown[0].items()
    assert "ag-00002" not in confirmed_partners()
    # The side that declared it cannot confirm it; an animateur cannot either; the other side can.
    assert client.post(f"/api/v1/cooperations/{tie}/confirm", headers=world.headers("camille")).status_code == 403
    assert client.post(f"/api/v1/cooperations/{tie}/confirm", headers=world.headers("animateur")).status_code == 403
    confirmed = client.post(f"/api/v1/cooperations/{tie}/confirm", headers=world.headers("lea"))
    assert confirmed.status_code == 200 and confirmed.json["status"] == "confirmed"
    assert confirmed.json["status_by"] == "ag-00002"
    assert "ag-00002" in confirmed_partners()
    # Disputed, with a reason: out of the confirmed network again, the status and reason shown.
    disputed = client.post(f"/api/v1/cooperations/{tie}/dispute", json={"reason": "jamais rencontrée"},
                           headers=world.headers("lea"))
    assert disputed.json["status"] == "disputed" and disputed.json["reason"] == "jamais rencontrée"
    assert "ag-00002" not in confirmed_partners()
    view = client.get("/views/actors/ag-00001?evidence=confirmed", headers=world.headers("lecteur"))
    assert view.status_code == 200
    assert client.get("/api/v1/cooperation/isolated?evidence=maybe",
                      headers=world.headers("lecteur")).status_code == 400


def test_a_stale_etag_is_refused_with_412_and_nothing_is_overwritten(world):
    client = world.client()
    read = client.get("/api/v1/actors/ag-00003/record", headers=world.headers("animateur"))
    etag = read.headers["ETag"]
    first = client.patch("/api/v1/actors/ag-00003", json={"job_title": "cheffe de projet", "themes": ["Vélo"]},
                         headers=world.headers("animateur", **{"If-Match": etag}))
    assert first.status_code == 200 and first.json["themes"] == ["Vélo"] and first.headers["ETag"] != etag
    stale = client.patch("/api/v1/actors/ag-00003", json={"job_title": "autre chose"},
                         headers=world.headers("animateur", **{"If-Match": etag}))
    assert stale.status_code == 412 and stale.mimetype == "application/problem+json"
    assert stale.json["stale"] == ["ag-00003"]
    assert world.store.get_node("ag-00003").properties["job_title"] == "cheffe de projet"
    # A theme added meanwhile changes the ETag too: the record covers the relationships it carries.
    fresh = first.headers["ETag"]
    client.patch("/api/v1/actors/ag-00003", json={"themes": ["Vélo", "Mobilité"]},
                 headers=world.headers("animateur", **{"If-Match": fresh}))
    assert client.patch("/api/v1/actors/ag-00003", json={"name": "H. Ollivier"},
                        headers=world.headers("animateur", **{"If-Match": fresh})).status_code == 412
    # A tie's ETag works the same way.
    tie = declare(world, client, "camille", "ag-00001", "ag-00002")
    moved = client.patch(f"/api/v1/cooperations/{tie.json['id']}", json={"frequency": "hebdomadaire"},
                         headers=world.headers("camille", **{"If-Match": tie.headers["ETag"]}))
    assert moved.status_code == 200 and moved.json["frequency"] == "hebdomadaire"
    assert client.patch(f"/api/v1/cooperations/{tie.json['id']}", json={"frequency": "quotidienne"},
                        headers=world.headers("camille", **{"If-Match": tie.headers["ETag"]})).status_code == 412


def test_invalid_bodies_name_the_pointer_the_value_and_what_was_expected_and_write_nothing(world):
    client = world.client()
    before = world.store.node_counts()
    bad = client.post("/api/v1/actors", json={"id": "pas un id", "kind": "chef", "name": "", "service": "svc-9999",
                                              "couleur": "bleu", "job_title": 3},
                      headers=world.headers("animateur"))
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    by_pointer = {p["pointer"]: p for p in bad.json["invalid_params"]}
    assert set(by_pointer) >= {"/id", "/kind", "/name", "/couleur", "/job_title"}
    assert by_pointer["/kind"]["value"] == "chef" and "agent" in by_pointer["/kind"]["reason"]
    assert by_pointer["/couleur"]["value"] == "bleu"
    unknown_service = client.post("/api/v1/actors", json={"id": "ag-new", "kind": "agent", "name": "Nouvelle",
                                                          "service": "svc-9999"}, headers=world.headers("animateur"))
    assert unknown_service.json["invalid_params"][0]["pointer"] == "/service"
    assert unknown_service.json["invalid_params"][0]["value"] == "svc-9999"
    dated = client.post("/api/v1/cooperations", json={"actor_a": "ag-00001", "actor_b": "ag-00001",
                                                      "since": "hier"}, headers=world.headers("camille"))
    assert dated.status_code == 422
    assert {p["pointer"] for p in dated.json["invalid_params"]} == {"/since", "/actor_b"}
    for raw in ("[1, 2]", "{", "nul"):
        answer = client.post("/api/v1/cooperations", data=raw, content_type="application/json",
                             headers=world.headers("camille"))
        assert answer.status_code == 400 and answer.mimetype == "application/problem+json"
    assert client.patch("/api/v1/actors/nobody", json={}, headers=world.headers("animateur")).status_code == 404
    assert client.get("/api/v1/cooperations/c-%%%", headers=world.headers("lecteur")).status_code == 404
    assert world.store.node_counts() == before


def test_a_contributor_proposes_and_an_animateur_validates(world):
    client = world.client()
    proposed = client.post("/api/v1/actors", json={"id": "asso-velo", "kind": "association",
                                                   "name": "Vélo pour tous"}, headers=world.headers("camille"))
    assert proposed.status_code == 202 and proposed.json["status"] == "pending"
    assert world.store.get_node("asso-velo") is None
    listed = client.get("/api/v1/proposals", headers=world.headers("animateur")).json["items"]
    assert [p["id"] for p in listed] == [proposed.json["id"]]
    assert client.get("/api/v1/proposals", headers=world.headers("camille")).status_code == 403
    accepted = client.post(f"/api/v1/proposals/{proposed.json['id']}/accept", headers=world.headers("animateur"))
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted"
    assert world.store.get_node("asso-velo").name == "Vélo pour tous"
    again = client.post(f"/api/v1/proposals/{proposed.json['id']}/accept", headers=world.headers("animateur"))
    assert again.status_code == 409
    created = history.entries(world.store, kind="create")[0]
    assert created["by"] == "animateur" and "asso-velo" in created["touched"]


def test_every_change_is_in_the_history_and_undoing_is_itself_a_change(world):
    client = world.client()
    patched = client.patch("/api/v1/actors/ag-00003", json={"job_title": "cheffe"}, headers=world.headers("animateur"))
    tie = declare(world, client, "camille", "ag-00001", "ag-00002").json["id"]
    client.post(f"/api/v1/cooperations/{tie}/confirm", headers=world.headers("lea"))
    items = client.get("/api/v1/history", headers=world.headers("lecteur")).json["items"]
    assert [(e["kind"], e["by"]) for e in items] == [("confirm", "lea"), ("declare", "camille"),
                                                    ("update", "animateur"), ("import", "cli")]
    assert all({"id", "at", "by", "kind", "touched"} <= set(e) for e in items)
    about = client.get("/api/v1/history?touching=ag-00003", headers=world.headers("lecteur")).json["items"]
    assert [e["kind"] for e in about] == ["update", "import"]
    assert [e["kind"] for e in client.get("/api/v1/history?by=lea", headers=world.headers("lecteur")).json["items"]] \
        == ["confirm"]
    assert client.get("/api/v1/history?kind=nonsense", headers=world.headers("lecteur")).status_code == 400
    update = about[0]["id"]
    detail = client.get(f"/api/v1/history/{update}", headers=world.headers("lecteur")).json
    change = detail["changes"][0]
    assert change["op"] == "updated" and change["before"]["properties"]["job_title"] == "gestionnaire"
    assert change["after"]["properties"]["job_title"] == "cheffe"
    assert patched.status_code == 200
    # Undo: the record comes back; the undo is in the history; undoing twice is refused.
    assert client.post(f"/api/v1/history/{update}/undo", headers=world.headers("camille")).status_code == 403
    undone = client.post(f"/api/v1/history/{update}/undo", headers=world.headers("animateur"))
    assert undone.status_code == 201 and undone.json["kind"] == "undo" and undone.json["undoes"] == update
    assert world.store.get_node("ag-00003").properties["job_title"] == "gestionnaire"
    assert client.post(f"/api/v1/history/{update}/undo", headers=world.headers("animateur")).status_code == 409
    # Undoing the declaration after its confirmation would silently drop the confirmation: refused.
    declared = next(e for e in items if e["kind"] == "declare")["id"]
    assert client.post(f"/api/v1/history/{declared}/undo", headers=world.headers("animateur")).status_code == 412
    confirmation = items[0]["id"]
    assert client.post(f"/api/v1/history/{confirmation}/undo", headers=world.headers("animateur")).status_code == 201
    assert client.post(f"/api/v1/history/{declared}/undo", headers=world.headers("animateur")).status_code == 201
    assert client.get(f"/api/v1/cooperations/{tie}", headers=world.headers("lecteur")).status_code == 404
    assert client.post("/api/v1/history/h0/undo", headers=world.headers("animateur")).status_code == 404


def test_a_whole_import_is_undone_unless_a_later_change_hangs_on_it(world, tmp_path):
    before_nodes, before_rels = world.store.node_counts(), world.store.relationship_counts()
    extra = tmp_path / "acteurs.csv"
    extra.write_text("identifiant;type;nom;service;categorie;fonction;siret;rna;commune;themes;description\n"
                     "ag-90001;agent;Nina Dupré;svc-0001;;médiatrice;;;;Inclusion numérique;\n"
                     "ag-90002;agent;Paul Morel;svc-0002;;;;;;;\n", encoding="utf-8")
    import_files([extra], world.store, by="admin")
    entry = history.entries(world.store, kind="import")[0]
    assert entry["by"] == "admin" and entry["counts"]["nodes_created"] == 2
    client = world.client()
    # A later tie to an imported agent: the undo would take it away, so it is refused, naming it.
    tie = declare(world, client, "camille", "ag-00001", "ag-90001").json["id"]
    refused = client.post(f"/api/v1/history/{entry['id']}/undo", headers=world.headers("animateur"))
    assert refused.status_code == 412 and tie in refused.json["stale"]
    client.delete(f"/api/v1/cooperations/{tie}", headers=world.headers("camille"))
    declared = history.entries(world.store, kind="declare")[0]["id"]
    retired = history.entries(world.store, kind="retire")[0]["id"]
    for change in (retired, declared, entry["id"]):
        assert client.post(f"/api/v1/history/{change}/undo", headers=world.headers("animateur")).status_code == 201
    assert world.store.get_node("ag-90001") is None
    assert world.store.node_counts() == before_nodes and world.store.relationship_counts() == before_rels


def test_a_large_import_keeps_its_changes_in_parts_and_is_undone_whole(store, tmp_path, monkeypatch):
    monkeypatch.setattr(history, "INLINE", 50)
    rows = "".join(f"ag-9{i:04d};agent;Agent {i};;;;;;;;\n" for i in range(180))
    (tmp_path / "acteurs.csv").write_text("identifiant;type;nom;service;categorie;fonction;siret;rna;commune;"
                                          "themes;description\n" + rows, encoding="utf-8")
    import_files([tmp_path], store)
    entry = history.entries(store, kind="import")[0]
    assert entry["parts"] == 4 and len(history.changes_of(store, history.get(store, entry["id"]))) == 180
    history.undo(store, entry["id"], "admin")
    assert store.node_counts()["Agent"] == 0


def test_a_survey_campaign_turns_answers_into_declared_ties_and_unknown_names_into_proposals(world):
    store = world.store
    territory = TerritoryCache(store).current()
    animateur = Author("animateur", "animateur")
    closes = (date.today() + timedelta(days=10)).isoformat()
    with pytest.raises(campaigns.CampaignError):
        campaigns.open_campaign(store, territory, animateur, "2020-01-01", ["svc-0001"])
    with pytest.raises(Exception, match="forbidden"):
        campaigns.open_campaign(store, territory, Author("camille", "contributeur", "ag-00001"), closes, ["svc-0001"])
    campaign, tokens = campaigns.open_campaign(store, territory, animateur, closes, ["svc-0001", "svc-0002"])
    assert set(tokens) == territory.members_of("svc-0001") | territory.members_of("svc-0002")
    respondent = sorted(tokens)[0]
    others = [a for a in sorted(tokens) if a != respondent]
    answer = campaigns.answer(store, territory, tokens[respondent], [
        (territory.nodes[others[0]].name.upper(), "hebdomadaire"),  # a name, in capitals: found
        (f"{territory.nodes[others[1]].name} — {others[1]}", "mensuelle"),  # as the completion list shows it
        ("Quelqu'un d'inconnu", "ponctuelle")])
    assert answer["actors"] == sorted(others[:2]) and answer["unknown"] == ["Quelqu'un d'inconnu"]
    ties = [r for r in store.outgoing(respondent, ["COOPERATES_WITH"]) if r.key == f"enquete-{campaign['id']}"]
    assert {r.target for r in ties} == set(others[:2])
    assert all(r.properties["origin"] == f"campagne:{campaign['id']}" and r.provenance.kind == "survey" for r in ties)
    pending = [p for p in store.records("proposals") if p[1]["source"] == f"campagne:{campaign['id']}"]
    assert [p[1]["values"]["name"] for p in pending] == ["Quelqu'un d'inconnu"]
    assert store.kinds_of(["Quelqu'un d'inconnu"]) == {}
    # Corrected before the closing date: the answer replaces the earlier one.
    campaigns.answer(store, territory, tokens[respondent], [(others[0], "quotidienne")])
    ties = [r for r in store.outgoing(respondent, ["COOPERATES_WITH"]) if r.key == f"enquete-{campaign['id']}"]
    assert [(r.target, r.properties["frequency"]) for r in ties] == [(others[0], "quotidienne")]
    board = campaigns.dashboard(store, territory, campaign["id"])
    assert board["answered"] == 1 and board["respondents"] == len(tokens)
    assert sum(row["answered"] for row in board["by_service"]) == 1
    assert history.entries(store, kind="survey")[0]["source"] == f"campagne:{campaign['id']}"
    # A later campaign shows what changed.
    later, later_tokens = campaigns.open_campaign(store, territory, animateur, closes, ["svc-0001", "svc-0002"])
    campaigns.answer(store, territory, later_tokens[respondent], [(others[2], "mensuelle")])
    changes = campaigns.dashboard(store, territory, later["id"])["changes"]
    assert changes["earlier"] == campaign["id"]
    assert changes["new"] == [tuple(sorted((respondent, others[2])))]
    assert changes["gone"] == [tuple(sorted((respondent, others[0])))]
    with pytest.raises(campaigns.CampaignError):
        campaigns.answer(store, territory, tokens[respondent], [(others[0], "souvent")])


def test_no_body_makes_a_server_error(embedded_store):
    """Whatever JSON arrives at the write endpoints, the answer is a 2xx or a 4xx problem, never a 500."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    world = setting(embedded_store)
    client = world.client()
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30))
    values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.text(max_size=8), inner, max_size=3), max_leaves=6)
    fields = st.sampled_from(["id", "kind", "name", "service", "themes", "since", "until", "actor_a", "actor_b",
                              "nature", "frequency", "reason", "status", "x"])
    bodies = st.one_of(values, st.dictionaries(fields, values, max_size=5))
    tie = declare(world, client, "camille", "ag-00001", "ag-00002").json["id"]
    targets = [("POST", "/api/v1/actors"), ("PATCH", "/api/v1/actors/ag-00005"), ("POST", "/api/v1/projects"),
               ("PATCH", "/api/v1/projects/proj-00003"), ("POST", "/api/v1/cooperations"),
               ("PATCH", f"/api/v1/cooperations/{tie}"), ("POST", f"/api/v1/cooperations/{tie}/dispute"),
               ("PATCH", "/api/v1/themes/theme-energie")]

    @settings(max_examples=150, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.sampled_from(targets), bodies, st.sampled_from(["animateur", "camille", "lea"]))
    def check(target, body, who):
        method, path = target
        answer = client.open(path, method=method, data=json.dumps(body), content_type="application/json",
                             headers=world.headers(who))
        assert answer.status_code < 500, (method, path, body, answer.get_json())
        if answer.status_code >= 400:
            assert answer.mimetype == "application/problem+json"

    check()
    too_large = client.post("/api/v1/actors", data="x" * (3 * 1024 * 1024), content_type="application/json",
                            headers=world.headers("animateur"))
    assert too_large.status_code == 413 and too_large.mimetype == "application/problem+json"
