"""``maillage backup``, ``maillage restore`` and ``maillage migrate``: keeping a store through the years."""
from __future__ import annotations

import sys
import time

from graph import backup, migrations
from graph.config import StoreConfig
from graph.i18n import current_language, t


def cmd_backup(args, open_store) -> int:
    with open_store(args) as store:
        saved = backup.save(store, args.out)
    counts = saved.counts
    print(t("backup.saved", path=args.out, schema=saved.schema, sha256=saved.sha256, nodes=counts["nodes"],
            relationships=counts["relationships"], records=counts["records"]))
    return 0


def cmd_restore(args, open_store) -> int:
    with open_store(args) as store:
        try:
            restored = backup.restore(store, args.file, replace=args.replace)
        except backup.BackupError as refused:
            print(str(refused), file=sys.stderr)
            return 2
        counts = restored.counts
        print(t("backup.restored", store=store.describe(), sha256=restored.sha256, nodes=counts["nodes"],
                relationships=counts["relationships"], records=counts["records"]))
        keep_snapshot_for_server(store, StoreConfig.for_command(args))
    return 0


def keep_snapshot_for_server(store, config: StoreConfig, written: int | None = None) -> None:
    """After a command filled *store*: keep the snapshot the server reads when it starts (see
    :func:`graph.territory.keep_for_next_start`), saying so, since at a métropole's scale it takes a while."""
    from graph.territory import keep_for_next_start

    folder = config.snapshot_dir
    if folder is None:
        return
    started = time.perf_counter()
    if keep_for_next_start(store, folder, written, starting=lambda: print(t("snapshot.keeping"), flush=True)):
        print(t("snapshot.kept", seconds=time.perf_counter() - started, path=folder), flush=True)


def cmd_migrate(args, open_store) -> int:
    with open_store(args, upgrade=False) as store:
        try:
            found = migrations.version_of(store)
            steps = migrations.upgrade(store)
        except migrations.NewerStore as newer:
            print(str(newer), file=sys.stderr)
            return 2
    if steps:
        print(t("migrate.done", current=migrations.CURRENT, found=found,
                steps="; ".join(f"{step.version}: {step.description}" for step in steps)))
    else:
        print(t("migrate.current", current=migrations.CURRENT))
    return 0


def add_parser(sub, with_store, open_store) -> None:
    fr = current_language() == "fr"
    p = with_store(sub.add_parser(
        "backup", help="sauvegarde toute la base (graphe, comptes, historique) dans un fichier" if fr
        else "back up the whole store (graph, accounts, history) to a file"))
    p.add_argument("--out", required=True, help="fichier à écrire (.maillage.gz)" if fr
                   else "file to write (.maillage.gz)")
    p.set_defaults(func=lambda args: cmd_backup(args, open_store))
    p = with_store(sub.add_parser("restore", help="restaure une sauvegarde dans une base vide" if fr
                                  else "restore a backup into an empty store"))
    p.add_argument("file", help="fichier écrit par « maillage backup »" if fr else "file written by “maillage backup”")
    p.add_argument("--replace", action="store_true", help="vide d'abord la base (tout ce qu'elle contient est perdu)"
                   if fr else "empty the store first (all it holds is lost)")
    p.set_defaults(func=lambda args: cmd_restore(args, open_store))
    p = with_store(sub.add_parser("migrate", help="met la base au schéma de cette version" if fr
                                  else "bring the store to this release's schema"))
    p.set_defaults(func=lambda args: cmd_migrate(args, open_store))
