"""Workshops on the fictional territory of examples/: every plan keeps every constraint, a seed gives the same
plan, a plan that cannot be is explained, the command's JSON, the brief as HTML, PDF and CSV in a real browser."""
from __future__ import annotations

import csv
import json
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph import schema
from graph import workshop as planner
from graph.mdgp import Infeasible
from graph.stores.embedded import EmbeddedStore
from graph.territory import TerritoryCache
from importers.pipeline import import_files
from tests.conftest import ROOT
from tests.helpers import ServedInThread, maillage

EXAMPLE = ROOT / "examples" / "malaunay-fictif"
ARTIFACTS = ROOT / "test-artifacts" / "workshop"
THEME = "theme-inclusion-numerique"


@pytest.fixture(scope="module")
def territory_and_data(tmp_path_factory):
    data = tmp_path_factory.mktemp("workshop") / "data"
    with EmbeddedStore(data) as store:
        import_files([EXAMPLE], store)
        yield TerritoryCache(store).current(), data


@pytest.fixture(scope="module")
def territory(territory_and_data):
    return territory_and_data[0]


def actors(t) -> list[str]:
    return sorted(n.id for n in t.nodes.values() if n.kind in schema.ACTOR_LABELS)


@st.composite
def workshops(draw, everyone: list[str]):
    tables = draw(st.integers(2, 5))
    size = draw(st.integers(2, 6))
    rounds = draw(st.integers(1, 3))
    people = draw(st.lists(st.sampled_from(everyone), min_size=tables, max_size=tables * size, unique=True))
    facilitators = dict(zip(draw(st.lists(st.sampled_from(people), max_size=tables, unique=True)), range(tables),
                            strict=False))
    pairs = st.tuples(st.sampled_from(people), st.sampled_from(people)).filter(lambda p: p[0] != p[1])
    together = draw(st.lists(pairs, max_size=2))
    apart = draw(st.lists(pairs, max_size=3))
    return planner.Workshop(themes=[THEME], tables=tables, size=size, rounds=rounds, facilitators=facilitators,
                            must_meet=together, apart=apart, min_services=draw(st.integers(0, 2))), people


def test_every_plan_keeps_every_constraint_no_pair_meets_twice_and_a_seed_gives_the_same_plan(territory):
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
    @given(workshops(actors(territory)), st.integers(0, 100))
    def check(case, seed):
        workshop, people = case
        try:
            plan = planner.plan(territory, workshop, people, seed=seed, max_steps=300)
        except Infeasible as infeasible:
            assert infeasible.reason.render()  # a reason a person can read, naming the constraint
            return
        assert planner.violations(territory, workshop, plan) == []
        assert sorted(m for table in plan.rounds[0] for m in table) == sorted(people)
        again = planner.plan(territory, workshop, people, seed=seed, max_steps=300)
        assert again.rounds == plan.rounds

    check()


@pytest.mark.parametrize(("change", "expected"), [
    (dict(tables=2, size=3), "personnes pour des tables"),
    (dict(must_meet=[("ag-00001", "ag-00002")], apart=[("ag-00002", "ag-00001")]), "contradictoires"),
    (dict(min_services=9), "au moins 9 services"),
    (dict(rounds=3, tables=2, size=6), "une personne de chaque table"),
    (dict(facilitators={"ag-00001": 7}), "table 8"),
])
def test_a_workshop_no_plan_can_meet_is_explained_by_its_constraint(territory, change, expected):
    people = actors(territory)[:12]
    workshop = planner.Workshop(**{"themes": [THEME], "tables": 3, "size": 4, **change})
    with pytest.raises(Infeasible) as refused:
        planner.plan(territory, workshop, people, max_steps=200)
    assert expected in refused.value.reason.render("fr")


def test_guests_come_with_their_reasons_and_the_plan_beats_a_random_one(territory):
    guests = planner.suggest_guests(territory, [THEME], count=24)
    assert len(guests) == 24 and all(guest["reasons"] for guest in guests)
    codes = {reason["code"] for guest in guests for reason in guest["reasons"]}
    assert {"engaged", "absent_service"} <= codes
    engaged = planner.engaged_in(territory, THEME)
    assert all(guest["id"] in engaged for guest in guests
               if any(r["code"] == "engaged" for r in guest["reasons"]))
    workshop = planner.Workshop(themes=[THEME], tables=6, size=4, rounds=2)
    ids = [guest["id"] for guest in guests]
    plan = planner.plan(territory, workshop, ids, seed=2)
    random = planner.plan(territory, workshop, ids, seed=2, random=True)
    assert planner.violations(territory, workshop, random) == []
    assert plan.value > random.value
    ours, theirs = planner.compare(territory, plan), planner.compare(territory, random)
    assert ours["new_pairs"] >= theirs["new_pairs"] and ours["cross_service_pairs"] >= theirs["cross_service_pairs"]
    [first, *_] = planner.introductions(territory, plan)[0][0]
    assert first["text"].startswith(planner.who(territory, first["a"])) and first["text"].endswith(".")


def test_the_plan_command_writes_json_csv_html_and_pdf(territory_and_data, tmp_path):
    data = territory_and_data[1]
    out = tmp_path / "atelier"
    done = maillage("workshop", "plan", "--data", str(data), "--theme", THEME, "--tables", "5", "--size", "5",
                    "--rounds", "2", "--invite", "22", "--facilitator", "ag-00001=2", "--min-services", "2",
                    "--seed", "4", "--json", "--out", str(out), "--title", "Atelier inclusion numérique")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert len(document["invited"]) == 22 and all("id" in g and "reasons" in g for g in document["invited"])
    assert document["invited"][0]["id"] == "ag-00001"  # the facilitator is invited
    assert len(document["rounds"]) == 2
    assert all("members" in table for r in document["rounds"] for table in r["tables"])
    assert "ag-00001" in document["rounds"][1]["tables"][1]["members"]
    assert set(document["comparison"]) == {"plan", "random"}
    again = maillage("workshop", "plan", "--data", str(data), "--theme", THEME, "--tables", "5", "--size", "5",
                     "--rounds", "2", "--invite", "22", "--facilitator", "ag-00001=2", "--min-services", "2",
                     "--seed", "4", "--json")
    assert json.loads(again.stdout)["rounds"] == document["rounds"]
    with (out / "participants.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[0][:2] == ["identifiant", "Personne"] and rows[0][-1] == "Table Tour 2" and len(rows) == 23
    assert (out / "brief.pdf").read_bytes().startswith(b"%PDF")
    shutil.copytree(out, ARTIFACTS / "brief", dirs_exist_ok=True)
    refused = maillage("workshop", "plan", "--data", str(data), "--theme", "theme-inconnu", "--tables", "2",
                       "--size", "2")
    assert refused.returncode != 0 and "thème inconnu" in refused.stderr
    impossible = maillage("workshop", "plan", "--data", str(data), "--theme", THEME, "--tables", "2", "--size", "3",
                          "--invite", "10")
    assert impossible.returncode != 0 and "Aucun plan possible" in impossible.stderr


def test_the_brief_reads_in_a_browser_and_its_pdf_pages_render(territory, tmp_path):
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_FLAGS, PageWatch, chromium_path
    from visualisations.brief import write_brief

    workshop = planner.Workshop(themes=[THEME], tables=5, size=4, rounds=2, title="Atelier inclusion numérique",
                                facilitators={"ag-00001": 0})
    document = planner.workshop_document(territory, workshop, invite=18, seed=1, max_steps=2000)
    written = write_brief(document, tmp_path, territory=territory)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        with PageWatch(browser) as watch:
            watch.page.goto((tmp_path / "brief.html").as_uri())
            assert watch.page.locator("h2").count() >= 5  # comparison, invitations, two rounds, cards
            assert "Tour 2" in watch.page.inner_text("body") and "Chevalets de table" in watch.page.inner_text("body")
            watch.page.screenshot(path=str(ARTIFACTS / "brief.png"), full_page=True)
            assert watch.errors == [] and watch.blocked == []
        with PageWatch(browser) as watch:  # the network coloured by table, offline
            counts = watch.open_view((tmp_path / "tables-tour-2.html").as_uri())
            assert counts["nodes"] == 18
            watch.page.screenshot(path=str(ARTIFACTS / "tables-tour-2.png"))
            assert watch.errors == [] and watch.blocked == []
        browser.close()
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(tmp_path / "brief.pdf"))
    assert len(pdf) >= 4
    for number in range(min(len(pdf), 4)):
        image = pdf[number].render(scale=1.2).to_pil()
        assert image.size[0] > 500
        image.save(ARTIFACTS / f"brief-page-{number + 1}.png")
    assert [p.name for p in written] == ["plan.json", "participants.csv", "brief.html", "brief.pdf",
                                         "tables-tour-1.html", "tables-tour-2.html"]


def test_the_workshop_api_suggests_guests_and_plans_with_problems_for_bad_input(territory_and_data):
    from api.app import create_app

    with EmbeddedStore(territory_and_data[1]) as store:
        client = create_app(store).test_client()
        guests = client.get(f"/api/v1/workshops/guests?theme={THEME}&count=12").get_json()
        assert len(guests["guests"]) == 12 and all(g["reasons"][0]["text"] for g in guests["guests"])
        query = f"/api/v1/workshops/plan?theme={THEME}&tables=4&size=5&rounds=2&invite=16&facilitators=ag-00001:2" \
                "&min_services=2&seed=3"
        answer = client.get(query)
        assert answer.status_code == 200, answer.get_json()
        document = answer.get_json()
        assert "ag-00001" in document["rounds"][0]["tables"][1]["members"]
        assert client.get(query).get_json()["rounds"] == document["rounds"]  # same seed, same plan
        bad = client.get(f"/api/v1/workshops/plan?theme={THEME}&tables=4&size=5&facilitators=ag-00001")
        assert bad.status_code == 400 and bad.mimetype == "application/problem+json"
        assert bad.get_json()["invalid_params"][0]["name"] == "facilitators"
        impossible = client.get(f"/api/v1/workshops/plan?theme={THEME}&tables=2&size=3&invite=10")
        assert impossible.status_code == 422 and impossible.mimetype == "application/problem+json"
        assert impossible.get_json()["constraint"] == "infeasible.seats"
        unknown = client.get("/api/v1/workshops/guests?theme=theme-inconnu")
        assert unknown.status_code == 404
        paths = client.get("/api/v1/openapi.json").get_json()["paths"]
        assert {"/api/v1/workshops/guests", "/api/v1/workshops/plan"} <= set(paths)


def test_after_the_workshop_its_ties_are_its_evidence_and_the_comparison_counts_them(tmp_path):
    data = tmp_path / "data"
    with EmbeddedStore(data) as store:
        import_files([EXAMPLE], store)
        before = TerritoryCache(store).current()
        lonely = min((a for a in actors(before) if before.nodes[a].kind == schema.AGENT.label),
                     key=lambda a: (before.network().degree(a), a))
        others = [a for a in actors(before) if before.nodes[a].kind == schema.AGENT.label
                  and a != lonely and not before.network().has_edge(lonely, a)
                  and planner.group_of(before, a) != planner.group_of(before, lonely)][:2]
        ties = tmp_path / "cooperations.csv"
        ties.write_text("acteur_a;acteur_b;nature;frequence;debut;source\n" + "".join(
            f"{lonely};{other};rencontre;mensuelle;2030-01-15;atelier:Atelier test\n" for other in others),
            encoding="utf-8")
        import_files([ties], store)
        after = TerritoryCache(store).current()
        evidence = after.network().edges[lonely, others[0]]["evidence"]
        assert {"kind": "workshop", "workshop": "Atelier test"}.items() <= evidence[-1].items()
        came = [lonely, *others]
        result = planner.outcome(after, came, before="2030-01-01", after="2030-02-01", workshop="Atelier test")
    assert (result["new_ties"], result["new_cross_service_ties"], result["declared_at_workshop"]) == (2, 2, 2)
    assert lonely in [p["id"] for p in result["isolated_reached"]] or before.network().degree(lonely) > 1
    (tmp_path / "venus.csv").write_text("identifiant\n" + "\n".join(came) + "\n", encoding="utf-8")
    done = maillage("workshop", "outcome", "--data", str(data), "--came", str(tmp_path / "venus.csv"),
                    "--before", "2030-01-01", "--after", "2030-02-01", "--workshop", "Atelier test")
    assert done.returncode == 0, done.stderr
    assert "2 liens nouveaux entre eux, dont 2 entre services différents et 2 déclarés à l'atelier" in done.stdout


def test_the_workshop_page_plans_locks_a_table_moves_a_person_and_links_the_brief(territory_and_data):
    from urllib.request import urlopen

    from playwright.sync_api import sync_playwright

    from api.app import create_app
    from tests.browser import CHROMIUM_FLAGS, PageWatch, chromium_path

    territory = territory_and_data[0]
    with EmbeddedStore(territory_and_data[1]) as store:
        server = ServedInThread(create_app(store), threads=2)
        base = server.url
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

        def tables(page, round_number: int) -> list[list[str]]:
            sections = page.locator(f"#round-{round_number} + .tables section")
            return [sorted(sections.nth(k).locator("li").all_inner_texts()) for k in range(sections.count())]

        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
                with PageWatch(browser) as watch:
                    page = watch.page
                    page.goto(f"{base}/workshops")
                    page.select_option("select[name=theme]", THEME)
                    for name, value in (("tables", "5"), ("size", "4"), ("rounds", "2"), ("invite", "18")):
                        page.fill(f"input[name={name}]", value)
                    page.get_by_role("button", name="Planifier").click()
                    page.wait_for_selector("#round-2")
                    first = tables(page, 1)
                    assert len(first) == 5 and sum(len(t) for t in first) == 18
                    page.screenshot(path=str(ARTIFACTS / "page-plan.png"), full_page=True)
                    # Lock table 1 of round 1, then move someone of table 2 to table 3 in round 2.
                    page.get_by_role("link", name="Verrouiller la table 1").first.click()
                    page.wait_for_selector("#round-2")
                    assert tables(page, 1)[0] == first[0]
                    assert page.locator("#round-1 + .tables section").first.locator("li.fixed").count() == \
                        len(first[0])
                    mover = page.locator("#round-2 + .tables section").nth(1).locator("li").first.inner_text()
                    form = page.locator("form[aria-label='Déplacer et réoptimiser le reste (Tour 2)']")
                    name = mover.split(" (")[0]
                    form.locator("select[name=move_person]").select_option(label=name)
                    form.locator("select[name=move_table]").select_option("3")
                    form.get_by_role("button").click()
                    page.wait_for_selector("#round-2")
                    assert any(name in person for person in tables(page, 2)[2])
                    assert tables(page, 1)[0] == first[0]  # the locked table stays as it was
                    assert page.locator("#plan-value").inner_text()
                    page.screenshot(path=str(ARTIFACTS / "page-adjusted.png"), full_page=True)
                    pdf_link = page.get_by_role("link", name="Dossier à imprimer (PDF)").get_attribute("href")
                    assert watch.errors == [] and watch.blocked == []
                browser.close()
            kept = "ag-00001,ag-00002,ag-00003,asso-00001,ag-00004,ag-00005"  # the facilitator removes, adds
            with urlopen(f"{base}/workshops?theme={THEME}&tables=2&size=3&participants={kept}") as answer:
                page_text = answer.read().decode()
                assert page_text.count("<li") == 6 and "ag-00001, ag-00002" in page_text  # the people kept
            with urlopen(base + pdf_link) as answer:
                assert answer.headers["Content-Type"] == "application/pdf" and answer.read(4) == b"%PDF"
            with urlopen(f"{base}/workshops?theme={THEME}&tables=2&size=3&invite=10") as answer:
                raise AssertionError("an impossible workshop is a 422")
        except Exception as error:  # urllib raises HTTPError for the 422
            from urllib.error import HTTPError

            if not isinstance(error, HTTPError):
                raise
            assert error.code == 422 and "Aucun plan possible" in error.read().decode()
        finally:
            server.stop()
    assert territory.nodes[THEME]


def test_tables_of_different_sizes_and_a_balance_of_kinds_among_the_guests(territory):
    workshop = planner.Workshop(themes=[THEME], tables=0, size=0, sizes=[3, 4, 6], rounds=1,
                                targets={schema.ASSOCIATION.label: 5})
    document = planner.workshop_document(territory, workshop, seed=1, max_steps=500)
    assert len(document["invited"]) == 13
    assert sum(1 for g in document["invited"] if g["kind"] == schema.ASSOCIATION.label) >= 5
    assert [len(table["members"]) for table in document["rounds"][0]["tables"]] == [3, 4, 6]
    with pytest.raises(Infeasible):
        planner.plan(territory, workshop, actors(territory)[:14], max_steps=100)  # 14 people, 13 seats
