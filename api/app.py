"""The Flask application factory."""
from __future__ import annotations

from flask import Flask

from graph.config import StoreConfig
from graph.stores import Store, open_store

STORE_KEY = "maillage.store"


def create_app(store: Store | None = None, config: StoreConfig | None = None) -> Flask:
    """Build the app around *store*, or around the store the environment configures."""
    app = Flask(__name__)
    app.config["JSON_AS_ASCII"] = False
    app.json.ensure_ascii = False
    app.extensions[STORE_KEY] = store if store is not None else open_store(config)

    from api import health, home, problems

    problems.register(app)
    app.register_blueprint(health.blueprint)
    app.register_blueprint(home.blueprint)
    return app


def get_store(app: Flask | None = None) -> Store:
    from flask import current_app

    return (app or current_app).extensions[STORE_KEY]
