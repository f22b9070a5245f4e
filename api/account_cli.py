"""``maillage user …`` and ``maillage token …``: accounts and API tokens from the command line.

A town-hall intranet may have no mail server: ``user add`` prints the one-time
invitation link, to be passed on as the commune passes on a badge.
"""
from __future__ import annotations

import json
import os
import sys

from graph import accounts
from graph.i18n import current_language, t

EXIT_REFUSED = 2


def _base_url(args) -> str:
    return (args.url or os.environ.get("MAILLAGE_URL") or "http://127.0.0.1:5000").rstrip("/")


def _refused(error: accounts.AccountError) -> int:
    print(t(error.key, **error.values), file=sys.stderr)
    return EXIT_REFUSED


def cmd_user(args, open_store) -> int:
    with open_store(args) as store:
        try:
            if args.user == "add":
                token = accounts.add(store, args.login, args.role, args.agent)
                print(t("user.added", login=args.login, role=args.role, days=accounts.INVITATION_DAYS,
                        url=f"{_base_url(args)}/invitation/{token}"))
            elif args.user == "invite":
                token = accounts.invite(store, args.login)
                account = accounts.get(store, args.login)
                print(t("user.added", login=args.login, role=account.role if account else "",
                        days=accounts.INVITATION_DAYS, url=f"{_base_url(args)}/invitation/{token}"))
            elif args.user == "list":
                found = [a.public() for a in accounts.all_accounts(store)]
                if args.json:
                    print(json.dumps(found, ensure_ascii=False, indent=2))
                for a in [] if args.json else found:
                    state = "désactivé" if a["disabled"] else ("actif" if a["has_password"] else "invité")
                    print(f"{a['login']:<24} {a['role']:<15} {a['agent'] or '':<20} {state}")
            elif args.user == "role":
                accounts.set_role(store, args.login, args.role)
                print(t("user.role_set", login=args.login, role=args.role))
            elif args.user == "disable":
                accounts.disable(store, args.login)
                print(t("user.disabled", login=args.login))
        except accounts.AccountError as error:
            return _refused(error)
    return 0


def cmd_token(args, open_store) -> int:
    with open_store(args) as store:
        try:
            if args.token == "create":
                token, token_id = accounts.create_token(store, args.login, args.name or "")
                print(t("user.token", login=args.login, id=token_id, token=token))
            elif args.token == "revoke":
                if not accounts.revoke_token(store, args.id):
                    print(t("user.no_token", id=args.id), file=sys.stderr)
                    return EXIT_REFUSED
                print(t("user.revoked", id=args.id))
            elif args.token == "list":
                for value in accounts.tokens(store, args.login):
                    state = "révoqué" if value["revoked"] else "actif"
                    print(f"{value['id']}  {value['login']:<24} {value['created_at']}  {state}  {value['name']}")
        except accounts.AccountError as error:
            return _refused(error)
    return 0


def add_parser(sub, with_store, open_store) -> None:
    """The ``user`` and ``token`` commands; *open_store* opens the store the options name."""
    fr = current_language() == "fr"
    roles = ", ".join(accounts.ROLES)
    user = sub.add_parser("user", help="comptes : ajouter, lister, changer de rôle, désactiver" if fr
                          else "accounts: add, list, change role, disable")
    kinds = user.add_subparsers(dest="user", required=True)
    p = with_store(kinds.add_parser("add", help="crée un compte et affiche son lien d'invitation" if fr
                                    else "create an account and print its invitation link"))
    p.add_argument("login")
    p.add_argument("--role", required=True, choices=accounts.ROLES, help=roles)
    p.add_argument("--agent", metavar="ID", help="acteur que le compte représente" if fr
                   else "the actor the account speaks for")
    p.add_argument("--url", help="adresse du site (défaut : $MAILLAGE_URL ou http://127.0.0.1:5000)" if fr
                   else "the site's address (default: $MAILLAGE_URL or http://127.0.0.1:5000)")
    p = with_store(kinds.add_parser("invite", help="nouveau lien d'invitation (mot de passe oublié)" if fr
                                    else "a new invitation link (forgotten password)"))
    p.add_argument("login")
    p.add_argument("--url")
    p = with_store(kinds.add_parser("list", help="liste les comptes" if fr else "list the accounts"))
    p.add_argument("--json", action="store_true")
    p = with_store(kinds.add_parser("role", help="change le rôle d'un compte" if fr else "change an account's role"))
    p.add_argument("login")
    p.add_argument("role", choices=accounts.ROLES)
    p = with_store(kinds.add_parser("disable", help="désactive un compte" if fr else "disable an account"))
    p.add_argument("login")
    user.set_defaults(func=lambda args: cmd_user(args, open_store))

    token = sub.add_parser("token", help="jetons d'API (Authorization: Bearer)" if fr
                           else "API tokens (Authorization: Bearer)")
    kinds = token.add_subparsers(dest="token", required=True)
    p = with_store(kinds.add_parser("create", help="crée un jeton pour un compte (affiché une fois)" if fr
                                    else "create a token for an account (shown once)"))
    p.add_argument("login")
    p.add_argument("--name", help="à quoi il sert" if fr else "what it is for")
    p = with_store(kinds.add_parser("revoke", help="révoque un jeton" if fr else "revoke a token"))
    p.add_argument("id")
    p = with_store(kinds.add_parser("list", help="liste les jetons" if fr else "list the tokens"))
    p.add_argument("--login")
    token.set_defaults(func=lambda args: cmd_token(args, open_store))
