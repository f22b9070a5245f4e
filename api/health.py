"""``/health``: which store is in use and whether it answers.

``ok`` (200): the store answers. ``degraded`` (503): it does not, but the last snapshot
still answers reads (flagged stale) while writes get 503 problems; the store's driver
reconnects by itself. ``unavailable`` (503): it does not, and nothing was read from it yet.
``warming``: the server is still reading its snapshot and preparing a person's writes, after it started; it
answers meanwhile, the first people a little slower (a supervisor may wait for it).
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app, jsonify

from api import state
from graph import migrations
from graph.answers import BOOLEAN, INTEGER, TEXT, nullable, obj

blueprint = Blueprint("health", __name__)
# Its answer's shape (graph.answers), reachable or not.
ANSWER = obj({"store": TEXT, "description": TEXT, "schema": nullable(INTEGER), "reachable": BOOLEAN,
              "status": {"enum": ["ok", "degraded", "unavailable"]}, "reads": {"enum": ["ok", "stale", "unavailable"]},
              "writes": {"enum": ["ok", "unavailable"]},
              "warming": BOOLEAN}, {"error": TEXT, "since": TEXT})


@blueprint.get("/health")
def health():
    store = state.get_store()
    body: dict[str, Any] = {"store": store.backend, "description": store.describe(), "schema": None,
                            "warming": state.warming()}
    try:
        store.ping()
        body["schema"] = migrations.version_of(store)  # only once it answers: no read retried while it is down
    except Exception as exc:  # any driver or file error means "not reachable", reported as such
        state.store_failed()
        snapshot = current_app.extensions[state.CACHE_KEY].last
        body.update(status="degraded" if snapshot is not None else "unavailable", reachable=False,
                    error=type(exc).__name__, reads="stale" if snapshot is not None else "unavailable",
                    writes="unavailable",
                    since=datetime.fromtimestamp(state.outage_since(), UTC).isoformat(timespec="seconds"))
        return jsonify(body), 503
    body.update(status="ok", reachable=True, reads="ok", writes="ok")
    return jsonify(body)
