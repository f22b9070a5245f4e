"""A person's rights, on each store: everything held about them (ties others declared included), and an erasure
after which their name and identifier are nowhere: store, history, exports, search, cached answers, views."""
from __future__ import annotations

import io
import json
import zipfile
import zlib
from datetime import date, timedelta

import pytest

from api.state import CACHE_KEY
from graph import campaigns
from graph.editing import Author
from graph.territory import TerritoryCache
from tests.collab import setting
from tests.helpers import maillage
from visualisations import exports

PERSON, NAME = "ag-00002", "Léa Hamelin"


@pytest.fixture
def world(store, tmp_path):
    return setting(store, keep_snapshot_in=tmp_path / "kept")  # as a server: its snapshot kept on disk


def _traces(world) -> None:
    """Léa everywhere: a tie Camille declared about her, her confirmation, an edit of her record, a survey answer
    naming her, a proposal with her name."""
    client = world.client()
    tie = client.post("/api/v1/cooperations", json={"actor_a": "ag-00001", "actor_b": PERSON, "nature": "conseil"},
                      headers=world.headers("camille")).json["id"]
    client.post(f"/api/v1/cooperations/{tie}/confirm", headers=world.headers("lea"))
    client.patch(f"/api/v1/actors/{PERSON}", json={"job_title": "référente numérique"},
                 headers=world.headers("animateur"))
    territory = TerritoryCache(world.store).current()
    closes = (date.today() + timedelta(days=5)).isoformat()
    _, tokens = campaigns.open_campaign(world.store, territory, Author("animateur", "animateur"), closes,
                                        ["svc-0001"])
    campaigns.answer(world.store, territory, next(iter(tokens.values())), [(NAME, "mensuelle")])
    client.post("/api/v1/actors", json={"id": "asso-lea", "kind": "association", "name": f"Club de {NAME}"},
                headers=world.headers("camille"))
    return tie


def test_a_person_sees_everything_held_about_them_including_ties_others_declared(world):
    tie = _traces(world)
    client = world.client()
    record = client.get(f"/api/v1/persons/{PERSON}/access", headers=world.headers("lea")).json
    assert record["person"]["name"] == NAME and record["person"]["properties"]["job_title"] == "référente numérique"
    declared = [r for r in record["relationships"] if r["type"] == "COOPERATES_WITH" and r["other"] == "ag-00001"]
    assert declared and declared[0]["declared_by_someone_else"] and declared[0]["provenance"]["prov_source"]
    assert declared[0]["properties"]["status"] == "confirmed"
    assert {e["kind"] for e in record["history"]} >= {"import", "declare", "confirm", "update"}
    assert [a["login"] for a in record["accounts"]] == ["lea"] and record["survey_answers"] == []
    assert tie
    assert client.get(f"/api/v1/persons/{PERSON}/access", headers=world.headers("camille")).status_code == 403
    assert client.get(f"/api/v1/persons/{PERSON}/access", headers=world.headers("admin")).status_code == 200
    from tests.collab import login

    page_client = world.client()
    login(page_client, "lea")
    page = page_client.get(f"/persons/{PERSON}/access").get_data(as_text=True)
    assert NAME in page and "déclaré par quelqu&#39;un d&#39;autre" in page


def _everything_served(world, client) -> str:
    """Every surface a person could show up on, as text: API answers, history, exports, search, views."""
    headers = world.headers("admin")
    texts = []
    for path in ("/api/v1/actors?per_page=200", "/api/v1/actors?per_page=200&page=2",
                 "/api/v1/actors/ag-00001/works-with", "/api/v1/cooperation/isolated",
                 "/api/v1/cooperation/brokers", "/api/v1/history?limit=1000", "/search?q=Hamelin",
                 "/search?q=lea", "/views/actors/ag-00001", "/views/territory", "/api/v1/proposals"):
        texts.append(client.get(path, headers=headers).get_data(as_text=True))
    for entry in client.get("/api/v1/history?limit=1000", headers=headers).json["items"]:
        texts.append(client.get(f"/api/v1/history/{entry['id']}", headers=headers).get_data(as_text=True))
    for fmt in ("gexf", "graphml", "cytoscape"):
        texts.append(client.get(f"/api/v1/export/{fmt}", headers=headers).get_data(as_text=True))
    return "\n".join(texts)


def _unzipped(data: bytes) -> str:
    if not data.startswith(b"PK"):
        return data.decode("utf-8")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


def _stored(store) -> str:
    """Everything in the store, read as its owner would: the embedded file's bytes, or Neo4j through the driver."""
    if store.backend == "embedded":
        raw = b"".join(path.read_bytes() for path in store.data_dir.iterdir() if path.is_file())
        return raw.decode("utf-8", "replace")
    records, _, _ = store.driver.execute_query("MATCH (n) RETURN labels(n) AS l, properties(n) AS p")
    rels, _, _ = store.driver.execute_query("MATCH ()-[r]->() RETURN type(r) AS t, properties(r) AS p")
    return json.dumps([r.data() for r in records] + [r.data() for r in rels], ensure_ascii=False,
                      default=str) + _kept_in_store(store)


def _kept_in_store(store) -> str:
    """The snapshots Neo4j keeps for servers starting elsewhere, uncompressed, as text (graph.snapshot_file)."""
    if store.backend == "embedded":
        return ""
    parts, _, _ = store.driver.execute_query("MATCH (s:MaillageSnapshot) RETURN s.data AS data ORDER BY s.part")
    data = b"".join(part["data"] for part in parts)
    return zlib.decompress(data).decode("utf-8", "replace") if data else ""


def _kept(world) -> str:
    """The snapshots the app keeps on disk (graph.snapshot_file), as bytes read as text."""
    cache = world.app.extensions[CACHE_KEY]
    cache.wait_until_kept()
    return "".join(path.read_bytes().decode("utf-8", "replace") for path in cache.keep_in.glob("*"))


def test_after_an_erasure_the_person_is_nowhere(world):
    _traces(world)
    client = world.client()
    before = _everything_served(world, client)
    assert NAME in before and PERSON in before and NAME in _stored(world.store)  # the caches are warm
    assert NAME in _kept(world)
    neo4j = world.store.backend == "neo4j"
    assert (NAME in _kept_in_store(world.store)) == neo4j  # Neo4j keeps it too, for servers starting elsewhere
    from graph import accounts
    from tests.collab import login

    assert login(world.client(), "lea", "pas le bon mot de passe").status_code == 401  # counted against her account
    counted = accounts.Throttle.account_records(world.store, "lea")
    assert len(counted) == 1 and counted[0] in dict(world.store.records(accounts.THROTTLES))
    erased = client.post(f"/api/v1/persons/{PERSON}/erase", headers=world.headers("admin"))
    assert erased.status_code == 200 and erased.json["nodes_deleted"] == 1 and erased.json["accounts_removed"] == 1
    assert _kept(world) == ""  # deleted at once (not only when read again)
    assert _kept_in_store(world.store) == ""  # in the erasure's own transaction
    assert counted[0] not in dict(world.store.records(accounts.THROTTLES))
    after = _everything_served(world, client)
    stored, kept = _stored(world.store), _kept(world)
    assert kept  # kept again, from what the store holds now (in the store too)
    assert bool(_kept_in_store(world.store)) == neo4j
    for trace in (NAME, PERSON):  # (other agents are called Hamelin too)
        assert trace not in after, trace
        assert trace not in stored, trace
        assert trace not in kept, trace
    for fmt in exports.FORMATS:  # the exports written from a fresh read too (ZIP and XLSX opened)
        text = _unzipped(exports.export(TerritoryCache(world.store).current(), fmt))
        assert NAME not in text and PERSON not in text, fmt
    assert client.get("/api/v1/history", headers=world.headers("lea")).status_code == 401  # her token went with her
    # The erasure is recorded, not whom; it cannot be undone; the rest of the history is still there.
    items = client.get("/api/v1/history?kind=erase", headers=world.headers("admin")).json["items"]
    assert len(items) == 1 and items[0]["by"] == "admin" and items[0]["touched"] == []
    assert client.post(f"/api/v1/history/{items[0]['id']}/undo", headers=world.headers("admin")).status_code == 409
    kinds = {e["kind"] for e in client.get("/api/v1/history?limit=1000", headers=world.headers("admin")).json["items"]}
    assert {"import", "declare", "confirm", "update", "erase"} <= kinds
    # Others' facts are intact: Camille and her other ties.
    assert world.store.get_node("ag-00001").name == "Camille Aubertin"
    assert client.post(f"/api/v1/persons/{PERSON}/erase", headers=world.headers("admin")).status_code == 404
    assert client.post("/api/v1/persons/ag-00003/erase", headers=world.headers("animateur")).status_code == 403


def test_maillage_person_export_and_erase(tmp_path):
    from graph.stores.embedded import EmbeddedStore
    from tests.conftest import EXAMPLE

    data = str(tmp_path / "data")
    assert maillage("import", "--data", data, str(EXAMPLE)).returncode == 0
    store = EmbeddedStore(data)
    try:  # a server has kept its snapshot there
        cache = TerritoryCache(store, tmp_path / "data" / "snapshots")
        cache.current()
        cache.wait_until_kept()
    finally:
        store.close()
    assert list((tmp_path / "data" / "snapshots").glob("*.snapshot"))
    out = tmp_path / "lea.json"
    assert maillage("person", "export", PERSON, "--out", str(out), "--data", data).returncode == 0
    assert json.loads(out.read_text(encoding="utf-8"))["person"]["name"] == NAME
    refused = maillage("person", "erase", PERSON, "--data", data)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    done = maillage("person", "erase", PERSON, "--yes", "--data", data)
    assert done.returncode == 0 and NAME not in done.stdout
    assert not list((tmp_path / "data" / "snapshots").iterdir())  # the kept snapshot held her
    store = EmbeddedStore(data)
    try:
        assert store.get_node(PERSON) is None
    finally:
        store.close()
    assert maillage("person", "export", PERSON, "--data", data).returncode == 2
