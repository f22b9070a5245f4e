"""The collaborative scenario in headless Chromium, offline: an administrator invites an agent; the agent logs in
and declares a tie; the other side confirms it; an animateur sees it in the network view, undoes it, and it is
gone from the view; a survey respondent answers through a personal link. Screenshots in test-artifacts/."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from api.app import create_app
from graph import accounts, campaigns, schema
from graph.territory import TerritoryCache
from importers.pipeline import import_files
from tests.browser import CHROMIUM_FLAGS, PageWatch, chromium_path
from tests.collab import PASSWORD
from tests.conftest import EXAMPLE, ROOT
from tests.helpers import ServedInThread

ARTIFACTS = ROOT / "test-artifacts" / "collaboration"
AGENT = "ag-00001"  # the invited agent; the other side is chosen among those she does not work with


@pytest.fixture
def served(embedded_store):

    import_files([EXAMPLE], embedded_store)
    territory = TerritoryCache(embedded_store).current()
    network = territory.network()
    other = next(n.id for n in sorted(territory.nodes.values(), key=lambda n: n.id)
                 if n.kind == "Agent" and n.id != AGENT and not network.has_edge(AGENT, n.id))
    for login, role, agent in (("admin", "administrateur", None), ("animatrice", "animateur", None),
                               ("autre", "contributeur", other)):
        accounts.add(embedded_store, login, role, agent)
        accounts.set_password(embedded_store, login, PASSWORD)
    with ServedInThread(create_app(embedded_store, anonymous_read=False), threads=4) as server:
        yield server.url, embedded_store, other


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !(e.innerText || '').trim())
  .map(e => e.outerHTML)"""


def shot(watch: PageWatch, name: str) -> None:
    """A screenshot, once the page has passed the basic accessibility checks: a language, a title heading, a
    name for every field and button, the keyboard reaching the first field."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = watch.page
    assert page.evaluate("document.documentElement.lang") in ("fr", "en")
    assert page.evaluate("document.querySelectorAll('h1').length") >= 1 or "/views/" in page.url
    assert page.evaluate(UNLABELLED) == [], page.url
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(browser, base: str, login: str, password: str = PASSWORD) -> PageWatch:
    watch = PageWatch(browser)
    watch.page.goto(base + "/login")
    watch.page.get_by_label("Identifiant", exact=True).fill(login)
    watch.page.get_by_label("Mot de passe").fill(password)
    watch.page.get_by_role("button", name="Se connecter").click()
    watch.page.wait_for_load_state()
    return watch


def in_view(watch: PageWatch, base: str, actor: str, other: str) -> bool:
    watch.open_view(f"{base}/views/actors/{actor}")
    return watch.page.evaluate(f"window.maillageNetwork.body.data.nodes.get({other!r}) !== null")


def test_invite_declare_confirm_see_undo_and_answer_a_survey(served, browser):
    base, store, other = served
    # An administrator invites the agent.
    admin = sign_in(browser, base, "admin")
    admin.page.goto(base + "/admin/accounts")
    admin.page.get_by_label("Identifiant", exact=True).fill("camille")
    admin.page.get_by_label("Rôle").select_option("contributeur")
    admin.page.get_by_label("Acteur relié (identifiant)").fill(AGENT)
    admin.page.get_by_role("button", name="Créer et inviter").click()
    invitation = admin.page.locator("#invitation-link").get_attribute("href")
    shot(admin, "1-invitation")
    assert invitation and "/invitation/" in invitation

    # The agent sets her password from the link, and is logged in; she declares a tie.
    agent = PageWatch(browser)
    agent.page.goto(invitation)
    agent.page.get_by_label("Nouveau mot de passe").fill("mon mot de passe à moi")
    agent.page.get_by_label("Le même, à nouveau").fill("mon mot de passe à moi")
    agent.page.get_by_role("button", name="Enregistrer le mot de passe").click()
    agent.page.goto(base + "/cooperations/declare")
    agent.page.get_by_label("Avec qui").fill(other)
    agent.page.get_by_label("Nature de la coopération").fill("prêt de matériel")
    agent.page.get_by_label("Fréquence").select_option("hebdomadaire")
    agent.page.get_by_role("button", name="Déclarer une coopération").click()
    agent.page.wait_for_url("**/my/cooperations**")
    assert "déclaré" in agent.page.locator("main").inner_text()
    shot(agent, "2-declared")

    # The other side confirms it.
    other_side = sign_in(browser, base, "autre")
    other_side.page.goto(base + "/my/cooperations")
    other_side.page.get_by_role("button", name="Confirmer").first.click()
    other_side.page.wait_for_load_state()
    assert "confirmé" in other_side.page.locator("main").inner_text()
    shot(other_side, "3-confirmed")

    # An animateur sees it in the network view, undoes it (the confirmation, then the declaration), and it is gone.
    animatrice = sign_in(browser, base, "animatrice")
    assert in_view(animatrice, base, AGENT, other)
    shot(animatrice, "4-in-the-view")
    for kind in ("Confirmation", "Déclaration"):
        animatrice.page.goto(base + "/history")
        row = animatrice.page.locator("tr", has_text=kind).first
        row.get_by_role("button", name="Annuler").click()
        animatrice.page.wait_for_load_state()
    shot(animatrice, "5-history-after-undo")
    assert not in_view(animatrice, base, AGENT, other)
    shot(animatrice, "6-gone-from-the-view")

    # A survey campaign: the animateur opens it; a respondent answers through a personal link, without an account.
    animatrice.page.goto(base + "/campaigns/new")
    animatrice.page.locator("input[name=services]").first.check()
    closes = (date.today() + timedelta(days=7)).isoformat()
    animatrice.page.get_by_label("Clôture le").fill(closes)
    animatrice.page.get_by_role("button", name="Ouvrir la campagne").click()
    link = animatrice.page.locator("a.survey-link").first.get_attribute("href")
    shot(animatrice, "7-campaign-links")
    assert link and "/survey/" in link
    respondent = PageWatch(browser)
    respondent.page.goto(link)
    name = store.get_node(other).name
    # The names to pick from come apart from the page, through its script (which the page's CSP lets run).
    respondent.page.wait_for_selector("#known[data-loaded]", state="attached")
    actors = [n for n in store.nodes() if n.kind in schema.ACTOR_LABELS]
    assert respondent.page.locator("#known option").count() == len(actors)
    assert respondent.page.locator(f'#known option[value="{campaigns.suggestion(name, other)}"]').count() == 1
    assert respondent.errors == []
    respondent.page.get_by_label("Nom 1", exact=True).fill(name)
    respondent.page.get_by_label("Fréquence 1", exact=True).select_option("quotidienne")
    respondent.page.get_by_role("button", name="Envoyer mes réponses").click()
    respondent.page.wait_for_load_state()
    assert "Merci" in respondent.page.locator("main").inner_text()
    shot(respondent, "8-survey-answered")
    campaign = campaigns.campaigns(store)[0]
    answers = store.records(campaigns.ANSWERS, campaign["id"] + "/")
    assert len(answers) == 1 and answers[0][1]["actors"] == [other]

    for watch in (admin, agent, other_side, animatrice, respondent):
        assert watch.blocked == [] and watch.errors == [], (watch.blocked, watch.errors)
