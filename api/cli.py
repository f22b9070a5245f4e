"""The ``maillage`` command: demo, serve, import, generate, status.

Messages are in French unless ``--lang en`` or ``LANG=en…`` asks for English.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from graph import i18n
from graph.config import StoreConfig
from graph.i18n import t

if TYPE_CHECKING:
    from importers.context import ImportOptions

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "malaunay-fictif"
EXIT_INVALID = 1
EXIT_STORE = 3


class ProgressPrinter:
    """Progress of a long write on stderr: a line redrawn in a terminal, a line per tenth elsewhere."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.last_tenth = -1

    def __call__(self, done: int, total: int) -> None:
        percent = 100 * done // max(total, 1)
        line = t("import.progress", done=done, total=total, percent=percent)
        if self.tty:
            self.stream.write("\r" + line + ("\n" if done >= total else ""))
        elif percent // 10 != self.last_tenth:
            self.last_tenth = percent // 10
            self.stream.write(line + "\n")
        self.stream.flush()


def _open_store(args, upgrade: bool = True):
    from graph.stores import open_store

    config = StoreConfig.for_command(args)
    try:
        store = open_store(config, upgrade=upgrade)
        store.ping()
    except Exception as exc:
        print(t("error.store", error=exc), file=sys.stderr)
        raise SystemExit(EXIT_STORE) from None
    return store


SHOWN_PER_KIND = 5  # warnings printed for each file, column and kind; the others are counted


def print_issues(issues) -> None:
    """Each issue on a line of its own, except that a file whose every row has the same doubtful column (a
    SIREN for a SIRET, 18,000 times) shows a few of them and counts the others."""
    from collections import Counter

    seen: Counter = Counter()
    for issue in issues:
        kind = (issue.severity, issue.file, issue.field, getattr(issue.expectation, "key", str(issue.expectation)))
        seen[kind] += 1
        if issue.severity == "error" or seen[kind] <= SHOWN_PER_KIND:
            print(issue.message(), file=sys.stderr)
    for (severity, file, field, _), count in seen.items():
        if severity == "warning" and count > SHOWN_PER_KIND:
            print(t("import.more_warnings", count=count - SHOWN_PER_KIND, file=file, field=field or "—"),
                  file=sys.stderr)


def import_options(args) -> ImportOptions:
    """What ``--map``, ``--payer`` and ``--payer-id`` say about the files."""
    from importers.context import ImportOptions

    mapping = {}
    for item in getattr(args, "map", None) or []:
        column, equals, target = item.rpartition("=")
        if not equals or not column.strip() or not target.strip():
            raise SystemExit(f"--map {item!r} : {t('expect.map')}")
        mapping[column.strip()] = target.strip()
    from importers.formats import FORMATS
    from importers.tabular import normalise_header

    known = {normalise_header(name): name for f in FORMATS.values() for name in f.fields()}
    for target in mapping.values():
        if normalise_header(target) not in known:
            choices = "; ".join(f"{f.name} : {', '.join(f.fields())}" for f in FORMATS.values() if f.fields())
            raise SystemExit(f"--map … ={target} : {t('expect.map_field', choices=choices)}")
    return ImportOptions(mapping=mapping, payer=getattr(args, "payer", None),
                         payer_id=getattr(args, "payer_id", None))


def _run_import(store, paths: list[Path], dry_run: bool = False, communes: set[str] | None = None,
                skip_invalid: bool = False, rejects: Path | None = None, fmt: str | None = None,
                options: ImportOptions | None = None, keep_snapshot_for: StoreConfig | None = None) -> int:
    """*keep_snapshot_for*: a server's configuration, whose snapshot a successful import then keeps
    (:func:`api.operations_cli.keep_snapshot_for_server`)."""
    from importers.pipeline import ImportRejected, import_files, write_rejects

    for path in paths:
        print(t("import.reading", path=path), flush=True)
    try:
        if not dry_run:
            print(t("import.writing", store=store.describe()), flush=True)
        result = import_files(paths, store, progress=ProgressPrinter(), dry_run=dry_run, communes=communes,
                              skip_invalid=skip_invalid, fmt=fmt, options=options)
    except ImportRejected as rejected:
        print_issues(rejected.report.issues)
        print(t("import.failed", count=len(rejected.report.errors)), file=sys.stderr)
        unrecognised = sorted({i.file for i in rejected.report.errors if i.line is None and i.file})
        row_errors = {(i.file, i.line) for i in rejected.report.errors if i.line is not None}
        if skip_invalid and unrecognised:
            print(t("import.layout_not_skipped", files=", ".join(unrecognised)), file=sys.stderr)
        elif not skip_invalid and row_errors and not unrecognised:
            print(t("import.skip_hint", count=len(row_errors)), file=sys.stderr)
        return EXIT_INVALID
    print_issues(result.report.warnings)
    if result.report.warnings:
        print(t("import.warnings", count=len(result.report.warnings)), file=sys.stderr)
    if result.rejected:
        print_issues(result.report.errors)
        target = write_rejects(result, rejects or Path("rejets.csv"))
        print(t("import.rejected", count=len(result.rejected), path=target))
    print(t("import.validated", files=result.files, nodes=len(result.batch.nodes),
            relationships=result.relationship_count))
    if result.summary is not None:
        print(t("import.summary", None, **result.summary.as_dict()))
    if keep_snapshot_for is not None and not dry_run:
        from api.operations_cli import keep_snapshot_for_server

        keep_snapshot_for_server(store, keep_snapshot_for, result.summary.changed if result.summary is not None else 0)
    return 0


def cmd_import(args) -> int:
    with _open_store(args) as store:
        store.background = args.background
        return _run_import(store, [Path(p) for p in args.paths], dry_run=args.dry_run,
                           communes=set(args.commune) if args.commune else None,
                           skip_invalid=args.skip_invalid, rejects=Path(args.rejects) if args.rejects else None,
                           fmt=args.format, options=import_options(args),
                           keep_snapshot_for=StoreConfig.for_command(args))


def cmd_export(args) -> int:
    from graph.territory import TerritoryCache
    from visualisations import exports

    out = Path(args.out)
    with _open_store(args) as store:
        territory = TerritoryCache(store).current()
        if args.format == "opendata" and out.suffix.lower() != ".zip":  # a folder: the package as published
            from visualisations.opendata import write_package

            write_package(territory, out)
            print(t("export.written", path=out / "datapackage.json", format=args.format))
            return 0
        body = exports.export(territory, args.format, personal=not args.without_persons, as_of=args.as_of)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(body)
    print(t("export.written", path=out, format=args.format))
    return 0


def cmd_status(args) -> int:
    from graph import schema

    with _open_store(args) as store:
        nodes, relationships = store.node_counts(), store.relationship_counts()
        if args.json:
            print(json.dumps({"store": store.backend, "nodes": nodes, "relationships": relationships},
                             ensure_ascii=False, indent=2))
            return 0
        print(t("status.store", store=store.describe()))
        print(t("status.nodes"))
        for label, count in nodes.items():
            kind = schema.NODE_KINDS[label]
            name = kind.display()
            print(f"  {name:<14} {count:>9}")
        print(t("status.relationships"))
        for rel_type, count in relationships.items():
            print(f"  {rel_type:<16} {count:>9}")
    return 0


def cmd_generate(args) -> int:
    from graph.synthetic import generate

    counts = generate(args.scale, args.seed, Path(args.out))
    print(t("generate.done", scale=args.scale, seed=args.seed, out=args.out,
            nodes=counts["nodes"], relationships=counts["relationships"]))
    return 0


def cmd_query(args) -> int:
    from api import query_cli
    from graph.territory import TerritoryCache

    with _open_store(args) as store:
        return query_cli.run(args, TerritoryCache(store).current())


def import_help() -> str:
    """``maillage import --help``: every format (:data:`importers.formats.FORMATS`), in the current language."""
    from importers.formats import FORMATS

    lines = [t("import.help.intro"), ""]
    for declared in FORMATS.values():
        lines += [f"  {declared.title.render()}", f"    {declared.description.render()}",
                  f"    {t('import.help.example')} {declared.example}"]
    lines += ["", t("import.help.options", formats="|".join(FORMATS))]
    return "\n".join(lines)


def cmd_view(args) -> int:
    from api.query_cli import guarded
    from graph.errors import InvalidParameter
    from graph.i18n import Message
    from graph.territory import TerritoryCache
    from visualisations.declaration import FORMATS
    from visualisations.render import write
    from visualisations.views import FIGURES, VIEWS

    out = Path(args.out)
    declared = FIGURES.get(args.view) or VIEWS[args.view]
    raw = {p.name: getattr(args, p.name) for p in declared.parameters}

    def draw(territory) -> None:
        if args.view in FIGURES:
            fmt = out.suffix.lstrip(".").lower() or "png"
            if fmt not in FORMATS:
                raise InvalidParameter("--out", args.out, Message("expect.figure_file"))
            image = FIGURES[args.view].image(territory, fmt, **raw)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(image)
        else:
            write(VIEWS[args.view].html(territory, **raw), out)

    with _open_store(args) as store:
        code, _ = guarded(lambda: draw(TerritoryCache(store).current()))
    if code:
        return code
    print(t("view.written", path=out))
    return 0


SWITCH_INTERVAL = 0.001  # seconds


def _serve(store, host: str, port: int, ready_message: str, anonymous_read: bool | None = None,
           persons_visible_to: str | None = None, workers: int = 1, reopen=None,
           keep_snapshot_in: Path | None = None) -> int:
    from waitress import serve

    from api import logs, prefork, state
    from api.app import create_app

    # A request waiting for Neo4j takes the interpreter back within this long of its answer (Python's default is
    # 5 ms), while another of the server's threads computes (a view's layout, a global measure): a page of a few
    # small reads paid that wait at each of them.
    chosen = os.environ.get("MAILLAGE_SWITCH_INTERVAL") or str(SWITCH_INTERVAL)
    try:
        interval = float(chosen)
    except ValueError:
        interval = -1.0
    if not 0.0001 <= interval <= 1:
        print(t("serve.switch_interval", value=chosen), file=sys.stderr)
        return 2
    sys.setswitchinterval(interval)
    logs.configure()
    app = create_app(store, anonymous_read=anonymous_read, persons_visible_to=persons_visible_to,
                     keep_snapshot_in=keep_snapshot_in)
    if workers > 1 and not hasattr(os, "fork"):
        print(t("serve.no_fork"), file=sys.stderr)
        workers = 1
    if workers > 1:
        print(t("serve.loading", workers=workers), flush=True)
        return prefork.serve_workers(app, reopen, host, port, workers,
                                     ready=lambda: print(ready_message, flush=True))
    print(ready_message, flush=True)
    state.warm_in_background(app)
    serve(app, host=host, port=port, threads=prefork.THREADS, ident="maillage")
    return 0


def cmd_serve(args) -> int:
    store = _open_store(args)
    return _serve(store, args.host, args.port, t("serve.ready", url=f"http://{args.host}:{args.port}/"),
                  workers=args.workers, reopen=lambda: _open_store(args, upgrade=False),
                  keep_snapshot_in=StoreConfig.for_command(args).snapshot_dir)


def cmd_demo(args) -> int:
    store = _open_store(args)
    print(t("demo.loading", path=EXAMPLE), flush=True)
    code = _run_import(store, [EXAMPLE])
    if code:
        return code
    demo_accounts(store)
    # The fictitious territory is open to read, its fictitious persons too (as a workshop room's screen would
    # be); the accounts show each role's pages and changes.
    return _serve(store, args.host, args.port, t("demo.ready", url=f"http://{args.host}:{args.port}/"),
                  anonymous_read=True, persons_visible_to="anonymous")


DEMO_PASSWORD = "demo-maillage"


def demo_accounts(store) -> None:
    """One account per role (the contributor speaks for an agent of the example), password printed."""
    from graph import accounts, schema

    agent = next(iter(store.nodes(schema.AGENT.label)), None)
    print(t("demo.accounts", password=DEMO_PASSWORD))
    for role in accounts.ROLES:
        if accounts.get(store, role) is None:
            accounts.add(store, role, role, agent.id if role == "contributeur" and agent else None)
        accounts.set_password(store, role, DEMO_PASSWORD)
        linked = f" → {agent.name} ({agent.id})" if role == "contributeur" and agent else ""
        print(f"  {role:<15} {role}{linked}")


def build_parser() -> argparse.ArgumentParser:
    fr = i18n.current_language() == "fr"
    parser = argparse.ArgumentParser(
        prog="maillage",
        description=("Graphe de coopération d'un territoire : qui travaille avec qui." if fr
                     else "A territory's cooperation graph: who works with whom."))
    parser.add_argument("--lang", choices=["fr", "en"], help="langue des messages / message language")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_store(p):
        p.add_argument("--data", help=(
            "dossier de la base embarquée (défaut : $MAILLAGE_DATA_DIR ou ./maillage-data)" if fr
            else "embedded store folder (default: $MAILLAGE_DATA_DIR or ./maillage-data)"))
        return p

    def with_server(p):
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=5000)
        return p

    demo = sub.add_parser("demo", help="charge l'exemple fictif et lance l'application" if fr
                          else "load the fictitious example and start the app")
    with_server(with_store(demo)).set_defaults(func=cmd_demo)
    serve = with_server(with_store(sub.add_parser("serve", help="lance l'application web" if fr
                                                  else "start the web application")))
    serve.add_argument("--workers", type=int, default=int(os.environ.get("MAILLAGE_WORKERS", "1")),
                       help="processus qui répondent ensemble, partageant l'instantané chargé une fois "
                            "(défaut : $MAILLAGE_WORKERS ou 1 ; un par cœur sur un grand territoire)" if fr
                       else "processes answering together, sharing the snapshot loaded once (default: "
                            "$MAILLAGE_WORKERS or 1; one per core on a large territory)")
    serve.set_defaults(func=cmd_serve)
    p = with_store(sub.add_parser(
        "import", help="importe des fichiers (modèles, subventions, RNA, enquêtes)" if fr
        else "import files (templates, grants, RNA, surveys)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=import_help()))
    p.add_argument("paths", nargs="+", help="fichiers ou dossiers" if fr else "files or folders")
    p.add_argument("--dry-run", action="store_true", help="valide sans écrire" if fr else "validate without writing")
    p.add_argument("--background", action="store_true",
                   help="tâche de fond : l'import laisse passer les modifications des personnes (Neo4j : petites "
                        "transactions et pauses ; plus lent)" if fr else "background job: the import gives way to "
                        "people's changes (Neo4j: small transactions and pauses; slower)")
    from importers.formats import FORMATS

    p.add_argument("--format", choices=list(FORMATS),
                   help="impose le format au lieu de le reconnaître à l'en-tête" if fr
                   else "force the format instead of recognising it by the header")
    p.add_argument("--skip-invalid", action="store_true",
                   help="charge les lignes valides et écrit les autres dans un fichier de rejets" if fr
                   else "load the valid rows and write the others to a rejects file")
    p.add_argument("--rejects", metavar="FICHIER.csv", help="fichier des rejets (défaut : rejets.csv)" if fr
                   else "rejects file (default: rejets.csv)")
    p.add_argument("--commune", action="append", metavar="INSEE",
                   help="RNA : ne garder que les associations de cette commune (répétable)" if fr
                   else "RNA: keep only the associations of this commune (repeatable)")
    p.add_argument("--map", action="append", metavar="COLONNE=CHAMP" if fr else "COLUMN=FIELD",
                   help="désigne à la main le champ d'une colonne du fichier, ex. --map \"Somme versée=montant\" "
                        "(répétable)" if fr else "name by hand the field of a file's column, e.g. --map "
                        "\"Somme versée=montant\" (repeatable)")
    p.add_argument("--payer", metavar="NOM" if fr else "NAME",
                   help="subventions : l'attribuant, quand le fichier ne le nomme pas (il le publie lui-même)" if fr
                   else "grants: the payer, when the file does not name it (it publishes the file itself)")
    p.add_argument("--payer-id", metavar="SIRET",
                   help="subventions : le SIRET de cet attribuant" if fr else "grants: that payer's SIRET")
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("generate", help="écrit un territoire synthétique" if fr else "write a synthetic territory")
    p.add_argument("--scale", choices=["commune", "interco", "metropole"], default="commune")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_generate)
    from api import query_cli

    query_cli.add_parser(sub, with_store)
    sub.choices["query"].set_defaults(func=cmd_query)
    from api.query_cli import add_arguments
    from visualisations.declaration import Figure, View
    from visualisations.views import FIGURES, VIEWS

    p = sub.add_parser("view", help="écrit une vue réseau (HTML autonome) ou une figure (PNG/SVG)" if fr
                       else "write a network view (self-contained HTML) or a figure (PNG/SVG)")
    views = p.add_subparsers(dest="view", required=True)
    declarations: list[View | Figure] = [*VIEWS.values(), *FIGURES.values()]
    for declared in declarations:
        v = with_store(views.add_parser(declared.name, help=declared.title.render()))
        v.add_argument("--out", required=True, help="fichier à écrire (.html ; .png ou .svg pour une figure)" if fr
                       else "file to write (.html; .png or .svg for a figure)")
        add_arguments(v, declared.parameters)
    p.set_defaults(func=cmd_view)
    from api import account_cli, operations_cli, person_cli, workshop_cli

    workshop_cli.add_parser(sub, with_store, _open_store)
    operations_cli.add_parser(sub, with_store, _open_store)
    account_cli.add_parser(sub, with_store, _open_store)
    person_cli.add_parser(sub, with_store, _open_store)
    from visualisations.exports import FORMATS as EXPORT_FORMATS

    p = with_store(sub.add_parser("export", help="exporte le réseau (Gephi, yEd, Cytoscape, Kumu, tableur)" if fr
                                  else "export the network (Gephi, yEd, Cytoscape, Kumu, spreadsheet)"))
    p.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    p.add_argument("--out", required=True, help="fichier à écrire" if fr else "file to write")
    p.add_argument("--as-of", dest="as_of", help="date d'observation (AAAA-MM-JJ)" if fr else "observation date")
    p.add_argument("--without-persons", action="store_true", help="sans les agents ni les élus" if fr
                   else "without agents or elected officials")
    p.set_defaults(func=cmd_export)
    p = with_store(sub.add_parser("status", help="base utilisée et effectifs par type" if fr
                                  else "store in use and counts by kind"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--lang" in argv[:-1]:
        i18n.set_language(argv[argv.index("--lang") + 1])
    else:
        i18n.set_language(None)
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
