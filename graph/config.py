"""Configuration from the environment: which store, where its data lives; who reads what, how long ties last."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class StoreConfig:
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: str = ""
    neo4j_database: str | None = None
    data_dir: Path = Path("maillage-data")
    keep_snapshot: bool = True  # MAILLAGE_KEEP_SNAPSHOT=0: a server starting again reads the store in full
    neo4j_plugin: bool = True  # MAILLAGE_NEO4J_PLUGIN=0: never call Maillage's plugin (neo4j-plugin/), read by Cypher

    @property
    def backend(self) -> str:
        return "neo4j" if self.neo4j_uri else "embedded"

    @property
    def snapshot_dir(self) -> Path | None:
        """Where a server keeps its snapshot between runs (:mod:`graph.snapshot_file`), if it does."""
        return self.data_dir / "snapshots" if self.keep_snapshot else None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> StoreConfig:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = dict(
            neo4j_uri=env.get("NEO4J_URI") or None,
            neo4j_user=env.get("NEO4J_USER", "neo4j"),
            neo4j_password=env.get("NEO4J_PASSWORD", ""),
            neo4j_database=env.get("NEO4J_DATABASE") or None,
            data_dir=Path(env.get("MAILLAGE_DATA_DIR", "maillage-data")),
            keep_snapshot=env.get("MAILLAGE_KEEP_SNAPSHOT", "1").lower() not in ("0", "false", "no"),
            neo4j_plugin=env.get("MAILLAGE_NEO4J_PLUGIN", "1").lower() not in ("0", "false", "no"),
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @classmethod
    def for_command(cls, args) -> StoreConfig:
        """The environment's configuration, with a command's ``--data`` folder when it has one."""
        data = getattr(args, "data", None)
        return cls.from_env(data_dir=Path(data) if data else None)


@dataclass(frozen=True)
class AccessConfig:
    """Who may read, who sees persons by name, how long a declared tie lasts without renewal: read once here for
    the web application, the processing record and the retention review.

    *persons_visible_to*: the least role that sees persons (``anonymous``: everyone).
    """

    anonymous_read: bool = False
    persons_visible_to: str = "contributeur"
    retention_years: int = 3

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> AccessConfig:
        from graph.accounts import ROLES

        env = os.environ if environ is None else environ
        visible_to = env.get("MAILLAGE_PERSONS_VISIBLE_TO") or cls.persons_visible_to
        if visible_to != "anonymous" and visible_to not in ROLES:
            raise ValueError(f"MAILLAGE_PERSONS_VISIBLE_TO={visible_to}: anonymous, {', '.join(ROLES)}")
        return cls(env.get("MAILLAGE_ANONYMOUS_READ", "") in ("1", "true"), visible_to,
                   int(env.get("MAILLAGE_RETENTION_YEARS") or cls.retention_years))
