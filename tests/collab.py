"""A small territory with one account per role (and a second contributor), for the collaborative tests."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from api.app import create_app
from graph import accounts
from importers.pipeline import import_files
from tests.conftest import EXAMPLE

PASSWORD = "un mot de passe solide"
# login -> (role, the actor it speaks for)
PEOPLE = {
    "lecteur": ("lecteur", None),
    "camille": ("contributeur", "ag-00001"),  # Camille Aubertin
    "lea": ("contributeur", "ag-00002"),  # Léa Hamelin
    "animateur": ("animateur", None),
    "admin": ("administrateur", None),
}


@dataclass
class Setting:
    store: object
    app: object
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self):
        return self.app.test_client()

    def headers(self, login: str | None, **extra: str) -> dict[str, str]:
        return {**({"Authorization": f"Bearer {self.tokens[login]}"} if login else {}), **extra}


def setting(store, anonymous_read: bool = False, example: Path = EXAMPLE, keep_snapshot_in: Path | None = None
            ) -> Setting:
    """*store* with the fictitious example imported, an account (password and token) per person of PEOPLE (the
    app keeps its snapshot in *keep_snapshot_in*, as a server does)."""
    import_files([example], store)
    tokens = {}
    for login, (role, agent) in PEOPLE.items():
        accounts.add(store, login, role, agent)
        accounts.set_password(store, login, PASSWORD)
        tokens[login] = accounts.create_token(store, login)[0]
    return Setting(store, create_app(store, anonymous_read=anonymous_read, keep_snapshot_in=keep_snapshot_in),
                   tokens)


def login(client, name: str, password: str = PASSWORD, address: str = "127.0.0.1"):
    """Log *client* in through the form (its CSRF token read from the page), from *address*."""
    where = {"REMOTE_ADDR": address}
    page = client.get("/login", environ_base=where).get_data(as_text=True)
    return client.post("/login", data={"login": name, "password": password, "csrf_token": csrf_of(page)},
                       environ_base=where)


def csrf_of(page: str) -> str:
    marker = 'name="csrf_token" value="'
    start = page.index(marker) + len(marker)
    return page[start:page.index('"', start)]
