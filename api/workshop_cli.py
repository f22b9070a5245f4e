"""``maillage workshop``: seat a benchmark instance (``mdgp``), or plan a partnership workshop (``plan``)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from graph.i18n import is_french, t

EXIT_INVALID = 2


def add_parser(sub, with_store) -> None:
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
