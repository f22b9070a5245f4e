"""Every view opened from the running app in headless Chromium, offline, with hostile names."""
from __future__ import annotations

import shutil

import pytest

from api.app import create_app
from graph.territory import TerritoryCache
from importers.pipeline import import_files
from tests.browser import CHROMIUM_FLAGS, PageWatch, chromium_path
from tests.conftest import EXAMPLE, ROOT
from tests.helpers import ServedInThread, maillage
from visualisations import views

ARTIFACTS = ROOT / "test-artifacts" / "views"
IMG = "<img src=x onerror=alert(1)>"
HREF = '<a href="javascript:alert(2)">clic href</a>'
SCRIPT = "</script><script>alert(3)</script>"
HOSTILE_ACTORS = f"""identifiant;type;nom;service
hostile-img;association;{IMG};
hostile-href;partenaire;"{HREF.replace('"', '""')}";
hostile-script;agent;{SCRIPT};svc-0003
"""
HOSTILE_TIES = """acteur_a;acteur_b;nature;frequence
hostile-img;ag-00001;travail;hebdomadaire
hostile-href;ag-00001;conseil;mensuelle
hostile-script;ag-00001;travail;quotidienne
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The app, served by waitress on 127.0.0.1, over the example plus actors with hostile names."""

    from graph.stores.embedded import EmbeddedStore

    folder = tmp_path_factory.mktemp("territory")
    shutil.copytree(EXAMPLE, folder / "example")
    (folder / "hostile").mkdir()
    (folder / "hostile" / "acteurs.csv").write_text(HOSTILE_ACTORS, encoding="utf-8")
    (folder / "hostile" / "cooperations.csv").write_text(HOSTILE_TIES, encoding="utf-8")
    store = EmbeddedStore(folder / "data")
    import_files([folder / "example", folder / "hostile"], store)
    with ServedInThread(create_app(store), threads=4) as server:
        yield server.url, TerritoryCache(store).current(), folder / "data"
    store.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


def expected(graph_and_page):
    graph, _ = graph_and_page
    return {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()}


CASES = {
    "territory": ("/views/territory", lambda t: views.territory(t)),
    "territory-filtered": ("/views/territory?kind=agent&size=betweenness",
                           lambda t: views.territory(t, kind="Agent", size="betweenness")),
    "territory-theme": ("/views/territory?theme=theme-energie&as_of=2024-06-01",
                        lambda t: views.territory(t, theme="theme-energie", as_of="2024-06-01")),
    "actor": ("/views/actors/ag-00001?depth=2", lambda t: views.actor(t, "ag-00001", 2)),
    "hostile-actor": ("/views/actors/hostile-script", lambda t: views.actor(t, "hostile-script")),
    "project": ("/views/projects/proj-00001", lambda t: views.project(t, "proj-00001")),
    "theme": ("/views/themes/theme-energie", lambda t: views.theme(t, "theme-energie")),
    "service": ("/views/services/svc-0003", lambda t: views.service(t, "svc-0003")),
    "services": ("/views/services", lambda t: views.services_map(t)),
    "poles": ("/views/services?level=pole", lambda t: views.services_map(t, "pole")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_view_draws_offline_without_errors(served, browser, case):
    base, territory, _ = served
    url, build = CASES[case]
    with PageWatch(browser) as watch:
        counts = watch.open_view(base + url)
        assert counts == expected(build(territory))
        assert counts["nodes"] > 0
        assert watch.errors == [] and watch.dialogs == [] and watch.blocked == []
        # vis-network comes from the server itself, once per browser (nothing from elsewhere: watch.blocked)
        loaded = watch.page.evaluate("[...document.querySelectorAll('script[src], link[href]')]"
                                     ".map(e => e.getAttribute('src') || e.getAttribute('href'))")
        assert loaded == ["/static/vis-9.1.2/vis-network.css", "/static/vis-9.1.2/vis-network.min.js"]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        watch.page.screenshot(path=str(ARTIFACTS / f"{case}.png"))


def test_hostile_names_show_as_text_and_run_nothing(served, browser):
    base, _, _ = served
    with PageWatch(browser) as watch:
        watch.open_view(base + "/views/actors/hostile-script")
        assert watch.page.text_content("#heading") == f"Avec qui travaille {SCRIPT}"
        watch.open_view(base + "/views/actors/ag-00001")
        for hostile_id, name in (("hostile-img", IMG), ("hostile-href", HREF), ("hostile-script", SCRIPT)):
            point = watch.page.evaluate(
                "id => { const p = maillageNetwork.getPosition(id); return maillageNetwork.canvasToDOM(p); }",
                hostile_id)
            box = watch.page.locator("#mynetwork").bounding_box()
            watch.page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
            watch.page.wait_for_selector(".vis-tooltip", state="visible")
            tooltip = watch.page.text_content(".vis-tooltip")
            assert tooltip.startswith(name), tooltip
            # innerText turns line breaks into <br>; anything else would be markup from the name.
            assert watch.page.evaluate("[...document.querySelector('.vis-tooltip').children]"
                                       ".every(c => c.tagName === 'BR')")
            watch.page.mouse.move(5, 5)
        assert watch.page.evaluate("document.querySelectorAll('#mynetwork img, .vis-tooltip a').length") == 0
        page = watch.page
        page.goto(base + "/actors/hostile-img")
        assert page.text_content("h1") == IMG
        assert page.evaluate("document.querySelectorAll('h1 img').length") == 0
        page.wait_for_timeout(300)
        assert watch.dialogs == [] and watch.errors == [] and watch.blocked == []
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "hostile-actor-page.png"))


def test_written_view_file_works_with_no_network_at_all(served, browser, tmp_path):
    _, territory, data = served
    out = tmp_path / "territoire.html"
    result = maillage("view", "territory", "--data", str(data), "--out", str(out))
    assert result.returncode == 0, result.stderr
    html = out.read_text(encoding="utf-8")
    for cdn in ("cdnjs", "jsdelivr", "unpkg", "googleapis", "https://", "http://cdn"):
        assert cdn not in html.replace("http://www.w3.org/2000/svg", "")[:2000] or cdn not in html
    with PageWatch(browser) as watch:
        counts = watch.open_view(out.as_uri())
        assert counts == expected(views.territory(territory))
        assert watch.blocked == [] and watch.errors == [] and watch.dialogs == []


def test_actor_project_and_theme_pages_link_to_their_views(served, browser):
    base, _, _ = served
    with PageWatch(browser) as watch:
        for page_url, view_url in (("/actors/ag-00001", "/views/actors/ag-00001"),
                                   ("/projects/proj-00001", "/views/projects/proj-00001"),
                                   ("/themes/theme-energie", "/views/themes/theme-energie")):
            watch.page.goto(base + page_url)
            assert watch.page.get_attribute("#view-link", "href") == view_url
            watch.page.click("#view-link")
            watch.page.wait_for_selector("body[data-drawn='yes']", state="attached")
        assert watch.errors == [] and watch.blocked == []
