"""The Flask application factory."""
from __future__ import annotations

from flask import Flask

from api import state
from api.json_provider import OrjsonProvider
from graph.config import StoreConfig
from graph.stores import Store, open_store


def create_app(store: Store | None = None, config: StoreConfig | None = None) -> Flask:
    """Build the app around *store*, or around the store the environment configures."""
    Flask.json_provider_class = OrjsonProvider
    app = Flask(__name__)
    state.attach(app, store if store is not None else open_store(config))

    from api import catalogue, health, home, openapi, pages, problems, questions, views, workshop_pages, workshops

    problems.register(app)
    for module in (health, home, catalogue, questions, workshops, openapi, pages, views, workshop_pages):
        app.register_blueprint(module.blueprint)
    return app
