"""``maillage query NAME …``: the cooperation queries in a terminal, as tables (French or English) or JSON."""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Callable

from graph import i18n, queries
from graph.errors import InvalidParameter, NotFound


@dataclass(frozen=True)
class CliQuery:
    """A cooperation query in the terminal: its help, and its arguments named after the query's parameters.

    ``"actor"`` is a positional argument, ``"theme?"`` an optional one, ``"--as-of"`` an
    option (parameter ``as_of``). Defaults are the query's own: what is not given is None.
    """

    call: Callable
    help_fr: str
    help_en: str
    arguments: tuple[str, ...]

    def parameters(self) -> list[str]:
        return [argument.lstrip("-").rstrip("?").replace("-", "_") for argument in self.arguments]


QUERIES = {
    "works-with": CliQuery(queries.works_with, "avec qui travaille un acteur", "who an actor works with",
                           ("actor", "--theme", "--kind", "--as-of")),
    "ego": CliQuery(queries.ego, "voisinage d'un acteur", "an actor's neighbourhood", ("actor", "--depth", "--as-of")),
    "services": CliQuery(queries.cross_service, "coopération entre services, indice E-I",
                         "cross-service cooperation, E-I index", ("--level", "--as-of")),
    "isolated": CliQuery(queries.isolated, "acteurs isolés ou périphériques", "isolated and peripheral actors",
                         ("--as-of",)),
    "single-points": CliQuery(queries.single_points, "points de fragilité", "single points of failure", ("--as-of",)),
    "brokers": CliQuery(queries.brokers, "passeurs", "brokers", ("--limit", "--as-of")),
    "communities": CliQuery(queries.communities, "communautés de coopération", "cooperation communities",
                            ("--seed", "--as-of")),
    "path": CliQuery(queries.path, "chaîne de coopération entre deux acteurs", "cooperation chain between two actors",
                     ("source", "target", "--alternatives", "--as-of")),
    "coverage": CliQuery(queries.theme_coverage, "couverture des thèmes", "theme coverage", ("theme?", "--as-of")),
    "changes": CliQuery(queries.changes, "changements entre deux dates", "changes between two dates",
                        ("start", "end")),
}
CHOICES = {"--level": ["service", "pole"]}


def w(key: str, **values) -> str:
    """A word of the query tables (``table.*`` in :mod:`graph.i18n`)."""
    return i18n.t(f"table.{key}", **values)


def table(headers: list[str], rows: list[list]) -> str:
    if not rows:
        return w("none")
    cells = [[("" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    line = lambda values: "  ".join(v.ljust(widths[i]) for i, v in enumerate(values)).rstrip()  # noqa: E731
    return "\n".join([line(headers), line(["-" * x for x in widths])] + [line(r) for r in cells])


def evidence_text(evidence: list[dict]) -> str:
    parts = []
    for e in evidence:
        if e["kind"] == "project":
            parts.append(e.get("project_name", e.get("project")))
        elif e["kind"] == "declared":
            parts.append("/".join(x for x in (e.get("nature"), e.get("frequency")) if x) or "déclaré")
        else:
            parts.append(f"{e.get('amount') or ''} €".strip())
    return "; ".join(str(p) for p in parts)


def kind(item: dict) -> str:
    from graph import schema

    node_kind = schema.NODE_KINDS.get(item["kind"])
    if node_kind is None:
        return item["kind"]
    return node_kind.french_name if i18n.current_language() == "fr" else node_kind.english_type


def name(item: dict) -> str:
    return f"{item['name']} ({item['id']})"


def render(query: str, result: dict) -> str:
    if query == "works-with":
        return table([w("actor"), w("kind"), w("service"), w("weight"), w("evidence")],
                     [[name(c), kind(c), c.get("service_name", ""), c["weight"], evidence_text(c["evidence"])]
                      for c in result["collaborators"]])
    if query == "ego":
        return table([w("actor"), w("kind"), w("distance")],
                     [[name(n), kind(n), n["distance"]] for n in result["nodes"]])
    if query == "services":
        header = f"{w('ei')} ({w('org')}) : {result['ei_index']:.3f}\n\n" if result["ei_index"] is not None else ""
        return header + table([w("group"), w("agents"), w("internal"), w("external"), w("ei")],
                              [[name(g), g["agents"], g["internal"], g["external"], g["index"]]
                               for g in result["groups"]])
    if query == "isolated":
        return table([w("actor"), w("kind"), w("reasons")],
                     [[name(a), kind(a), ", ".join(w("reason." + r) for r in a["reasons"])] for a in result["actors"]])
    if query == "single-points":
        return "\n\n".join([
            w("through_one") + "\n" + table([w("actor"), w("through")],
                                            [[name(o), name(o["through"])] for o in result["organisations_through_one_agent"]]),
            w("articulation") + "\n" + table([w("actor"), w("kind")],
                                             [[name(a), kind(a)] for a in result["articulation_points"]]),
            w("bridges") + "\n" + table([w("actor"), w("actor")],
                                        [[name(b["source"]), name(b["target"])] for b in result["bridges"]])])
    if query == "brokers":
        method = w("exact") if result["sample_size"] is None else w("sample", n=result["sample_size"])
        return f"{w('betweenness')} : {method}\n\n" + table(
            [w("actor"), w("kind"), w("betweenness"), w("constraint"), w("effective"), w("roles")],
            [[name(b), kind(b), b["betweenness"], b["constraint"], b["effective_size"],
              "/".join(str(b["brokerage"][r]) for r in result["roles"])] for b in result["brokers"]])
    if query == "communities":
        return table([w("community"), w("size"), w("services"), w("cuts")],
                     [[c["community"], c["size"], ", ".join(s["name"] for s in c["services"][:4]),
                       w("yes") if c["cuts_across_services"] else w("no")] for c in result["communities"]])
    if query == "path":
        if not result["found"]:
            return w("no_path")
        blocks = []
        for number, p in enumerate(result["paths"], start=1):
            names = {a["id"]: a["name"] for a in p["actors"]}
            blocks.append(f"{w('path')} {number} : " + " → ".join(a["name"] for a in p["actors"]) + "\n" + table(
                [w("step"), w("weight"), w("evidence")],
                [[f"{names[s['from']]} → {names[s['to']]}", s["weight"], evidence_text(s["evidence"])]
                 for s in p["steps"]]))
        return "\n\n".join(blocks)
    if query == "coverage":
        themes = result["themes"] if "themes" in result else [result]
        return table([w("theme"), w("projects"), w("actor"), w("services"), w("alerts")],
                     [[c["theme"]["name"], len(c["projects"]), len(c["actors"]), len(c["services"]),
                       ", ".join(w(f) for f in ("single_service", "single_person") if c[f])] for c in themes])
    if query == "changes":
        blocks = []
        for key in ("new_ties", "ended_ties"):
            blocks.append(w(key) + "\n" + table([w("actor"), w("actor"), w("weight")],
                                                [[name(x["source"]), name(x["target"]), x["weight"]] for x in result[key]]))
        for key in ("became_isolated", "no_longer_isolated"):
            blocks.append(w(key) + "\n" + table([w("actor"), w("kind")], [[name(a), kind(a)] for a in result[key]]))
        return "\n\n".join(blocks)
    raise ValueError(query)


def add_parser(sub, with_store) -> None:
    fr = i18n.current_language() == "fr"
    parser = with_store(sub.add_parser("query", help="interroge le réseau de coopération" if fr
                                       else "query the cooperation network"))
    queries_parser = parser.add_subparsers(dest="query", required=True)

    for name_, query in QUERIES.items():
        p = queries_parser.add_parser(name_, help=query.help_fr if fr else query.help_en)
        p.add_argument("--json", action="store_true", help="réponse JSON" if fr else "JSON answer")
        for argument in query.arguments:
            if argument.endswith("?"):
                p.add_argument(argument[:-1], nargs="?")
            else:
                p.add_argument(argument, choices=CHOICES.get(argument))


def guarded(call) -> tuple[int, object]:
    """Run *call*; an unknown identifier or a bad parameter becomes a one-line message and exit code 2."""
    try:
        return 0, call()
    except NotFound as missing:
        print(i18n.t("error.not_found", what=missing.what, id=missing.identifier), file=sys.stderr)
    except InvalidParameter as bad:
        print(i18n.t("error.invalid", name=bad.name, value=bad.value, expected=bad.expected), file=sys.stderr)
    return 2, None


def run(args, territory) -> int:
    name_, query = args.query, QUERIES[args.query]
    values = {parameter: getattr(args, parameter) for parameter in query.parameters()}
    code, result = guarded(lambda: query.call(territory, **values))
    if code:
        return code
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(render(name_, result))
    return 0
