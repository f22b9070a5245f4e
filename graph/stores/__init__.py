"""Stores: Neo4j when ``NEO4J_URI`` is set, the embedded SQLite file otherwise."""
from __future__ import annotations

from graph.config import StoreConfig
from graph.stores.base import Store


def open_store(config: StoreConfig | None = None) -> Store:
    config = config or StoreConfig.from_env()
    if config.neo4j_uri:
        from graph.stores.neo4j_store import Neo4jStore

        return Neo4jStore(config.neo4j_uri, config.neo4j_user, config.neo4j_password, config.neo4j_database)
    from graph.stores.embedded import EmbeddedStore

    return EmbeddedStore(config.data_dir)


__all__ = ["Store", "open_store"]
