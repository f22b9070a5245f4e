"""Per-app state: the store and the snapshot cache over it."""
from __future__ import annotations

from flask import current_app

from graph.territory import Territory, TerritoryCache

STORE_KEY = "maillage.store"
CACHE_KEY = "maillage.territory"


def request_language() -> str:
    """``?lang=`` first, then the browser's languages; French by default. Sets it for the messages too."""
    from flask import request

    from graph import i18n

    asked = request.args.get("lang") or request.accept_languages.best_match(["fr", "en"]) or "fr"
    return i18n.set_language("en" if asked.startswith("en") else "fr")


def territory() -> Territory:
    """The snapshot of the store's current version (rebuilt after any write)."""
    return current_app.extensions[CACHE_KEY].current()


def attach(app, store) -> None:
    app.extensions[STORE_KEY] = store
    app.extensions[CACHE_KEY] = TerritoryCache(store)
