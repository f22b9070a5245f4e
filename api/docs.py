"""The README's tables of questions, views and import formats, made from their declarations.

The README holds each table between ``<!-- generated: NAME -->`` and
``<!-- /generated: NAME -->``; a test checks that they are what the declarations say.
After adding a question, a view or a format: ``python -m api.docs --write``.
"""
from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from graph.questions import QUESTIONS
from graph.questions.declaration import Parameter

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"(<!-- generated: (?P<name>[a-z]+) -->\n)(?P<body>.*?)(<!-- /generated: (?P=name) -->)", re.S)


def _command_words(parameters: tuple[Parameter, ...]) -> str:
    words = []
    for p in parameters:
        if p.required:
            words.append(p.name.upper())
        elif p.path:
            words.append(f"[{p.name.upper()}]")
    return " ".join(words)


def _api_address(path: str, parameters: tuple[Parameter, ...]) -> str:
    query = [f"{p.public_name}=" for p in parameters if not p.path and p.name != "as_of"]
    return path.lstrip("/") + ("?" + "&".join(query) if query else "")


def questions_table() -> str:
    rows = ["| Question | API (`/api/v1/…`) | Commande |", "|---|---|---|"]
    for q in QUESTIONS.values():
        command = f"maillage query {q.name} {_command_words(q.parameters)}".rstrip()
        rows.append(f"| {q.title.fr} | `{_api_address(q.path, q.parameters)}` | `{command}` |")
    return "\n".join(rows) + "\n"


def views_table() -> str:
    from visualisations.views import FIGURES, VIEWS

    rows = ["| Vue | Adresse | Commande |", "|---|---|---|"]
    for view in VIEWS.values():
        command = f"maillage view {view.name} {_command_words(view.parameters)}".rstrip() + " --out FICHIER.html"
        rows.append(f"| {view.title.fr} | `/views{view.path}` | `{command}` |")
    for figure in FIGURES.values():
        rows.append(f"| {figure.title.fr} | `/views/figures/{figure.name}.svg` (ou `.png`) | "
                    f"`maillage view {figure.name} --out FICHIER.svg` |")
    return "\n".join(rows) + "\n"


def formats_list() -> str:
    from importers.formats import FORMATS

    rows = ["| `--format` | Fichiers | Ce qu'ils deviennent | Exemple |", "|---|---|---|---|"]
    for declared in FORMATS.values():
        rows.append(f"| `{declared.name}` | {declared.title.fr} | {declared.description.fr} | `{declared.example}` |")
    return "\n".join(rows) + "\n"


SECTIONS: dict[str, Callable[[], str]] = {"questions": questions_table, "views": views_table, "formats": formats_list}


def regenerated(text: str) -> str:
    """*text* (the README) with every generated block made anew from the declarations."""
    def replace(match: re.Match[str]) -> str:
        return match.group(1) + SECTIONS[match.group("name")]() + match.group(4)

    return BLOCK.sub(replace, text)


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    fresh = regenerated(text)
    if "--write" in argv:
        README.write_text(fresh, encoding="utf-8")
        return 0
    if fresh != text:
        print("README.md is not up to date: python -m api.docs --write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
