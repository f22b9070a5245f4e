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
        except NotFound as missing:
            print(missing.message(), file=sys.stderr)
            return 2
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
