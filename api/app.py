"""The Flask application factory."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from api import state
from api.json_provider import OrjsonProvider
from graph.config import StoreConfig
from graph.stores import Store, open_store


def create_app(store: Store | None = None, config: StoreConfig | None = None,
               anonymous_read: bool | None = None, persons_visible_to: str | None = None,
               keep_snapshot_in: Path | None = None) -> Flask:
    """Build the app around *store*, or around the store the environment configures.

    *anonymous_read*: whether visitors without an account may read (default: ``MAILLAGE_ANONYMOUS_READ``);
    *persons_visible_to*: the least role that sees persons by name, or ``anonymous`` (default:
    ``MAILLAGE_PERSONS_VISIBLE_TO``, else ``contributeur``); *keep_snapshot_in*: a folder where the snapshot
    is kept between runs (:mod:`graph.snapshot_file`; a server's, not a test's).
    """
    Flask.json_provider_class = OrjsonProvider
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024  # a form or a JSON body; a larger one is a 413 problem
    if anonymous_read is not None:
        app.config["MAILLAGE_ANONYMOUS_READ"] = anonymous_read
    if persons_visible_to is not None:
        app.config["MAILLAGE_PERSONS_VISIBLE_TO"] = persons_visible_to
    state.attach(app, store if store is not None else open_store(config), keep_snapshot_in)

    from api import (
        auth,
        catalogue,
        editing_pages,
        exports,
        health,
        home,
        openapi,
        pages,
        problems,
        questions,
        security,
        views,
        workshop_pages,
        workshops,
        writes,
    )

    problems.register(app)
    security.init(app)
    auth.init(app)
    for module in (health, auth, home, catalogue, questions, workshops, writes, exports, openapi, pages, views,
                   workshop_pages, editing_pages):
        app.register_blueprint(module.blueprint)
    app.register_blueprint(views.assets)
    return app
