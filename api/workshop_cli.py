"""``maillage workshop``: seat a benchmark instance (``mdgp``), or plan a partnership workshop (``plan``)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from graph.i18n import is_french, t

EXIT_INVALID = 2


def add_parser(sub, with_store, open_store) -> None:
    """The ``workshop`` commands; *open_store* opens the store the options name (the caller's, so that this
    module does not import the command line's)."""
    fr = is_french()
    workshop = sub.add_parser("workshop", help="prépare un atelier : invités, plans de table" if fr
                              else "prepare a workshop: guests, seating plans")
    kinds = workshop.add_subparsers(dest="workshop", required=True)
    p = kinds.add_parser("mdgp", help="résout une instance MDGPLIB (groupes les plus divers)" if fr
                         else "solve an MDGPLIB instance (maximally diverse groups)")
    p.add_argument("file", help="fichier d'instance MDGPLIB" if fr else "MDGPLIB instance file")
    p.add_argument("--seconds", type=float, default=3.0, help="temps de recherche (défaut : 3)" if fr
                   else "search time (default: 3)")
    p.add_argument("--seed", type=int, default=0, help="graine : même graine, même résultat à temps égal" if fr
                   else "seed")
    p.add_argument("--json", action="store_true", help="sortie JSON" if fr else "JSON output")
    p.set_defaults(func=cmd_mdgp)
    p = with_store(kinds.add_parser(
        "plan", help="invités et plans de table d'un atelier, tour par tour" if fr
        else "guests and seating plans of a workshop, round after round"))
    p.add_argument("--theme", action="append", required=True, metavar="ID",
                   help="thème de l'atelier (répétable)" if fr else "the workshop's theme (repeatable)")
    p.add_argument("--tables", type=int, required=True, help="nombre de tables" if fr else "number of tables")
    p.add_argument("--size", type=int, required=True, help="places par table" if fr else "seats per table")
    p.add_argument("--sizes", metavar="N,N,…", help="places de chaque table quand elles diffèrent (remplace --tables "
                   "et --size)" if fr else "seats of each table when they differ (overrides --tables and --size)")
    p.add_argument("--target", action="append", default=[], metavar="TYPE=N",
                   help="équilibre des invités : au moins N d'un type (agent, elu, association, partenaire, service)"
                   if fr else "balance of guests: at least N of a kind (agent, elu, association, partenaire, service)")
    p.add_argument("--rounds", type=int, default=1, choices=range(1, 5), help="tours (1 à 4)" if fr
                   else "rounds (1 to 4)")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--participants", metavar="FICHIER" if fr else "FILE",
                     help="les participants (CSV : une colonne identifiant)" if fr
                     else "the participants (CSV: an id column)")
    who.add_argument("--invite", type=int, metavar="N", help="invite les N meilleures suggestions (défaut : toutes "
                     "les places)" if fr else "invite the N best suggestions (default: every seat)")
    p.add_argument("--facilitator", action="append", default=[], metavar="ID=TABLE",
                   help="un animateur fixé à sa table (répétable)" if fr else "a facilitator fixed to a table")
    p.add_argument("--at", action="append", default=[], metavar="ID=TABLE",
                   help="une personne à placer à cette table" if fr else "someone to seat at that table")
    p.add_argument("--together", action="append", default=[], metavar="ID,ID",
                   help="deux personnes qui doivent se rencontrer" if fr else "two people who must meet")
    p.add_argument("--apart", action="append", default=[], metavar="ID,ID",
                   help="deux personnes à ne pas asseoir ensemble" if fr else "two people not to seat together")
    p.add_argument("--min-services", type=int, default=0, metavar="K",
                   help="au moins K services (ou types d'acteurs) par table" if fr
                   else "at least K services (or kinds of actor) per table")
    p.add_argument("--weight", action="append", default=[], metavar="PART=VALEUR" if fr else "PART=VALUE",
                   help="poids d'une part de la valeur d'une rencontre (README)" if fr
                   else "weight of a part of an encounter's value (README)")
    p.add_argument("--title", default="", help="titre" if fr else "title")
    p.add_argument("--date", default="")
    p.add_argument("--place", default="", help="lieu" if fr else "place")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="sortie JSON" if fr else "JSON output")
    p.add_argument("--out", metavar="DOSSIER" if fr else "DIR",
                   help="écrit plan.json, participants.csv, brief.html, brief.pdf et le réseau par table "
                        "(tables-tour-N.html)" if fr else "write plan.json, participants.csv, brief.html, brief.pdf "
                        "and the network by table (tables-tour-N.html)")
    p.set_defaults(func=cmd_plan, open_store=open_store)
    p = with_store(kinds.add_parser(
        "outcome", help="ce qu'un atelier a changé, quelques semaines après" if fr
        else "what a workshop changed, some weeks later"))
    p.add_argument("--came", required=True, metavar="FICHIER" if fr else "FILE",
                   help="qui est venu (CSV : une colonne identifiant)" if fr else "who came (CSV: an id column)")
    p.add_argument("--before", required=True, metavar="AAAA-MM-JJ" if fr else "YYYY-MM-DD",
                   help="la date de l'atelier" if fr else "the workshop's date")
    p.add_argument("--after", metavar="AAAA-MM-JJ" if fr else "YYYY-MM-DD",
                   help="la date de la comparaison (défaut : aujourd'hui)" if fr else "the comparison date (today)")
    p.add_argument("--workshop", metavar="NOM" if fr else "NAME",
                   help="l'atelier, tel que l'origine des coopérations déclarées le nomme (atelier:NOM)" if fr
                   else "the workshop, as the origin of the declared cooperations names it (atelier:NAME)")
    p.add_argument("--json", action="store_true", help="sortie JSON" if fr else "JSON output")
    p.set_defaults(func=cmd_outcome, open_store=open_store)


def cmd_mdgp(args: argparse.Namespace) -> int:
    from graph.mdgp import Infeasible, InstanceError, read_mdgplib, solve

    try:
        instance = read_mdgplib(Path(args.file))
    except (InstanceError, OSError) as error:
        print(error.message() if isinstance(error, InstanceError) else str(error), file=sys.stderr)
        return EXIT_INVALID
    try:
        solution = solve(instance, seconds=args.seconds, seed=args.seed)
    except Infeasible as infeasible:
        print(infeasible.reason.render(), file=sys.stderr)
        return EXIT_INVALID
    groups = solution.groups(instance.groups)
    if args.json:
        print(json.dumps({"objective": round(solution.objective, 6), "groups": groups,
                          "seconds": round(solution.seconds, 3)}))
        return 0
    print(t("workshop.mdgp", objective=f"{solution.objective:.3f}", groups=instance.groups,
            seconds=f"{solution.seconds:.1f}", steps=solution.steps))
    for number, members in enumerate(groups, start=1):
        print(f"  {number:>3} ({len(members)}) : {' '.join(str(m) for m in members)}")
    return 0


def _seat(item: str, option: str) -> tuple[str, int]:
    actor, _, table = item.rpartition("=")
    if not actor or not table.isdigit() or int(table) < 1:
        raise SystemExit(t("workshop.bad_option", option=option, value=item, expected="ID=TABLE"))
    return actor, int(table) - 1


def _pair(item: str, option: str) -> tuple[str, str]:
    first, _, second = item.partition(",")
    if not first or not second:
        raise SystemExit(t("workshop.bad_option", option=option, value=item, expected="ID,ID"))
    return first.strip(), second.strip()


def read_participants(path: Path) -> list[str]:
    """Actor identifiers from a CSV or workbook: its ``identifiant``/``id`` column, else its first column."""
    from importers.tabular import normalise_header, read_tables

    ids: list[str] = []
    for table in read_tables(path):
        headers = [normalise_header(h) for h in table.headers]
        column = next((k for k, h in enumerate(headers) if h in ("identifiant", "id", "acteur", "actor")), None)
        if column is None:  # no header: the first row is an identifier too
            column = 0
            ids.append(table.headers[0].strip())
        ids += [cells[column].strip() for _, cells in table.rows if len(cells) > column and cells[column].strip()]
    return ids


def cmd_plan(args: argparse.Namespace) -> int:
    from graph import schema
    from graph import workshop as planner
    from graph.mdgp import Infeasible
    from graph.territory import TerritoryCache

    try:
        weights = planner.Weights.parse(args.weight)
    except ValueError as error:
        print(error.args[0].render(), file=sys.stderr)
        return EXIT_INVALID
    sizes = [int(n) for n in args.sizes.split(",") if n.strip().isdigit()] if args.sizes else None
    targets = {}
    for item in args.target:
        word, _, count = item.partition("=")
        kind = schema.actor_kind(word.strip())
        if kind is None or not count.strip().isdigit():
            raise SystemExit(t("workshop.bad_option", option="--target", value=item, expected="TYPE=N"))
        targets[kind] = int(count)
    settings = planner.Workshop(
        sizes=sizes, targets=targets,
        themes=args.theme, tables=args.tables, size=args.size, rounds=args.rounds, title=args.title, date=args.date,
        place=args.place, facilitators=dict(_seat(f, "--facilitator") for f in args.facilitator),
        at_table=dict(_seat(a, "--at") for a in args.at), must_meet=[_pair(p, "--together") for p in args.together],
        apart=[_pair(p, "--apart") for p in args.apart], min_services=args.min_services, weights=weights)
    with args.open_store(args) as store:
        territory = TerritoryCache(store).current()
        missing = [theme for theme in args.theme if theme not in territory.nodes]
        if missing:
            print(t("workshop.unknown_theme", theme=missing[0]), file=sys.stderr)
            return EXIT_INVALID
        try:
            document = planner.workshop_document(territory, settings, participants=read_participants(
                Path(args.participants)) if args.participants else None, invite=args.invite, seed=args.seed)
        except Infeasible as infeasible:
            print(t("workshop.infeasible", reason=infeasible.reason.render()), file=sys.stderr)
            return EXIT_INVALID
    if args.out:
        from visualisations.brief import write_brief

        for path in write_brief(document, Path(args.out), territory=territory):
            print(t("workshop.written", path=path), file=sys.stderr)
    if args.json:
        print(json.dumps(document, ensure_ascii=False, indent=2))
        return 0
    comparison = document["comparison"]
    print(t("workshop.summary", invited=len(document["invited"]), rounds=len(document["rounds"]),
            new=comparison["plan"]["new_pairs"], random_new=comparison["random"]["new_pairs"],
            cross=comparison["plan"]["cross_service_pairs"], random_cross=comparison["random"]["cross_service_pairs"],
            services=comparison["plan"]["services_per_table"],
            random_services=comparison["random"]["services_per_table"]))
    for round_ in document["rounds"]:
        print(t("workshop.round", round=round_["round"]))
        for table in round_["tables"]:
            print(f"  {table['table']:>2} : " + ", ".join(m["name"] for m in table["people"]))
    return 0


def cmd_outcome(args: argparse.Namespace) -> int:
    from graph import workshop as planner
    from graph.territory import TerritoryCache
    from graph.values import parse_date

    for option, value in (("--before", args.before), ("--after", args.after)):
        try:
            parse_date(value or "")
        except ValueError:
            print(t("workshop.bad_option", option=option, value=value, expected=t("expect.iso_date")),
                  file=sys.stderr)
            return EXIT_INVALID
    with args.open_store(args) as store:
        territory = TerritoryCache(store).current()
        result = planner.outcome(territory, read_participants(Path(args.came)), args.before, args.after,
                                 args.workshop)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    index = result["ei_index"]
    print(t("workshop.outcome", people=result["people"], new=result["new_ties"],
            cross=result["new_cross_service_ties"], declared=result["declared_at_workshop"],
            before="—" if index["before"] is None else f"{index['before']:.2f}",
            after="—" if index["after"] is None else f"{index['after']:.2f}",
            reached=len(result["isolated_reached"])))
    return 0
