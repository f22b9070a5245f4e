"""Accounts, roles, API tokens and invitations: who may read and change the map.

Four roles, each allowed what the one before is, and more:

* ``lecteur`` reads the map, the questions and the views;
* ``contributeur`` (every agent, a partner's contact) edits their own profile, declares,
  confirms or disputes their own ties, proposes actors and projects (which wait for
  validation);
* ``animateur`` edits every actor, project, theme and tie, validates proposals, runs
  survey campaigns and workshops;
* ``administrateur`` manages accounts, imports, settings, erasure.

Passwords are hashed with Argon2id (argon2-cffi) and never stored or logged in clear.
An account starts without a password: its one-time invitation link sets it. Secrets
given to people (invitation links, API tokens, survey links) are random, shown once, and
stored as their SHA-256 digest: a copy of the store does not give them away. Accounts
and tokens are records of the store (:meth:`graph.stores.base.Store.records`).
"""
from __future__ import annotations

import functools
import hashlib
import secrets
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from graph.stores.base import Store

ROLES = ("lecteur", "contributeur", "animateur", "administrateur")
ACCOUNTS = "accounts"
TOKENS = "tokens"
INVITATIONS = "invitations"
THROTTLES = "throttles"  # failed logins (Throttle)
INVITATION_DAYS = 14
MIN_PASSWORD = 10

_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the login is unknown, so that an unknown login takes as long as a wrong password
    (made at the first login, not by every command that imports this module: an Argon2 hash is slow on purpose)."""
    return _HASHER.hash(secrets.token_hex(16))


def role_at_least(role: str, needed: str) -> bool:
    return ROLES.index(role) >= ROLES.index(needed)


def sees_persons(role: str | None, visible_to: str = "contributeur") -> bool:
    """Whether an account of *role* (None: no account) sees natural persons (agents, elected officials' ties) by
    name, when *visible_to* is the least role that does (``MAILLAGE_PERSONS_VISIBLE_TO``, see
    :class:`graph.config.AccessConfig`), or ``anonymous`` (everyone: a fictitious demo, a closed room).

    >>> sees_persons(None), sees_persons("lecteur"), sees_persons("contributeur"), sees_persons(None, "anonymous")
    (False, False, True, True)
    """
    if visible_to == "anonymous":
        return True
    return role is not None and role_at_least(role, visible_to)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class AccountError(ValueError):
    """A request about accounts that cannot be done; *key* names the message (``account.*``)."""

    def __init__(self, key: str, **values):
        self.key, self.values = key, values
        super().__init__(key)


@dataclass
class Account:
    login: str
    role: str
    agent: str | None = None  # the Agent (or partner's actor) this account speaks for
    password: str | None = None  # Argon2 hash
    disabled: bool = False
    created_at: str = ""

    def may(self, needed: str) -> bool:
        return not self.disabled and role_at_least(self.role, needed)

    def as_record(self) -> dict:
        return asdict(self)

    def public(self) -> dict:
        return {"login": self.login, "role": self.role, "agent": self.agent, "disabled": self.disabled,
                "has_password": self.password is not None, "created_at": self.created_at}


def _now() -> datetime:
    return datetime.now(UTC)


def get(store: Store, login: str) -> Account | None:
    return account_of(store.get_record(*account_key(login)))


def account_key(login: str) -> tuple[str, str]:
    """Where *login*'s account is kept: (collection, key) of its record."""
    return ACCOUNTS, login


def account_of(value: dict | None) -> Account | None:
    """The account in a record read at :func:`account_key` (None where there was none)."""
    return Account(**value) if value else None


def all_accounts(store: Store) -> list[Account]:
    return [Account(**value) for _, value in store.records(ACCOUNTS)]


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError("account.role", role=role, choices=", ".join(ROLES))


def add(store: Store, login: str, role: str, agent: str | None = None) -> str:
    """Create an account without a password; returns its one-time invitation token."""
    login = login.strip()
    if not login or len(login) > 80 or any(c.isspace() for c in login):
        raise AccountError("account.login", login=login)
    _check_role(role)
    if agent and not store.kinds_of([agent]):
        raise AccountError("account.agent", agent=agent)
    if get(store, login) is not None:
        raise AccountError("account.exists", login=login)
    account = Account(login, role, agent or None, created_at=_now().isoformat(timespec="seconds"))
    store.put_records([(ACCOUNTS, login, account.as_record())])
    return invite(store, login)


def invite(store: Store, login: str) -> str:
    """A new one-time invitation token for *login* (the previous ones stop working)."""
    if get(store, login) is None:
        raise AccountError("account.unknown", login=login)
    token = secrets.token_urlsafe(24)
    stale = [(INVITATIONS, key, None) for key, value in store.records(INVITATIONS) if value["login"] == login]
    expires = (_now() + timedelta(days=INVITATION_DAYS)).isoformat(timespec="seconds")
    store.put_records(stale + [(INVITATIONS, digest(token), {"login": login, "expires": expires})])
    return token


def invitation(store: Store, token: str) -> str | None:
    """The login an invitation token is for, while it is valid."""
    value = store.get_record(INVITATIONS, digest(token))
    if value is None or value["expires"] < _now().isoformat(timespec="seconds"):
        return None
    return value["login"]


def accept_invitation(store: Store, token: str, password: str) -> Account:
    """Set the password of the invitation's account; the invitation is then used up."""
    login = invitation(store, token)
    if login is None:
        raise AccountError("account.invitation")
    if len(password) < MIN_PASSWORD:
        raise AccountError("account.password_short", min=MIN_PASSWORD)
    account = get(store, login)
    assert account is not None
    account.password = _HASHER.hash(password)
    store.put_records([(ACCOUNTS, login, account.as_record()), (INVITATIONS, digest(token), None)])
    return account


def _changed(store: Store, login: str, **changes) -> Account:
    """The account *login* with *changes* made and stored, and its tokens' copies of it with it (one
    transaction)."""
    account = get(store, login)
    if account is None:
        raise AccountError("account.unknown", login=login)
    for name, value in changes.items():
        setattr(account, name, value)
    copies = [(TOKENS, key, {**value, "account": _token_copy(account)})
              for key, value in store.records(TOKENS) if value["login"] == login]
    store.put_records([(ACCOUNTS, login, account.as_record()), *copies])
    return account


def _token_copy(account: Account) -> dict:
    """What a token keeps of its account (never the password), so that a request with a token is one read."""
    return {"login": account.login, "role": account.role, "agent": account.agent, "disabled": account.disabled,
            "created_at": account.created_at}


def set_password(store: Store, login: str, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError("account.password_short", min=MIN_PASSWORD)
    _changed(store, login, password=_HASHER.hash(password))


def authenticate(store: Store, login: str, password: str) -> Account | None:
    """The account when *password* is its password and it is enabled; None otherwise (same time either way)."""
    account = get(store, login)
    hashed = account.password if account is not None and account.password else _dummy_hash()
    try:
        _HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return None
    if account is None or account.password is None or account.disabled:
        return None
    return account


def set_role(store: Store, login: str, role: str) -> Account:
    _check_role(role)
    return _changed(store, login, role=role)


def disable(store: Store, login: str) -> Account:
    """Disable an account: it can no longer log in, and its tokens are refused."""
    return _changed(store, login, disabled=True)


def create_token(store: Store, login: str, name: str = "") -> tuple[str, str]:
    """A new API token for *login*: (the token, shown once; its id, to revoke it)."""
    account = get(store, login)
    if account is None:
        raise AccountError("account.unknown", login=login)
    token = "mlg_" + secrets.token_urlsafe(32)
    token_id = digest(token)[:16]
    store.put_records([(TOKENS, digest(token), {"id": token_id, "login": login, "name": name, "revoked": False,
                                                "created_at": _now().isoformat(timespec="seconds"),
                                                "account": _token_copy(account)})])
    return token, token_id


def tokens(store: Store, login: str | None = None) -> list[dict]:
    return [value for _, value in store.records(TOKENS) if login is None or value["login"] == login]


def revoke_token(store: Store, token_id: str) -> bool:
    for key, value in store.records(TOKENS):
        if value["id"] == token_id:
            store.put_records([(TOKENS, key, {**value, "revoked": True})])
            return True
    return False


def account_for_token(store: Store, token: str) -> Account | None:
    """The enabled account of a token not revoked (one read: the token keeps a copy of its account, updated with
    it)."""
    return account_of_token(store, store.get_record(*token_key(token)))


def token_key(token: str) -> tuple[str, str]:
    """Where *token* is kept: (collection, key) of its record (the token hashed, never the token itself)."""
    return TOKENS, digest(token)


def account_of_token(store: Store, value: dict | None) -> Account | None:
    """The enabled account of a token's record read at :func:`token_key`, unless revoked (or none)."""
    if value is None or value["revoked"]:
        return None
    account = Account(**value["account"]) if "account" in value else get(store, value["login"])
    return account if account is not None and not account.disabled else None


class Throttle:
    """Failed logins counted per account and per address: after *limit* failures within *window* seconds,
    further attempts are refused until the window has passed (whatever the password).

    The failures are records of the store (collection :data:`THROTTLES`), not of a process: every server process
    (``maillage serve --workers N``) counts the same failures, and a restart forgets none. Each failure is a
    record of its own, never a count read then written again: two processes failing the same key at the same
    instant count two. A key is kept hashed (a login typed wrong may be someone's name; an address is personal
    data); a success removes its records, and the failures older than the window are removed with the next.
    """

    def __init__(self, limit: int = 5, window: float = 900.0):
        self.limit, self.window = limit, window

    @staticmethod
    def keys(login: str, address: str) -> tuple[str, str]:
        """What a login attempt counts against: the account (as typed, case aside) and the address."""
        return "login:" + login.strip().lower(), "address:" + address

    @staticmethod
    def record_key(key: str) -> str:
        """The record of *key* (hashed)."""
        return hashlib.sha256(key.encode()).hexdigest()[:32]

    @classmethod
    def failures(cls, store: Store, key: str) -> list[tuple[str, float]]:
        """The failures counted against *key*: (record, when), oldest first."""
        found = [(record, value["at"]) for record, value in store.records(THROTTLES, cls.record_key(key) + "/")]
        return sorted(found, key=lambda failure: failure[1])

    @classmethod
    def account_records(cls, store: Store, login: str) -> list[str]:
        """The records of the failures counted against the account *login* (an erasure removes them)."""
        return [record for record, _ in cls.failures(store, cls.keys(login, "")[0])]

    def blocked(self, store: Store, *keys: str) -> float:
        """Seconds to wait before trying again (0: allowed)."""
        now = time.time()  # wall-clock time: shared by processes
        waits = [self.window - (now - times[-self.limit]) for key in keys
                 if len(times := [at for _, at in self.failures(store, key) if now - at < self.window]) >= self.limit]
        return max(waits, default=0.0)

    def failed(self, store: Store, *keys: str) -> None:
        now = time.time()
        stale = [(THROTTLES, record, None) for key in keys for record, at in self.failures(store, key)
                 if now - at >= self.window]
        store.put_records(stale + [(THROTTLES, f"{self.record_key(key)}/{now:.6f}-{secrets.token_hex(4)}", {"at": now})
                                   for key in keys])

    def succeeded(self, store: Store, *keys: str) -> None:
        store.put_records([(THROTTLES, record, None) for key in keys for record, _ in self.failures(store, key)])
