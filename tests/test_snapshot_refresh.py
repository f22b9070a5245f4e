"""After a write, the snapshot reads only what changed and patches its network: the answers are those of a full read."""
from __future__ import annotations

import pytest

from graph import schema
from graph.model import Batch, Node, Provenance, Relationship
from graph.questions import ask
from graph.territory import TerritoryCache
from importers.pipeline import import_files
from tests.conftest import EXAMPLE
from visualisations import views as network_views
from visualisations.declaration import DRAWN, View

PROV = Provenance("test-refresh", 1)

# Each write touches the network differently: a new agent in an existing project, an updated
# declaration, a new grant between actors, a project funded by a new partner, a renamed actor,
# an agent moved to another service, an actor whose kind changes, a new isolated partner.
WRITES = [
    Batch([Node("Agent", "ag-new-1", "Nouvelle agente", {"service": "svc-0001"}, PROV)],
          [Relationship("MEMBER_OF", "ag-new-1", "svc-0001", "", {}, PROV),
           Relationship("PARTICIPATES_IN", "ag-new-1", "proj-00001", "contributor", {"role": "contributor"}, PROV)]),
    Batch([], [Relationship("COOPERATES_WITH", "ag-00001", "ag-00002", "revue", {"frequency": "quotidienne"}, PROV),
               Relationship("COOPERATES_WITH", "ag-00002", "ag-00001", "retour", {"frequency": "mensuelle"}, PROV)]),
    Batch([], [Relationship("COOPERATES_WITH", "ag-00001", "ag-00002", "revue", {"frequency": "hebdomadaire"}, PROV),
               Relationship("FUNDS", "part-00001", "asso-00003", "aide-2026", {"amount": 1200.0}, PROV)]),
    Batch([Node("Partner", "part-new", "Nouveau partenaire", {}, PROV)],
          [Relationship("FUNDS", "part-new", "proj-00002", "aide", {"amount": 5000.0}, PROV)]),
    Batch([Node("Agent", "ag-00003", "Nom changé", {"service": "svc-0002"}, PROV)],
          [Relationship("MEMBER_OF", "ag-00003", "svc-0002", "", {}, PROV)]),
    Batch([Node("Association", "part-00002", "Devenu association", {}, PROV),
           Node("Partner", "part-isolated", "Partenaire isolé", {}, PROV)], []),
]


# A declaration the other side confirms, then disputes: in, then out of the confirmed ties.
WRITES += [Batch([], [Relationship("COOPERATES_WITH", "ag-00006", "asso-00001", "appui", {"status": status}, PROV)])
           for status in ("confirmed", "disputed")]

AGENTS = [f"ag-{i:05d}" for i in range(1, 61)]
# Many facts at once (an import): the refresh merges them by another road than a few.
WRITES.append(Batch([], [Relationship("COOPERATES_WITH", a, b, "atelier", {"frequency": "ponctuelle"}, PROV)
                         for a in AGENTS for b in AGENTS if a < b][:1500]))


def network_content(g):
    return ({n: d for n, d in g.nodes(data=True)},
            {tuple(sorted((u, v))): d for u, v, d in g.edges(data=True)})


def answers(t):
    return [ask("works-with", t, actor="ag-00001"), ask("ego", t, actor="ag-00002", depth=2), ask("services", t),
            ask("isolated", t), ask("single-points", t), ask("brokers", t), ask("communities", t),
            ask("path", t, source="ag-00001", target="asso-00003"), ask("coverage", t)]


def view_answers(t):
    """Answers about actors every view keeps (associations), and global ones."""
    return [ask("works-with", t, actor="asso-00001"), ask("ego", t, actor="asso-00003", depth=2), ask("services", t),
            ask("isolated", t), ask("single-points", t), ask("brokers", t), ask("communities", t), ask("coverage", t)]


# The narrowed views a question may be asked on: as people who may not see persons see it, confirmed ties only.
VIEWS = {"masked": lambda t: t.masked(), "confirmed": lambda t: t.restricted("confirmed"),
         "masked, confirmed": lambda t: t.masked().restricted("confirmed")}


def test_refreshed_snapshot_equals_a_full_read_after_each_write(store):
    import_files([EXAMPLE], store)
    cache = TerritoryCache(store)
    before = cache.current()
    before.network()
    for view in VIEWS.values():
        view(before).network()
    patched = dict.fromkeys(VIEWS, 0)
    for batch in WRITES:
        changes = store.changes_since(before.mark)
        assert changes is not None and not changes.nodes and not changes.relationships
        summary = store.write(batch)
        assert summary.nodes_created + summary.nodes_updated + summary.relationships_created \
            + summary.relationships_updated > 0
        changes = store.changes_since(before.mark)
        written = {n.id for n in batch.nodes} | {r.identity for r in batch.relationships}
        assert {n.id for n in changes.nodes} | {r.identity for r in changes.relationships} <= written
        assert changes.nodes or changes.relationships

        refreshed = cache.current()
        assert refreshed is not before and refreshed.mark == changes.mark
        assert None in refreshed._networks, "the network was patched, not left to a full projection"
        full = TerritoryCache(store).current()
        assert network_content(refreshed.network()) == network_content(full.network())
        assert refreshed.relationships == full.relationships and refreshed.nodes == full.nodes
        assert answers(refreshed) == answers(full)
        for name, view in VIEWS.items():
            # A view whose rules name the same persons is patched with the changes it keeps, not built again.
            patched[name] += None in view(refreshed)._networks
            assert network_content(view(refreshed).network()) == network_content(view(full).network()), name
            assert view(refreshed).relationships == view(full).relationships, name
            assert view(refreshed).nodes == view(full).nodes, name
            assert view_answers(view(refreshed)) == view_answers(view(full)), name
        before = refreshed
    # Only the new agent changes whom the masked view leaves out.
    assert patched == {"masked": len(WRITES) - 1, "confirmed": len(WRITES), "masked, confirmed": len(WRITES) - 1}


def test_a_rewrite_of_the_same_facts_changes_nothing(store):
    import_files([EXAMPLE], store)
    mark = store.mark()
    import_files([EXAMPLE], store)
    changes = store.changes_since(mark)
    assert changes is not None and not changes.nodes and not changes.relationships


def test_clearing_the_store_forces_a_full_read(store):
    import_files([EXAMPLE], store)
    cache = TerritoryCache(store)
    assert cache.current().nodes
    mark = cache.current().mark
    store.clear()
    assert store.changes_since(mark) is None
    assert not cache.current().nodes and cache.current().network().number_of_nodes() == 0


@pytest.mark.parametrize("as_of", [None, "2023-06-01"])
def test_networks_of_other_dates_are_projected_afresh(embedded_store, as_of):
    import_files([EXAMPLE], embedded_store)
    cache = TerritoryCache(embedded_store)
    cache.current().network(as_of)
    embedded_store.write(WRITES[0])
    refreshed = cache.current()
    full = TerritoryCache(embedded_store).current()
    assert network_content(refreshed.network(as_of)) == network_content(full.network(as_of))


def test_a_measure_being_computed_holds_only_those_who_asked_for_it():
    """A global measure takes seconds on a large territory: meanwhile, other answers read the network and other
    measures of the same snapshot; a second asker of the same measure waits for the first one's result."""
    import threading

    from graph.territory import Territory

    people = [Node("Agent", name, name.upper()) for name in ("a", "b", "c")]
    snapshot = Territory("v1", people, [Relationship("COOPERATES_WITH", "a", "b", "", {"frequency": "mensuelle"})])
    release, started, computed = threading.Event(), threading.Event(), []

    def slow() -> str:
        computed.append(1)
        started.set()
        assert release.wait(30)
        return "slow"

    askers = [threading.Thread(target=lambda: snapshot.measure(("slow",), slow)) for _ in range(2)]
    for asker in askers:
        asker.start()
    assert started.wait(10)
    answered = []
    reader = threading.Thread(target=lambda: answered.append(
        (snapshot.network()["a"]["b"]["weight"], snapshot.measure(("other",), lambda: 7))))
    reader.start()
    reader.join(10)
    try:
        assert answered == [(2, 7)]  # answered while the slow measure is still being computed
    finally:
        release.set()
        for asker in askers:
            asker.join(10)
    assert computed == [1] and snapshot.measure(("slow",), slow) == "slow"


def test_a_read_does_not_wait_for_a_refresh_under_way_unless_it_would_miss_a_write_acknowledged_to_its_reader(store):
    """While one thread reads what changed in the store (held here by taking the cache's lock), or asks it where it
    stands, a read answers at once from the newest snapshot: what another process wrote meanwhile (an import) it
    could not have told from a store answering a moment later. Once this server has acknowledged a write to a person
    (an account, a survey's link), their reads do not answer without it, nor do those of anyone not known; another
    person's reads need not wait for it. The reads of a pre-forked worker, which does not know what the others
    acknowledged, wait as every answer did before."""
    import threading

    from api.app import create_app
    from api.state import CACHE_KEY
    from graph import accounts
    from tests.helpers import started

    import_files([EXAMPLE], store)
    app = create_app(store, anonymous_read=True, persons_visible_to="anonymous")
    client, cache = app.test_client(), app.extensions[CACHE_KEY]
    accounts.add(store, "admin", "administrateur")
    token = accounts.create_token(store, "admin")[0]

    def partners(response) -> set[str]:
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return {c["id"] for c in response.json["collaborators"]}

    readers: list = []

    def read(headers: dict | None = None):
        return lambda: client.get("/api/v1/actors/ag-00001/works-with", headers=headers or {})

    def read_while_held(lock, seconds: float) -> tuple[bool, list, threading.Thread]:
        """A read started while *lock* is held: (whether it still waited after *seconds*, its answers, its thread)."""
        with lock:
            return started(read(), seconds)

    def declare(other: str) -> None:
        declared = client.post("/api/v1/cooperations", json={"actor_a": "ag-00001", "actor_b": other,
                                                              "nature": "atelier"},
                               headers={"Authorization": f"Bearer {token}"})
        assert declared.status_code == 201, declared.get_data(as_text=True)

    def imported(other: str) -> None:  # what another process writes
        store.write(Batch([], [Relationship("COOPERATES_WITH", "ag-00001", other, "import", {}, PROV)]))

    before = partners(client.get("/api/v1/actors/ag-00001/works-with"))
    imported("part-00002")
    waiting, answers, _ = read_while_held(cache._lock, 10)  # a refresh under way
    assert not waiting  # at once, from the snapshot being replaced: without the import
    assert partners(answers[0]) == before
    assert partners(client.get("/api/v1/actors/ag-00001/works-with")) == before | {"part-00002"}

    accounts.add(store, "lectrice", "lecteur")
    reader_token = accounts.create_token(store, "lectrice")[0]
    seen = partners(client.get("/api/v1/actors/ag-00001/works-with"))
    declare("asso-00003")
    assert "asso-00003" not in seen
    as_admin = {"Authorization": f"Bearer {token}"}
    as_reader = {"Authorization": f"Bearer {reader_token}"}
    with cache._lock:  # a refresh under way
        waiting, answers, _ = started(read(as_reader), 10)
        assert not waiting  # another person's write: at once, without it
        assert partners(answers[0]) == seen
        for headers in (as_admin, {}):  # the writer's own read, and one not known
            waiting, answers, reader = started(read(headers), 1.0)
            assert waiting  # it waits: the snapshot lacks the write just acknowledged
            readers.append((reader, answers))
    for reader, answers in readers:
        reader.join(30)
        assert "asso-00003" in partners(answers[0])

    # While another read asks the store where it stands, a read answers from the newest snapshot, unless it lacks a
    # write this server acknowledged: then it asks the store itself.
    seen = partners(client.get("/api/v1/actors/ag-00001/works-with"))
    imported("part-00004")
    waiting, answers, _ = read_while_held(cache._asking, 10)
    assert not waiting
    assert partners(answers[0]) == seen
    declare("asso-00005")
    waiting, answers, _ = read_while_held(cache._asking, 10)
    assert not waiting
    assert partners(answers[0]) >= seen | {"part-00004", "asso-00005"}

    app.config["MAILLAGE_READS_WAIT"] = True  # as maillage serve --workers N sets it
    imported("part-00003")
    waiting, answers, reader = read_while_held(cache._lock, 1.0)
    assert waiting
    reader.join(30)
    assert "part-00003" in partners(answers[0])


def test_a_writer_forgotten_past_the_cache_bound_is_held_to_the_newest_forgotten_write(embedded_store, monkeypatch):
    """The cache remembers the last write of :data:`graph.territory.WRITERS_KNOWN` writers; one forgotten is never
    given a snapshot older than its write (held to the newest among the forgotten), only made to wait sooner."""
    from types import SimpleNamespace

    from graph import territory

    monkeypatch.setattr(territory, "WRITERS_KNOWN", 2)
    cache = TerritoryCache(embedded_store)
    at = {n: SimpleNamespace(mark=("epoch", n)) for n in range(1, 6)}
    cache.written(("epoch", 2), "a")
    cache.written(("epoch", 4), "b")
    assert cache._holds_acknowledged(at[2], "a") and not cache._holds_acknowledged(at[3], "b")
    assert cache._holds_acknowledged(at[1], "c")  # wrote nothing
    assert not cache._holds_acknowledged(at[3], None)  # not known: every write
    cache.written(("epoch", 3), "c")  # "a" forgotten
    assert cache._holds_acknowledged(at[2], "a") and not cache._holds_acknowledged(at[1], "a")
    assert cache._holds_acknowledged(at[2], "d") and cache._holds_acknowledged(at[3], "c")
    cache.written(("epoch", 5), "a")  # known again, "b" forgotten
    assert not cache._holds_acknowledged(at[3], "b") and cache._holds_acknowledged(at[4], "b")
    assert not cache._holds_acknowledged(at[4], "a") and cache._holds_acknowledged(at[3], "c")
    assert not cache._holds_acknowledged(SimpleNamespace(mark=("cleared", 9)), "c")  # another epoch


def test_a_read_that_finds_a_large_change_answers_at_once_while_a_refresh_reads_it_in_the_background(store):
    """A read that need not wait (a GET; its reader wrote nothing since) and finds the store moved sets off a
    refresh in the background and waits for it at most the app's patience: 120,000 changes, which take far longer
    to read, are not waited for; a read while that refresh is under way does not wait for it at all; the answers
    that follow show them once read. Before, the first read read them itself."""
    from api.app import create_app
    from api.state import CACHE_KEY

    import_files([EXAMPLE], store)
    app = create_app(store, anonymous_read=True)
    client, cache = app.test_client(), app.extensions[CACHE_KEY]

    def actors() -> int:
        answer = client.get("/api/v1/actors?per_page=1")
        assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
        return answer.json["total"]

    before = actors()
    partners = [Node("Partner", f"part-bulk-{i:05d}", f"Partenaire {i}", {}, PROV) for i in range(60_000)]
    store.write(Batch(partners, [Relationship("FUNDS", p.id, "asso-00003", "aide", {"amount": 10.0}, PROV)
                                 for p in partners]))
    assert actors() == before  # answered from the snapshot: the refresh is still reading
    refresh = cache._refresh
    assert refresh is not None and not refresh.done()
    app.config["MAILLAGE_REFRESH_PATIENCE"] = 60
    assert actors() == before  # a refresh under way is not waited for, whatever the patience
    assert cache._refresh is refresh
    refresh.result(120)
    assert actors() == before + 60_000


def test_a_signed_in_read_and_a_survey_s_page_ask_the_store_for_the_mark_with_their_first_record(store, monkeypatch):
    """A request reads its account (a token, a session) or its survey link, then the snapshot at the store's mark:
    both in one round trip, since each wait for a store busy committing an import may be a long one. The snapshot
    still shows what another process wrote, and a person's own write before their next read."""
    from api.app import create_app
    from graph import accounts, campaigns
    from graph.editing import Author

    import_files([EXAMPLE], store)
    app = create_app(store)
    app.config["MAILLAGE_REFRESH_PATIENCE"] = 60  # the refresh a moved mark sets off is waited for
    client = app.test_client()
    accounts.add(store, "lectrice", "lecteur")
    headers = {"Authorization": f"Bearer {accounts.create_token(store, 'lectrice')[0]}"}
    _, tokens = campaigns.open_campaign(store, TerritoryCache(store).current(), Author("anim", "animateur"),
                                        "2099-12-31", ["svc-0001"])
    survey = f"/survey/{next(iter(tokens.values()))}"

    def partners() -> set[str]:
        answer = client.get("/api/v1/actors/ag-00001/works-with", headers=headers)
        assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
        return {c["id"] for c in answer.json["collaborators"]}

    before = partners()  # the snapshot read in full
    assert client.get(survey).status_code == 200
    asked: list[str] = []  # what the app asks the store (not what a store's method calls in turn)
    inside: list[str] = []

    def counted(name: str, real):
        def call(*args, **kwargs):
            if not inside:
                asked.append(name)
            inside.append(name)
            try:
                return real(*args, **kwargs)
            finally:
                inside.pop()
        return call

    for name in ("mark", "get_record", "get_records", "records_and_mark"):
        monkeypatch.setattr(store, name, counted(name, getattr(store, name)))
    assert partners() == before and asked == ["records_and_mark"]
    asked.clear()
    page = client.get(survey)
    assert page.status_code == 200 and asked == ["records_and_mark", "get_records"]  # then campaign and answer
    asked.clear()
    store.write(Batch([], [Relationship("COOPERATES_WITH", "ag-00001", "part-00002", "import", {}, PROV)]))
    assert partners() == before | {"part-00002"}  # another process's write, read at the mark read with the token
    assert asked[0] == "records_and_mark" and "mark" not in asked


def test_a_view_served_again_is_drawn_again_only_when_something_it_shows_changed(store, monkeypatch):
    """While imports run the snapshot changes every second: a view is kept (DrawnViews) while every tie, name and
    service it shows is the same, and drawn again when one changed; served either way, it is the view drawn
    afresh from a full read of the store, after every write."""
    import_files([EXAMPLE], store)
    drawn: list[tuple] = []
    draw = View._drawn

    def counted(self, territory, values, nonce, assets_url):
        drawn.append((self.name, *values.values()))
        return draw(self, territory, values, nonce, assets_url)

    monkeypatch.setattr(View, "_drawn", counted)
    DRAWN.clear()
    cache = TerritoryCache(store)
    t = cache.current()
    services = sorted(n.id for n in t.nodes.values() if n.kind == schema.SERVICE.label)
    asked = [("service", {"service": s}) for s in services] + [
        ("actor", {"actor": a, "depth": depth}) for a in ("ag-00001", "ag-00003", "ag-00006", "asso-00003")
        for depth in (1, 2)]

    def served(territory):
        return [network_views.VIEWS[name].html(territory, "n0nce", "/static", **raw) for name, raw in asked]

    served(t)
    assert len(drawn) == len(asked)
    drawn.clear()
    assert served(t) == served(cache.current()) and drawn == [], "the same snapshot: nothing is drawn again"
    again = network_views.VIEWS["service"].html(t, "autre", "/static", service=services[0])
    assert drawn == [] and 'nonce="autre"' in again and "n0nce" not in again, "each response has its own nonce"

    project, agent = t.nodes["proj-00001"], t.nodes["ag-00001"]
    writes = [*WRITES,
              Batch([Node("Agent", agent.id, agent.name, {**agent.properties, "job_title": "poste 2"}, PROV)], []),
              Batch([Node("Project", project.id, "Projet renommé", dict(project.properties), PROV)], [])]
    redrawn, alike = {}, {}  # by write: the views drawn again, and those of them drawn as they were
    keys = [(name, *raw.values(), None) for name, raw in asked]  # as counted: the checked values, no date
    before = served(t)
    for number, batch in enumerate(writes):
        store.write(batch)
        drawn.clear()
        views = served(cache.current())
        redrawn[number] = list(drawn)
        alike[number] = sum(key in drawn and old == new for key, old, new in zip(keys, before, views))
        # The reference: every view drawn afresh on a snapshot read in full (its ties are other objects: none of
        # their tooltips is found among those written before)
        DRAWN.clear()
        assert views == served(TerritoryCache(store).current()), number
        served(cache.current())  # kept again for the next write
        before = views
    assert ("actor", "ag-00003", 1, None) in redrawn[4] and ("service", "svc-0002", None) in redrawn[4]
    assert len(redrawn[4]) < len(asked) / 2 and len(redrawn[5]) < len(asked) / 2, "the views nothing changed in"
    assert len(redrawn[8]) == len(asked), "1,500 ties among 60 agents: every view shows some"
    assert redrawn[9] == [], "an agent's job title: no view shows it"
    assert len(redrawn[10]) == len(asked), "a project renamed: any tie's evidence may name it"
    # Drawn again only when what it shows changed, but for a tie changed with one end in the view (its end's
    # neighbours are other objects: write 2, a grant to an association two views show without its funder), a tie
    # whose status alone changed (another object, drawn alike: 7) and a project renamed (every view, 10).
    assert {number for number, count in alike.items() if count} <= {2, 7, 10}


def test_the_network_built_while_the_store_is_read_is_the_network_of_its_facts(store):
    """A whole read builds the network from the facts as they come (Neo4j: by source, part by part), not
    afterwards from the snapshot: the same network, ties' evidence and projects' roles in the same order."""
    from graph.cooperation import cooperation_network

    import_files([EXAMPLE], store)
    both_ways = [Relationship("COOPERATES_WITH", a, b, key, {"frequency": "mensuelle"}, PROV)
                 for a, b in (("ag-00001", "ag-00002"), ("ag-00002", "ag-00001")) for key in ("appui", "conseil")]
    both_ways += [Relationship("FUNDS", "ag-00002", "ag-00001", "g", {"amount": 5.0}, PROV),
                  Relationship("FUNDS", "ag-00001", "proj-00001", "g", {}, PROV),  # a funder that takes part too
                  Relationship("PARTICIPATES_IN", "ag-00001", "proj-00001", "contributor", {}, PROV)]
    store.write(Batch([], both_ways))
    snapshot = TerritoryCache(store).current()
    built = snapshot._networks.get(None)
    assert built is not None  # built by the read
    fresh = cooperation_network(snapshot.nodes.values(), snapshot.facts())
    assert network_content(built) == network_content(fresh)
    assert list(built.adj) == list(fresh.adj) and all(list(built.adj[n]) == list(fresh.adj[n]) for n in fresh)
    evidence = built["ag-00001"]["ag-00002"]["evidence"]
    assert [e["kind"] for e in evidence[:5]] == ["declared"] * 4 + ["funding"]
