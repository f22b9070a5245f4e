"""The editing pages, through the app: search, forms with the importers' messages, a form saved over a change
made meanwhile, ties to confirm, proposals, history, campaigns, accounts; and the command line's accounts."""
from __future__ import annotations

import gzip
import json
import re

import pytest

from api.catalogue import folded
from graph import accounts, campaigns, history, schema
from graph.i18n import t
from tests.collab import PASSWORD, csrf_of, login, setting
from tests.helpers import cli_env, maillage, started


@pytest.fixture
def world(embedded_store):
    return setting(embedded_store)


def signed_in(world, name: str):
    client = world.client()
    assert login(client, name).status_code == 302
    return client


def post_form(client, path: str, data: dict):
    token = csrf_of(client.get(path).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def test_search_ignores_accents_and_case(world):
    client = signed_in(world, "lecteur")
    page = client.get("/search?q=lea hamelin").get_data(as_text=True)
    assert "Léa Hamelin" in page and 'href="/actors/ag-00002"' in page
    themes = client.get("/search?q=ENERGIE").get_data(as_text=True)
    assert "/themes/theme-energie" in themes


def test_a_form_says_what_an_import_would_say_and_keeps_what_was_typed(world):
    client = signed_in(world, "animateur")
    answer = post_form(client, "/projects/new", {"id": "proj-new", "name": "Nouveau", "since": "32/13/2024",
                                                 "themes": "Énergie"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert t("expect.date") in page.replace("&#39;", "'")  # the rule's own words, as an import reports them
    assert 'aria-invalid="true"' in page and 'value="32/13/2024"' in page
    created = post_form(client, "/projects/new", {"id": "proj-new", "name": "Nouveau", "since": "2024-03-01",
                                                  "themes": "Énergie"})
    assert created.status_code == 302 and world.store.get_node("proj-new").properties["since"] == "2024-03-01"


def test_a_form_saved_over_a_change_made_meanwhile_shows_what_changed(world):
    client = signed_in(world, "animateur")
    form = client.get("/actors/ag-00003/edit").get_data(as_text=True)
    etag = re.search(r'name="etag" value="([^"]+)"', form).group(1)
    # Someone else changes the record meanwhile.
    other = world.client()
    other.patch("/api/v1/actors/ag-00003", json={"job_title": "changé ailleurs"}, headers=world.headers("admin"))
    answer = client.post("/actors/ag-00003/edit", data={"csrf_token": csrf_of(form), "etag": etag, "id": "ag-00003",
                                                        "kind": "agent", "name": "Hugo Ollivier",
                                                        "service": "svc-0003", "job_title": "ma version"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 412 and "changé ailleurs" in page and "ma version" in page
    assert world.store.get_node("ag-00003").properties["job_title"] == "changé ailleurs"
    fresh = re.search(r'name="etag" value="([^"]+)"', page).group(1)
    saved = client.post("/actors/ag-00003/edit", data={"csrf_token": csrf_of(page), "etag": fresh, "id": "ag-00003",
                                                       "kind": "agent", "name": "Hugo Ollivier",
                                                       "service": "svc-0003", "job_title": "ma version"})
    assert saved.status_code == 302 and world.store.get_node("ag-00003").properties["job_title"] == "ma version"


def test_a_contributor_edits_her_profile_only_and_proposes_the_rest(world):
    client = signed_in(world, "camille")
    assert client.get("/actors/ag-00002/edit").status_code == 403
    assert client.get("/projects/proj-00001/edit").status_code == 403
    own = client.get("/actors/ag-00001/edit").get_data(as_text=True)
    saved = client.post("/actors/ag-00001/edit", data={"csrf_token": csrf_of(own), "id": "ag-00001",
                                                       "kind": "agent", "name": "Camille Aubertin",
                                                       "service": "svc-0001", "job_title": "technicienne"})
    assert saved.status_code == 302 and world.store.get_node("ag-00001").properties["job_title"] == "technicienne"
    proposed = post_form(client, "/actors/new", {"id": "asso-x", "kind": "association", "name": "Asso X"})
    assert proposed.status_code == 200 and world.store.get_node("asso-x") is None
    animateur = signed_in(world, "animateur")
    listed = animateur.get("/proposals").get_data(as_text=True)
    assert "Asso X" in listed
    proposal = re.search(r'action="/proposals/([^/]+)/accept"', listed).group(1)
    accepted = animateur.post(f"/proposals/{proposal}/accept", data={"csrf_token": csrf_of(listed)})
    assert accepted.status_code == 302 and world.store.get_node("asso-x").name == "Asso X"


def test_my_ties_lists_what_others_declared_about_me_to_confirm_or_dispute(world):
    lea = signed_in(world, "lea")
    declared = post_form(lea, "/cooperations/declare", {"actor_b": "Camille Aubertin — ag-00001", "nature": "conseil",
                                                       "frequency": "hebdomadaire", "since": "2024-01-01"})
    assert declared.status_code == 302
    camille = signed_in(world, "camille")
    mine = camille.get("/my/cooperations").get_data(as_text=True)
    assert "Léa Hamelin" in mine and "déclaré" in mine
    action = re.search(r'action="(/my/cooperations/[^"]+/dispute)"', mine).group(1)
    disputed = camille.post(action, data={"csrf_token": csrf_of(mine), "reason": "pas cette année"})
    assert disputed.status_code == 302
    page = camille.get("/my/cooperations").get_data(as_text=True)
    assert "contesté" in page and "pas cette année" in page
    bad = post_form(lea, "/cooperations/declare", {"actor_b": "ag-00001", "nature": "x", "since": "demain"})
    assert bad.status_code == 422 and t("expect.date") in bad.get_data(as_text=True).replace("&#39;", "'")


def test_history_page_filters_and_undoes(world):
    world.client().patch("/api/v1/actors/ag-00003", json={"job_title": "cheffe"}, headers=world.headers("animateur"))
    animateur = signed_in(world, "animateur")
    page = animateur.get("/history?touching=ag-00003&kind=update").get_data(as_text=True)
    assert "Hugo Ollivier" in page and "<strong>Import</strong>" not in page
    change = history.entries(world.store, kind="update")[0]["id"]
    undone = animateur.post(f"/history/{change}/undo", data={"csrf_token": csrf_of(page)})
    assert undone.status_code == 302 and world.store.get_node("ag-00003").properties["job_title"] == "gestionnaire"
    lecteur = signed_in(world, "lecteur")
    assert "Annuler" not in lecteur.get("/history").get_data(as_text=True)
    assert lecteur.post(f"/history/{change}/undo", data={"csrf_token": csrf_of(page)}).status_code in (400, 403)


def test_an_animateur_opens_a_campaign_and_follows_its_answers(world):
    animateur = signed_in(world, "animateur")
    assert signed_in(world, "camille").get("/campaigns").status_code == 403
    opened = post_form(animateur, "/campaigns/new", {"services": ["svc-0001"], "closes": "2099-12-31",
                                                     "question": "Avec qui travaillez-vous ?"})
    page = opened.get_data(as_text=True)
    links = re.findall(r'class="survey-link" href="([^"]+)"', page)
    assert opened.status_code == 200 and links
    respondent = world.app.test_client()  # no account
    path = links[0].split("localhost", 1)[1]
    form = respondent.get(path).get_data(as_text=True)
    assert "Avec qui travaillez-vous ?" in form and 'list="known"' in form
    answered = respondent.post(path, data={"csrf_token": csrf_of(form), "name": ["Léa Hamelin — ag-00002", ""],
                                           "frequency": ["hebdomadaire", "mensuelle"]})
    assert answered.status_code == 200 and "Merci" in answered.get_data(as_text=True)
    # The answer as recorded fills the page, after sending it and at the next visit (read with the campaign).
    chosen = 'value="Léa Hamelin — ag-00002"'
    for shown in (answered.get_data(as_text=True), respondent.get(path).get_data(as_text=True)):
        assert shown.count(chosen) == 1 and '<option value="hebdomadaire" selected>' in shown
    campaign = re.search(r'href="/campaigns/([^"]+)"', page).group(1)
    board = animateur.get(f"/campaigns/{campaign}").get_data(as_text=True)
    assert "<strong>1</strong> / " in board
    assert respondent.get("/survey/not-a-token").status_code == 404


def test_a_survey_page_fetches_its_names_apart_and_the_browser_keeps_them_until_an_actor_changes(world):
    animateur = signed_in(world, "animateur")
    opened = post_form(animateur, "/campaigns/new", {"services": ["svc-0001"], "closes": "2099-12-31"})
    path = re.findall(r'class="survey-link" href="([^"]+)"', opened.get_data(as_text=True))[0].split("localhost", 1)[1]
    respondent = world.app.test_client()  # no account
    form = respondent.get(path).get_data(as_text=True)
    assert f'data-names="{path}/names"' in form and "Léa Hamelin" not in form  # the page itself stays small

    names = respondent.get(path + "/names")
    actors = {n.id: n.name for n in world.store.nodes() if n.kind in schema.ACTOR_LABELS}
    assert names.status_code == 200 and names.mimetype == "application/json"
    assert names.get_json() == sorted((campaigns.suggestion(name, actor) for actor, name in actors.items()),
                                      key=lambda text: (folded(text.split(" — ")[0]), text.split(" — ")[1]))
    assert "Léa Hamelin — ag-00002" in names.get_json()
    assert names.headers["Cache-Control"] == "private, no-cache" and "Accept-Encoding" in names.headers["Vary"]

    packed = respondent.get(path + "/names", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(packed.data)) == names.get_json()
    kept = respondent.get(path + "/names", headers={"If-None-Match": names.headers["ETag"]})
    assert kept.status_code == 304 and kept.data == b""

    renaming = world.client().patch("/api/v1/actors/ag-00002", json={"name": "Léa Hamelin-Roy"},
                                    headers=world.headers("admin"))
    assert renaming.status_code == 200, renaming.get_json()
    renamed = respondent.get(path + "/names", headers={"If-None-Match": names.headers["ETag"]})
    assert renamed.status_code == 200 and "Léa Hamelin-Roy — ag-00002" in renamed.get_json()

    unknown = respondent.get("/survey/not-a-token/names")
    assert unknown.status_code == 404 and unknown.mimetype == "application/problem+json"


def test_a_respondent_waits_for_their_own_answer_not_for_another_respondents(world):
    """While the snapshot is being refreshed (held here by taking its cache's lock), a respondent's page waits for
    the answer this server acknowledged to their link, and a page opened from another link answers at once."""
    from api.state import CACHE_KEY

    animateur = signed_in(world, "animateur")
    opened = post_form(animateur, "/campaigns/new", {"services": ["svc-0001"], "closes": "2099-12-31"})
    paths = [link.split("localhost", 1)[1]
             for link in re.findall(r'class="survey-link" href="([^"]+)"', opened.get_data(as_text=True))]
    assert len(paths) >= 2
    first, other = world.app.test_client(), world.app.test_client()  # no account
    form = first.get(paths[0]).get_data(as_text=True)
    other.get(paths[1])
    answered = first.post(paths[0], data={"csrf_token": csrf_of(form), "name": ["Léa Hamelin — ag-00002"],
                                          "frequency": ["hebdomadaire"]})
    assert answered.status_code == 200

    with world.app.extensions[CACHE_KEY]._lock:
        waiting, pages, _ = started(lambda: other.get(paths[1]), 10)
        assert not waiting and pages[0].status_code == 200
        waiting, pages, reader = started(lambda: first.get(paths[0]), 1.0)
        assert waiting
    reader.join(30)
    assert pages[0].status_code == 200 and "Léa Hamelin — ag-00002" in pages[0].get_data(as_text=True)


def test_the_command_line_manages_accounts_and_tokens(tmp_path):
    data = str(tmp_path / "data")
    env = cli_env(MAILLAGE_URL="http://mairie.local:8080")
    added = maillage("user", "add", "marie", "--role", "contributeur", "--data", data, env=env)
    assert added.returncode == 0 and "http://mairie.local:8080/invitation/" in added.stdout
    assert maillage("user", "add", "marie", "--role", "lecteur", "--data", data, env=env).returncode == 2
    assert maillage("user", "add", "paul", "--role", "contributeur", "--agent", "nobody", "--data", data,
                    env=env).returncode == 2
    assert maillage("user", "role", "marie", "animateur", "--data", data, env=env).returncode == 0
    listed = maillage("user", "list", "--data", data, env=env)
    assert re.search(r"marie\s+animateur\s+invité", listed.stdout)
    created = maillage("token", "create", "marie", "--data", data, env=env)
    token = re.search(r"(mlg_\S+)", created.stdout).group(1)
    token_id = re.search(r"identifiant ([0-9a-f]+)", created.stdout).group(1)
    from graph.stores.embedded import EmbeddedStore

    store = EmbeddedStore(data)
    assert accounts.account_for_token(store, token).login == "marie"
    assert maillage("token", "revoke", token_id, "--data", data, env=env).returncode == 0
    assert accounts.account_for_token(store, token) is None
    assert maillage("user", "disable", "marie", "--data", data, env=env).returncode == 0
    assert accounts.get(store, "marie").disabled
    assert PASSWORD not in added.stdout + listed.stdout
    store.close()
