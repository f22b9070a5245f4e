"""``maillage query NAME …`` and ``maillage view NAME …``: the declared questions and views in a terminal.

Every subcommand, its arguments and their help come from the declarations
(:data:`graph.questions.QUESTIONS`, :data:`visualisations.views.VIEWS`): a required
parameter is a positional argument, an optional path parameter an optional positional
one, any other an option (``as_of`` -> ``--as-of``).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from graph import i18n
from graph.errors import InvalidParameter, NotFound
from graph.questions import QUESTIONS
from graph.questions.declaration import Choice, Parameter
from graph.territory import Territory


def add_arguments(parser: argparse.ArgumentParser, parameters: tuple[Parameter, ...]) -> None:
    for p in parameters:
        help_ = p.help.render()
        if p.required:
            parser.add_argument(p.name, help=help_)
        elif p.path:
            parser.add_argument(p.name, nargs="?", help=help_)
        else:
            choices = list(p.type.choices) if isinstance(p.type, Choice) else None
            parser.add_argument("--" + p.public_name.replace("_", "-"), dest=p.name, choices=choices, help=help_)


def add_parser(sub: Any, with_store: Callable) -> None:
    fr = i18n.is_french()
    parser = with_store(sub.add_parser("query", help="interroge le réseau de coopération" if fr
                                       else "query the cooperation network"))
    questions = parser.add_subparsers(dest="query", required=True)
    for question in QUESTIONS.values():
        p = questions.add_parser(question.name, help=question.title.render(), description=question.summary.render())
        p.add_argument("--json", action="store_true", help="réponse JSON (celle de l'API)" if fr
                       else "JSON answer (the API's)")
        add_arguments(p, question.parameters)


def guarded(call: Callable[[], Any]) -> tuple[int, Any]:
    """Run *call*; an unknown identifier or a bad parameter becomes a one-line message and exit code 2."""
    try:
        return 0, call()
    except NotFound as missing:
        print(missing.message(), file=sys.stderr)
    except InvalidParameter as bad:
        print(bad.message(), file=sys.stderr)
    return 2, None


def run(args: argparse.Namespace, territory: Territory) -> int:
    question = QUESTIONS[args.query]
    raw = {p.name: getattr(args, p.name) for p in question.parameters}
    code, result = guarded(lambda: question.ask(territory, **raw))
    if code:
        return code
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(question.table(result))
    return 0
