"""Per-app state, as flaskr's ``db.py``: the store, the snapshot cache over it, and the request's language."""
from __future__ import annotations

from flask import Flask, current_app, g, request

from graph import i18n
from graph.stores import Store
from graph.territory import Territory, TerritoryCache

STORE_KEY = "maillage.store"
CACHE_KEY = "maillage.territory"


def get_store(app: Flask | None = None) -> Store:
    """The store the app serves."""
    return (app or current_app).extensions[STORE_KEY]


def territory() -> Territory:
    """The snapshot of the store's current version (refreshed after any write)."""
    return current_app.extensions[CACHE_KEY].current()


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
