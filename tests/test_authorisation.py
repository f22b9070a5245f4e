"""Who may do what: every write endpoint for anonymous visitors and each role, CSRF, throttled logins, revoked
tokens, reading without an account, and no secret in any log line."""
from __future__ import annotations

import logging

import pytest

from api.app import create_app
from api.writes import WRITES
from graph import accounts, history
from tests.collab import PASSWORD, PEOPLE, csrf_of, login, setting

WHO = ("anonymous", "lecteur", "camille", "animateur", "admin")


def _tie_id(world, a: str, b: str, nature: str) -> str:
    answer = world.client().post("/api/v1/cooperations", json={"actor_a": a, "actor_b": b, "nature": nature},
                                 headers=world.headers("animateur"))
    return answer.json["id"]


def _proposal_id(world, name: str) -> str:
    answer = world.client().post("/api/v1/actors", json={"id": name, "kind": "association", "name": name},
                                 headers=world.headers("camille"))
    return answer.json["id"]


def _change_id(world, n: int) -> str:
    world.client().patch("/api/v1/projects/proj-00001", json={"status": f"étape {n}"},
                         headers=world.headers("animateur"))
    return history.entries(world.store, kind="update")[0]["id"]


# (method, path (filled for each caller), body) -> expected status for anonymous, lecteur, contributor
# (Camille, ag-00001), animateur, administrateur. A contributor is refused what is not theirs.
def cases(world, who: str) -> list[tuple[str, str, dict | None, tuple[int, ...]]]:
    n = WHO.index(who)
    return [
        ("POST", "/api/v1/actors", {"id": f"asso-{n}", "kind": "association", "name": f"Asso {n}"},
         (401, 403, 202, 201, 201)),
        ("GET", "/api/v1/actors/ag-00004/record", None, (401, 200, 200, 200, 200)),
        ("PATCH", "/api/v1/actors/ag-00001", {"job_title": f"fonction {n}"}, (401, 403, 200, 200, 200)),
        ("PATCH", "/api/v1/actors/ag-00004", {"job_title": f"fonction {n}"}, (401, 403, 403, 200, 200)),
        ("DELETE", f"/api/v1/actors/ag-0001{n}", None, (401, 403, 403, 200, 200)),
        ("POST", "/api/v1/projects", {"id": f"prj-new-{n}", "name": f"Projet {n}"}, (401, 403, 202, 201, 201)),
        ("GET", "/api/v1/projects/proj-00002/record", None, (401, 200, 200, 200, 200)),
        ("PATCH", "/api/v1/projects/proj-00002", {"status": f"état {n}"}, (401, 403, 403, 200, 200)),
        ("DELETE", f"/api/v1/projects/proj-0001{n}", None, (401, 403, 403, 200, 200)),
        ("POST", "/api/v1/cooperations", {"actor_a": "ag-00001", "actor_b": f"ag-0002{n}", "nature": "x"},
         (401, 403, 201, 201, 201)),
        ("POST", "/api/v1/cooperations", {"actor_a": "ag-00005", "actor_b": f"ag-0003{n}", "nature": "x"},
         (401, 403, 403, 201, 201)),
        ("GET", "/api/v1/cooperations/" + _tie_id(world, "ag-00001", "ag-00009", f"g{n}"), None,
         (401, 200, 200, 200, 200)),
        ("PATCH", "/api/v1/cooperations/" + _tie_id(world, "ag-00001", "ag-00009", f"p{n}"),
         {"frequency": "hebdomadaire"}, (401, 403, 200, 200, 200)),
        ("PATCH", "/api/v1/cooperations/" + _tie_id(world, "ag-00005", "ag-00009", f"p{n}"),
         {"frequency": "hebdomadaire"}, (401, 403, 403, 200, 200)),
        ("DELETE", "/api/v1/cooperations/" + _tie_id(world, "ag-00001", "ag-00009", f"d{n}"), None,
         (401, 403, 200, 200, 200)),
        # Only the other side (Camille, for a tie an animateur declared between her and ag-00009) answers.
        ("POST", "/api/v1/cooperations/" + _tie_id(world, "ag-00009", "ag-00001", f"c{n}") + "/confirm", None,
         (401, 403, 200, 403, 403)),
        ("POST", "/api/v1/cooperations/" + _tie_id(world, "ag-00009", "ag-00001", f"x{n}") + "/dispute",
         {"reason": "non"}, (401, 403, 200, 403, 403)),
        ("GET", "/api/v1/themes/theme-energie/record", None, (401, 200, 200, 200, 200)),
        ("PATCH", "/api/v1/themes/theme-energie", {"name": f"Énergie {n}"}, (401, 403, 403, 200, 200)),
        ("GET", "/api/v1/proposals", None, (401, 403, 403, 200, 200)),
        ("POST", f"/api/v1/proposals/{_proposal_id(world, f'prop-a-{n}')}/accept", None, (401, 403, 403, 200, 200)),
        ("POST", f"/api/v1/proposals/{_proposal_id(world, f'prop-r-{n}')}/reject", None, (401, 403, 403, 200, 200)),
        ("GET", "/api/v1/history", None, (401, 200, 200, 200, 200)),
        # A person's data: the administrator, or the person themself (Camille, for ag-00001).
        ("GET", "/api/v1/persons/ag-00001/access", None, (401, 403, 200, 403, 200)),
        ("GET", "/api/v1/persons/ag-00003/access", None, (401, 403, 403, 403, 200)),
        ("POST", f"/api/v1/persons/ag-0004{n}/erase", None, (401, 403, 403, 403, 200)),
        ("POST", f"/api/v1/history/{_change_id(world, n)}/undo", None, (401, 403, 403, 201, 201)),
    ]


@pytest.fixture
def world(embedded_store):
    return setting(embedded_store)


def test_every_write_endpoint_answers_each_role_as_the_matrix_says(world):
    tried: set[tuple[str, str]] = set()
    for who in WHO:
        client = world.client()
        for method, path, body, expected in cases(world, who):
            headers = world.headers(None if who == "anonymous" else who)
            answer = client.open(path, method=method, json=body, headers=headers)
            wanted = expected[WHO.index(who)]
            assert answer.status_code == wanted, (who, method, path, answer.get_json())
            if wanted >= 400:
                assert answer.mimetype == "application/problem+json", (who, method, path)
            tried.add((method, path.split("/")[3]))
    # Every declared write endpoint is in the matrix.
    declared = {(w.method, w.path.split("/")[3]) for w in WRITES}
    assert declared <= tried, declared - tried
    for write in WRITES:
        assert f"{write.method} {write.path}" and write.role in accounts.ROLES


def test_reading_requires_an_account_unless_anonymous_reading_is_on(embedded_store, monkeypatch):
    world = setting(embedded_store)
    monkeypatch.delenv("MAILLAGE_ANONYMOUS_READ", raising=False)
    client = create_app(embedded_store).test_client()
    refused = client.get("/api/v1/actors")
    assert refused.status_code == 401 and refused.mimetype == "application/problem+json"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/views/territory").headers["Location"].startswith("/login?next=/views/territory")
    page = client.get("/actors/ag-00001")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    assert client.get("/health").status_code == 200
    assert client.get("/api/v1/actors", headers=world.headers("lecteur")).status_code == 200
    monkeypatch.setenv("MAILLAGE_ANONYMOUS_READ", "1")
    open_client = create_app(embedded_store).test_client()
    assert open_client.get("/api/v1/actors").status_code == 200
    assert open_client.post("/api/v1/actors", json={}).status_code == 401  # writing still needs an account


def test_forms_need_their_csrf_token_and_sessions_cookies_are_httponly_and_samesite(world):
    client = world.client()
    assert client.post("/login", data={"login": "camille", "password": PASSWORD}).status_code == 400
    logged = login(client, "camille")
    assert logged.status_code == 302
    cookie = logged.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    # A session's write without its CSRF token is refused; with it, done.
    body = {"actor_a": "ag-00001", "actor_b": "ag-00007", "nature": "échange"}
    refused = client.post("/api/v1/cooperations", json=body)
    assert refused.status_code == 400 and refused.mimetype == "application/problem+json"
    token = csrf_of(client.get("/cooperations/declare").get_data(as_text=True))
    assert client.post("/api/v1/cooperations", json=body, headers={"X-CSRFToken": token}).status_code == 201
    form = client.post("/cooperations/declare", data={"actor_b": "ag-00008", "nature": "x", "frequency": "mensuelle"})
    assert form.status_code == 400
    secure = world.app.test_client()
    https = secure.get("/login", base_url="https://localhost")
    token = csrf_of(https.get_data(as_text=True))
    answer = secure.post("/login", data={"login": "camille", "password": PASSWORD, "csrf_token": token},
                         base_url="https://localhost", headers={"Referer": "https://localhost/login"})
    assert "Secure" in answer.headers["Set-Cookie"]


def test_logins_are_throttled_per_account_and_per_address_and_never_say_whether_an_account_exists(world):
    client = world.client()
    unknown = login(client, "personne", "n'importe quoi")
    wrong = login(client, "lea", "n'importe quoi")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.get_data(as_text=True).count("incorrect") == wrong.get_data(as_text=True).count("incorrect") == 1
    # Per account: five failures, each from another address, block the account wherever one comes from.
    for n in range(2, 6):
        login(world.client(), "lea", "encore faux", address=f"10.0.0.{n}")
    blocked = login(world.client(), "lea", PASSWORD, address="10.0.0.99")  # the right password, too late
    assert blocked.status_code == 429 and blocked.headers["Retry-After"]
    # Per address: many accounts tried from one address block that address, whatever the account.
    for name in ("a1", "a2", "a3", "a4", "a5"):
        login(world.client(), name, "faux", address="10.0.1.1")
    assert login(world.client(), "animateur", address="10.0.1.1").status_code == 429
    assert login(world.client(), "animateur", address="10.0.1.2").status_code == 302


def test_failed_logins_are_counted_by_the_store_for_every_server_process(store):
    """Two apps on one store (two workers of ``serve --workers 2``, or a server and its restart) count the same
    failures; the store keeps neither the login nor the address in clear."""
    from api.app import create_app

    world = setting(store)
    other = create_app(world.store)  # another process serving the same store
    for n in range(5):
        app = world.app if n % 2 else other
        assert login(app.test_client(), "lea", "encore faux", address=f"10.0.2.{n}").status_code == 401
    assert login(world.client(), "lea", PASSWORD, address="10.0.2.99").status_code == 429
    assert login(other.test_client(), "lea", PASSWORD, address="10.0.2.99").status_code == 429
    assert login(create_app(world.store).test_client(), "lea", PASSWORD).status_code == 429  # restarted
    kept = repr(world.store.records(accounts.THROTTLES))
    assert len(world.store.records(accounts.THROTTLES)) == 10  # each failure counted twice: account, address
    assert "lea" not in kept and "10.0.2" not in kept
    # A success clears the address's count (another account, another address: still allowed).
    assert login(other.test_client(), "animateur", address="10.0.2.0").status_code == 302
    assert len(world.store.records(accounts.THROTTLES)) == 9


def test_failures_at_the_same_instant_in_several_processes_are_all_counted(store):
    """Each failure is a record of its own: failures made at once by several server processes (a Throttle each)
    are all counted, none lost to another's write (a count read then written again lost them)."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    processes = [accounts.Throttle(limit=8), accounts.Throttle(limit=8)]
    keys = accounts.Throttle.keys("lea", "10.0.3.1")
    start = Barrier(8)

    def fail(n: int) -> None:
        start.wait()
        processes[n % 2].failed(store, *keys)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(fail, range(8)))
    assert [len(accounts.Throttle.failures(store, key)) for key in keys] == [8, 8]
    assert all(process.blocked(store, *keys) > 0 for process in processes)
    processes[0].succeeded(store, *keys)
    assert processes[1].blocked(store, *keys) == 0 and not store.records(accounts.THROTTLES)

def test_a_revoked_token_or_a_disabled_account_is_refused(world):
    client = world.client()
    token, token_id = accounts.create_token(world.store, "animateur")
    assert client.get("/api/v1/history", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    accounts.revoke_token(world.store, token_id)
    refused = client.get("/api/v1/history", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401 and refused.mimetype == "application/problem+json"
    assert client.get("/api/v1/history", headers={"Authorization": "Bearer mlg_made_up"}).status_code == 401
    accounts.disable(world.store, "lea")
    assert client.get("/api/v1/history", headers=world.headers("lea")).status_code == 401
    assert login(world.client(), "lea").status_code == 401


def test_no_password_or_token_appears_in_any_log_line(embedded_store, caplog):
    caplog.set_level(logging.DEBUG)
    world = setting(embedded_store)
    secrets = [PASSWORD, *world.tokens.values()]
    invitation = accounts.add(world.store, "nouvelle", "contributeur", "ag-00010")
    secrets.append(invitation)
    client = world.client()
    page = client.get(f"/invitation/{invitation}")
    client.post(f"/invitation/{invitation}", data={"password": "nouveau mot de passe", "again": "nouveau mot de passe",
                                                   "csrf_token": csrf_of(page.get_data(as_text=True))})
    secrets.append("nouveau mot de passe")
    login(world.client(), "nouvelle", "nouveau mot de passe")
    login(world.client(), "camille", "un mauvais mot de passe")
    secrets.append("un mauvais mot de passe")
    for who in PEOPLE:
        client.get("/api/v1/history", headers=world.headers(who))
        client.post("/api/v1/actors", json={"x": 1}, headers=world.headers(who))
    stored = [value for _, value in world.store.records("accounts")] + \
             [value for _, value in world.store.records("tokens")]
    text = "\n".join(record.getMessage() for record in caplog.records) + repr(stored)
    assert all(secret not in text for secret in secrets)
    assert all(value["password"] is None or value["password"].startswith("$argon2id$")
               for _, value in world.store.records("accounts"))


def test_the_openapi_describes_every_write_endpoint_with_its_role_and_answers(world):
    spec = world.client().get("/api/v1/openapi.json", headers=world.headers("lecteur")).json
    for write in WRITES:
        path = write.path.replace("<", "{").replace(">", "}")
        operation = spec["paths"][path][write.method.lower()]
        assert {"401", "403"} <= set(operation["responses"]) and write.role in operation["description"]
        if write.body is not None:
            assert operation["requestBody"]["content"]["application/json"]["schema"] == write.body
    assert {"bearer", "session"} == set(spec["components"]["securitySchemes"])
