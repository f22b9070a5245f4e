"""``maillage person export ID`` and ``maillage person erase ID``: a person's rights from the command line."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from graph import privacy
from graph.errors import NotFound
from graph.i18n import Message, current_language, t


def cmd_person(args, open_store) -> int:
    with open_store(args) as store:
        try:
            if args.person == "export":
                record = privacy.access(store, args.id)
                text = json.dumps(record, ensure_ascii=False, indent=2)
                if args.out:
                    Path(args.out).write_text(text, encoding="utf-8")
                    print(t("person.written", id=args.id, path=args.out))
                else:
                    print(text)
            elif args.person == "erase":
                node = store.get_node(args.id)
                if node is None:
                    raise NotFound(Message("what.actor"), args.id)
                if not args.yes:
                    print(t("person.confirm", name=node.name, id=args.id), file=sys.stderr)
                    return 2
                print(t("person.erased", **privacy.erase(store, args.id, args.by)))
                forget_kept_snapshots(args)
        except NotFound as missing:
            print(missing.message(), file=sys.stderr)
            return 2
    return 0


def forget_kept_snapshots(args) -> None:
    """Delete the snapshots a server keeps on disk (:mod:`graph.snapshot_file`): they hold the erased person."""
    from graph import snapshot_file
    from graph.config import StoreConfig

    folder = StoreConfig.for_command(args).snapshot_dir
    if folder is not None:
        snapshot_file.forget(folder)


def cmd_retention(args, open_store) -> int:
    from graph import retention

    with open_store(args) as store:
        done = retention.review(store, args.years, apply=args.apply)
    print(t("retention.done" if args.apply else "retention.dry", years=done["years"], flagged=len(done["flagged"]),
            ended=len(done["ended"]), unflagged=len(done["unflagged"])))
    return 0


def cmd_register(args, open_store) -> int:
    from graph import register, schema
    from graph.config import AccessConfig

    access = AccessConfig.from_env()
    with open_store(args) as store:
        counts = store.node_counts()
        settings = register.Settings(
            store.describe(), access.anonymous_read, access.persons_visible_to, access.retention_years,
            counts[schema.AGENT.label], counts[schema.ELECTED.label],
            counts[schema.ASSOCIATION.label] + counts[schema.PARTNER.label])
    text = register.processing_record(settings)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(t("person.written", id="registre", path=args.out))
    else:
        print(text)
    return 0


def add_parser(sub, with_store, open_store) -> None:
    fr = current_language() == "fr"
    person = sub.add_parser("person", help="droits d'une personne (RGPD) : accès, effacement" if fr
                            else "a person's rights (GDPR): access, erasure")
    kinds = person.add_subparsers(dest="person", required=True)
    p = with_store(kinds.add_parser("export", help="tout ce que Maillage détient sur une personne (JSON)" if fr
                                    else "everything Maillage holds about a person (JSON)"))
    p.add_argument("id")
    p.add_argument("--out", help="fichier JSON (sinon la sortie standard)" if fr else "JSON file (else stdout)")
    p = with_store(kinds.add_parser("erase", help="efface une personne, ses liens et son historique" if fr
                                    else "erase a person, their ties and history"))
    p.add_argument("id")
    p.add_argument("--yes", action="store_true", help="confirme l'effacement" if fr else "confirm the erasure")
    p.add_argument("--by", default="cli", help="qui efface (consigné)" if fr else "who erases (recorded)")
    person.set_defaults(func=lambda args: cmd_person(args, open_store))
    p = with_store(sub.add_parser("retention", help="liens non renouvelés : signalés puis terminés" if fr
                                  else "ties not renewed: flagged, then ended"))
    p.add_argument("--years", type=int, help="durée sans renouvellement (défaut : $MAILLAGE_RETENTION_YEARS ou 3)"
                   if fr else "time without renewal (default: $MAILLAGE_RETENTION_YEARS or 3)")
    p.add_argument("--apply", action="store_true", help="applique (sinon, affiche seulement)" if fr
                   else "apply (otherwise only show)")
    p.set_defaults(func=lambda args: cmd_retention(args, open_store))
    p = with_store(sub.add_parser("registre", help="registre des traitements (RGPD, art. 30) à compléter" if fr
                                  else "record of processing activities (GDPR art. 30) to complete"))
    p.add_argument("--out", help="fichier Markdown" if fr else "Markdown file")
    p.set_defaults(func=lambda args: cmd_register(args, open_store))
