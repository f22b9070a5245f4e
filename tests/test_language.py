"""A language per request: French by default, English on request, everywhere, even when people are served at once."""
from __future__ import annotations

import html
import json
import signal
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from api.app import create_app
from importers.pipeline import import_files
from tests import neo4j_server
from tests.conftest import EXAMPLE
from tests.helpers import cli_env, maillage, start_maillage

# (address, French words that must be there, English words that must be there); each answer must hold
# the words of its own language and none of the other's.
REQUESTS = [
    ("/actors/ag-00001", "Travaille avec", "Works with"),
    ("/views/actors/ag-00001", "Avec qui travaille", "works with"),
    ("/views/territory", "Réseau de coopération du territoire", "The territory's cooperation network"),
    ("/api/v1/actors/ag-00001/ego?depth=9", "un entier entre 1 et 3", "an integer between 1 and 3"),
    ("/api/v1/cooperation/isolated?as_of=demain", "une date AAAA-MM-JJ", "a date YYYY-MM-DD"),
    ("/api/v1/actors/personne/works-with", "Introuvable : acteur « personne »", "Not found: actor 'personne'"),
    ("/api/v1/openapi.json", "Le voisinage d'un acteur", "An actor's neighbourhood"),
    ("/", "Base utilisée", "Store in use"),
]


def _fetch(url: str, lang: str) -> str:
    request = urllib.request.Request(url, headers={"Accept-Language": lang})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.read().decode("utf-8")
    except urllib.error.HTTPError as error:  # a problem document is an answer too
        return error.read().decode("utf-8")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("language") / "data"
    assert maillage("import", "--data", str(data), str(EXAMPLE)).returncode == 0
    port = neo4j_server.free_port()
    log = data.parent / "serve.log"
    process = start_maillage("serve", "--data", str(data), "--port", str(port), log=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            _fetch(base + "/health", "fr")
            break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
    yield base
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)


def test_a_thousand_requests_from_16_threads_each_get_their_own_language(server):
    """Waitress serves with 8 threads; 16 clients ask at once, alternating French and English."""
    jobs = [(REQUESTS[i % len(REQUESTS)], "fr" if (i // len(REQUESTS)) % 2 == 0 else "en") for i in range(1000)]

    def ask(job):
        (address, french, english), lang = job
        body = _fetch(server + address, lang)
        if address.endswith("openapi.json"):
            body = json.dumps(json.loads(body), ensure_ascii=False)
        else:
            body = html.unescape(body)
        wanted, other = (french, english) if lang == "fr" else (english, french)
        return wanted in body and other not in body, (address, lang)

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(ask, jobs))
    wrong = [where for ok, where in results if not ok]
    assert len(results) == 1000 and wrong == []


def test_accept_language_and_lang_give_english_problems_and_french_stays_the_default(embedded_store):
    import_files([EXAMPLE], embedded_store)
    client = create_app(embedded_store).test_client()
    french = client.get("/api/v1/cooperation/path?from=ag-00001&to=ag-00002&alternatives=x").json
    assert french["title"] == "Paramètre invalide"
    assert french["detail"] == "Paramètre « alternatives » : valeur « x » — attendu : un entier entre 0 et 5"
    for english in (client.get("/api/v1/cooperation/path?from=ag-00001&to=ag-00002&alternatives=x",
                               headers={"Accept-Language": "en-GB,en;q=0.9"}).json,
                    client.get("/api/v1/cooperation/path?from=ag-00001&to=ag-00002&alternatives=x&lang=en").json):
        assert english["title"] == "Invalid parameter"
        assert english["detail"] == "Parameter 'alternatives': value 'x' — expected: an integer between 0 and 5"
        assert english["invalid_params"] == [{"name": "alternatives", "value": "x",
                                              "reason": "an integer between 0 and 5"}]
    missing = client.get("/api/v1/cooperation/path?to=ag-00002", headers={"Accept-Language": "en"}).json
    assert missing["invalid_params"][0] == {"name": "from", "value": "", "reason": "an actor's identifier"}
    assert client.get("/views/territory?as_of=x", headers={"Accept-Language": "en"}).json["detail"].startswith(
        "Parameter 'as_of'")
    from graph.i18n import current_language, use_language

    with use_language("fr"):
        client.get("/?lang=en")
        assert current_language() == "fr", "a request's language ends with the request"


def test_the_command_line_speaks_english_with_lang_en(tmp_path):
    data = str(tmp_path / "data")
    assert maillage("import", "--data", data, str(EXAMPLE)).returncode == 0
    bad = maillage("--lang", "en", "query", "--data", data, "ego", "ag-00001", "--depth", "9")
    assert bad.returncode == 2 and bad.stderr.strip() == (
        "Parameter 'depth': value '9' — expected: an integer between 1 and 3")
    missing = maillage("query", "--data", data, "path", "ag-00001", "nobody", env=cli_env(LANG="en_US.UTF-8"))
    assert missing.stderr.strip() == "Not found: actor 'nobody'"
    table = maillage("--lang", "en", "query", "--data", data, "works-with", "ag-00001")
    assert "weight" in table.stdout and "poids" not in table.stdout
    assert "Formats recognised by their header" in maillage("--lang", "en", "import", "--help").stdout
    broken = tmp_path / "cooperations.csv"
    broken.write_text("acteur_a;acteur_b;debut\nag-00001;ag-00001;hier\n", encoding="utf-8")
    refused = maillage("--lang", "en", "import", "--dry-run", "--data", data, str(broken))
    assert "line 2, field 'debut': value 'hier' — a date (YYYY-MM-DD, DD/MM/YYYY or YYYY)" in refused.stderr
    assert "two different actors" in refused.stderr and "valeur" not in refused.stderr
    french = maillage("import", "--dry-run", "--data", data, str(broken))
    assert "ligne 2, champ « debut » : valeur « hier »" in french.stderr
