"""Stores: Neo4j when ``NEO4J_URI`` is set, the embedded SQLite file otherwise."""
from __future__ import annotations

from graph.config import StoreConfig
from graph.stores.base import Store


def open_store(config: StoreConfig | None = None, upgrade: bool = True) -> Store:
    """The store *config* (else the environment) names, brought to this release's schema unless not *upgrade*
    (:mod:`graph.migrations`: a store written by a newer release is refused)."""
    config = config or StoreConfig.from_env()
    store: Store
    if config.neo4j_uri:
        from graph.stores.neo4j_store import Neo4jStore

        store = Neo4jStore(config.neo4j_uri, config.neo4j_user, config.neo4j_password, config.neo4j_database,
                           plugin=config.neo4j_plugin)
    else:
        from graph.stores.embedded import EmbeddedStore

        store = EmbeddedStore(config.data_dir)
    if upgrade:
        from graph import migrations

        try:
            migrations.upgrade(store)
        except BaseException:
            store.close()
            raise
    return store


__all__ = ["Store", "open_store"]
