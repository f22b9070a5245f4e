"""Per-app state, as flaskr's ``db.py``: the store, the snapshot cache over it, and the request's language."""
from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_login import current_user

from graph import i18n
from graph.accounts import Account
from graph.accounts import sees_persons as rules_sees_persons
from graph.stores import Store
from graph.territory import Territory, TerritoryCache

STORE_KEY = "maillage.store"
CACHE_KEY = "maillage.territory"


def get_store(app: Flask | None = None) -> Store:
    """The store the app serves."""
    return (app or current_app).extensions[STORE_KEY]


def full_territory() -> Territory:
    """The snapshot of the store's current version (refreshed after any write), persons included: for what
    only counts them (aggregates by service), or for those who may see them."""
    return current_app.extensions[CACHE_KEY].current()


def account() -> Account | None:
    """The account of this request (a session or a token), or None."""
    return current_user.account if getattr(current_user, "is_authenticated", False) else None


def sees_persons() -> bool:
    """Whether whoever asks sees natural persons by name (the one rule, :func:`graph.accounts.sees_persons`)."""
    found = account()
    return rules_sees_persons(found.role if found is not None and not found.disabled else None,
                              current_app.config["MAILLAGE_PERSONS_VISIBLE_TO"])


def territory(counts_only: bool = False) -> Territory:
    """The snapshot as whoever asks may see it: every page, answer, view, export and search reads this one.
    *counts_only*: the answer only counts persons by service (never names one), so it reads them all."""
    snapshot = full_territory()
    return snapshot if counts_only or sees_persons() else snapshot.masked()


def request_language() -> str:
    """The language of the current request (set when the request began)."""
    return i18n.current_language()


def choose_language() -> None:
    """``?lang=`` first, then the browser's ``Accept-Language``; French by default. Set for this request only:
    the language lives in a context variable, so that people served at once each get their own, and the
    language before the request comes back when it ends."""
    asked = request.args.get("lang") or request.accept_languages.best_match(list(i18n.LANGUAGES)) or "fr"
    g.language_token = i18n.enter_language("en" if asked.startswith("en") else "fr")


def restore_language(_error: BaseException | None = None) -> None:
    token = g.pop("language_token", None)
    if token is not None:
        i18n.leave_language(token)


def attach(app: Flask, store: Store) -> None:
    app.extensions[STORE_KEY] = store
    app.extensions[CACHE_KEY] = TerritoryCache(store)
    app.before_request(choose_language)
    app.teardown_request(restore_language)
