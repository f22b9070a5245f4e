"""``/health``: which store is in use and whether it answers."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from api.state import get_store

blueprint = Blueprint("health", __name__)


@blueprint.get("/health")
def health():
    store = get_store()
    body: dict[str, Any] = {"store": store.backend, "description": store.describe()}
    try:
        store.ping()
    except Exception as exc:  # any driver or file error means "not reachable", reported as such
        body.update(status="unavailable", reachable=False, error=str(exc))
        return jsonify(body), 503
    body.update(status="ok", reachable=True)
    return jsonify(body)

