"""Per-app state: the store and the snapshot cache over it."""
from __future__ import annotations

from flask import current_app

from graph.territory import Territory, TerritoryCache

STORE_KEY = "maillage.store"
CACHE_KEY = "maillage.territory"


def territory() -> Territory:
    """The snapshot of the store's current version (rebuilt after any write)."""
    return current_app.extensions[CACHE_KEY].current()


def attach(app, store) -> None:
    app.extensions[STORE_KEY] = store
    app.extensions[CACHE_KEY] = TerritoryCache(store)
