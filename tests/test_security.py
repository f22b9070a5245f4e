"""Security headers on every response, a Content-Security-Policy the pages and views satisfy (checked in
Chromium) without 'unsafe-inline', request ids, and JSON logs that carry no personal data beyond ids."""
from __future__ import annotations

import io
import json
import re

import pytest
from flask import Response

from api import logs
from graph import campaigns
from tests.browser import CHROMIUM_FLAGS, PageWatch, chromium_path
from tests.collab import login, setting
from tests.helpers import ServedInThread

PAGES = ["/", "/search?q=aubertin", "/actors/ag-00001", "/views/territory", "/views/actors/ag-00001",
         "/views/services", "/history", "/my/cooperations", "/cooperations/declare", "/api/v1/docs", "/workshops",
         "/workshops/brief?tables=4&size=4", "/campaigns", "/admin/accounts", "/login"]
NONCE = re.compile(r'nonce="([^"]+)"')


@pytest.fixture(scope="module")
def served(tmp_path_factory):

    from graph.stores.embedded import EmbeddedStore

    store = EmbeddedStore(tmp_path_factory.mktemp("security"))
    people = setting(store)

    @people.app.get("/test/injected")
    def injected() -> Response:  # a page where markup slipped in without the response's nonce
        from api.security import csp_nonce

        return Response(f'<!doctype html><html lang="fr"><head><title>t</title></head><body><h1>t</h1>'
                        f'<script nonce="{csp_nonce()}">window.allowed = true;</script>'
                        f'<script>window.injected = true;</script></body></html>', mimetype="text/html")

    with ServedInThread(people.app, threads=4) as server:
        yield server.url, people
    store.close()


def test_every_response_carries_the_security_headers_and_a_fresh_nonce(served):
    _, people = served
    client = people.client()
    login(client, "admin")
    seen = set()
    for path in [*PAGES, "/api/v1/status", "/health", "/api/v1/actors/nobody", "/nowhere"]:
        response = client.get(path)
        policy = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
        assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-Id"])
        if response.mimetype == "text/html":
            nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
            in_page = set(NONCE.findall(response.get_data(as_text=True)))
            assert in_page == {nonce}, path  # every inline script and style carries this response's nonce
            assert nonce not in seen
            seen.add(nonce)
    assert client.get("/health", headers={"X-Request-Id": "atelier-42"}).headers["X-Request-Id"] == "atelier-42"


def test_pages_and_views_satisfy_the_policy_in_chromium_and_markup_without_the_nonce_does_not_run(served):
    from playwright.sync_api import sync_playwright

    base, _ = served
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        watch = PageWatch(browser)
        watch.page.goto(base + "/login")
        watch.page.fill("#login", "admin")
        watch.page.fill("#password", "un mot de passe solide")
        watch.page.click("button[type=submit]")
        for path in PAGES:
            response = watch.page.goto(base + path)
            assert response.status == 200, path
            if path.startswith("/views/"):
                watch.page.wait_for_selector("body[data-drawn='yes']", state="attached")
            assert watch.errors == [], (path, watch.errors)  # a violation is a console error
        watch.page.goto(base + "/test/injected")
        assert watch.page.evaluate("window.allowed === true && window.injected === undefined")
        assert any("Content Security Policy" in error for error in watch.errors)
        browser.close()


def test_json_logs_carry_the_request_id_route_and_timing_and_no_personal_data(served):
    _, people = served
    out = io.StringIO()
    handler = logs.configure("json", stream=out)
    try:
        from graph.editing import Author
        from graph.territory import TerritoryCache

        _, tokens = campaigns.open_campaign(people.store, TerritoryCache(people.store).current(),
                                            Author("animateur", "animateur"), "2099-12-31", ["svc-0001"])
        token = next(iter(tokens.values()))
        client = people.client()
        login(client, "camille")
        client.get("/search?q=Camille+Aubertin", headers={"X-Request-Id": "demande-1"})
        client.get(f"/survey/{token}")
        people.client().get("/api/v1/actors/ag-00001/works-with",
                            headers={"Authorization": f"Bearer {people.tokens['lea']}"})
    finally:
        handler.close()
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    requests = [line for line in lines if line["logger"] == "maillage.requests"]
    search = next(line for line in requests if line["route"] == "/search")
    assert search["request_id"] == "demande-1" and search["status"] == 200 and search["ms"] > 0
    assert search["account"] == "camille" and search["method"] == "GET"
    survey = next(line for line in requests if line["route"] == "/survey/<token>")
    assert survey["arguments"] == {}
    works_with = next(line for line in requests if line["route"].endswith("/works-with"))
    assert works_with["arguments"] == {"actor_id": "ag-00001"} and works_with["account"] == "lea"
    text = out.getvalue()
    for secret in ("Camille", "Aubertin", token, people.tokens["lea"], "mot de passe"):
        assert secret not in text
