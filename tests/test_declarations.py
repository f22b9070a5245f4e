"""One declaration per question, view and format: everything else (routes, OpenAPI, commands, README) follows it;
one set of rules checks a record wherever it comes from."""
from __future__ import annotations

import re

import pytest

from api.app import create_app
from api.docs import README, regenerated
from graph import rules
from graph.i18n import use_language
from graph.issues import FileCell, FormField, JsonPointer, Report
from graph.messages import MESSAGES
from graph.model import Provenance
from graph.questions import QUESTIONS
from importers.formats import FORMATS, best_format
from importers.tabular import Table
from tests.helpers import maillage
from visualisations.views import FIGURES, VIEWS


def test_the_readme_tables_are_those_of_the_declarations():
    text = README.read_text(encoding="utf-8")
    assert regenerated(text) == text, "README.md is stale: python -m api.docs --write"
    for name in QUESTIONS:
        assert f"`maillage query {name}" in text
    for name in [*VIEWS, *FIGURES]:
        assert f"`maillage view {name}" in text
    for name in FORMATS:
        assert f"| `{name}` |" in text


def test_every_question_has_a_route_an_openapi_entry_and_a_command(embedded_store):
    spec = create_app(embedded_store).test_client().get("/api/v1/openapi.json?lang=en").json
    help_text = maillage("query", "--help").stdout
    for question in QUESTIONS.values():
        in_path = set(re.findall(r"\{([a-z_]+)\}", question.path))
        assert in_path == {p.public_name for p in question.parameters if p.path}, question.name
        entry = spec["paths"]["/api/v1" + question.path]["get"]
        assert entry["summary"] == question.summary.en
        assert [p["name"] for p in entry["parameters"]] == [p.public_name for p in question.parameters]
        assert all(p["description"] for p in entry["parameters"])
        assert question.name in help_text
        assert question.function.__doc__, f"{question.name}: a question says what it computes"


def test_every_message_is_written_in_both_languages():
    for key, texts in MESSAGES.items():
        assert set(texts) == {"fr", "en"} and all(texts.values()), key


def test_a_rule_says_the_same_thing_about_a_file_a_form_and_a_json_body():
    record = {"actor_a": "ag-1", "actor_b": "ag-1", "since": "demain"}
    found = []
    for locate in (lambda f: FileCell("cooperations.csv", 7, f), FormField, JsonPointer.to):
        report = Report()
        rules.cooperation(rules.Checker(record, locate, report), Provenance("test"))
        found.append(report.issues)
    file_issues, form_issues, json_issues = found
    assert [i.expectation for i in file_issues] == [i.expectation for i in form_issues] == \
        [i.expectation for i in json_issues]
    assert [(i.field, i.value) for i in json_issues] == [("since", "demain"), ("actor_b", "ag-1")]
    assert json_issues[0].where == JsonPointer("/since")
    with use_language("fr"):
        assert file_issues[0].message() == ("cooperations.csv, ligne 7, champ « since » : valeur « demain » — "
                                            "une date (AAAA-MM-JJ, JJ/MM/AAAA ou AAAA)")
        assert form_issues[1].message().startswith("champ « actor_b » du formulaire : valeur « ag-1 » — ")
    with use_language("en"):
        assert json_issues[1].message() == "JSON member /actor_b: value 'ag-1' — two different actors"


def test_references_are_resolved_by_whoever_knows_the_nodes():
    report = Report()
    facts = rules.participation(rules.Checker({"actor": "ag-1", "project": "ag-2"}, JsonPointer.to, report),
                                Provenance("api"))
    rules.resolve_references(facts.references, lambda ids: {"ag-1": "Agent", "ag-2": "Agent"} , report)
    [issue] = report.issues
    assert issue.where == JsonPointer("/project") and issue.value == "ag-2"
    with use_language("en"):
        assert issue.expected == "an identifier of project (this one is of kind agent)"
    with use_language("fr"):
        assert issue.expected == "un identifiant de projet, or c'est un(e) agent"


def test_each_format_scores_headers_and_an_unknown_table_is_explained():
    grants = Table("g.csv", "g", ["nomAttribuant", "idAttribuant", "nomBeneficiaire", "montant", "objet"])
    assert best_format(grants)[0] is FORMATS["scdl"]
    actors = Table("people.csv", "people", ["identifiant", "type", "nom", "service"])
    assert best_format(actors)[0] is FORMATS["modeles"]
    half = Table("x.csv", "x", ["nomAttribuant", "montant", "commentaire"])
    chosen, closest, recognition = best_format(half)
    assert chosen is None and closest is FORMATS["scdl"]
    assert recognition.missing == ("nomBeneficiaire / idBeneficiaire",) and 0 < recognition.score < 1


def test_an_unknown_file_names_its_closest_format(tmp_path):
    path = tmp_path / "liste.csv"
    path.write_text("nomAttribuant;montant;commentaire\nVille;100;x\n", encoding="utf-8")
    from importers.pipeline import read_files

    [issue] = read_files([path]).report.errors
    with use_language("fr"):
        assert "subventions au format SCDL" in issue.expected and "nomBeneficiaire" in issue.expected


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_every_view_has_a_route_and_a_command(name):
    view = VIEWS[name]
    assert set(re.findall(r"\{([a-z_]+)\}", view.path)) == {p.public_name for p in view.parameters if p.path}
    assert "--out" in maillage("view", name, "--help").stdout


def _imports_of(path) -> set[str]:
    """The project modules *path* imports, at any level, leaving out ``if TYPE_CHECKING:`` blocks."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def test_no_import_cycle_between_modules():
    from tests.conftest import ROOT

    modules = {}
    for package in ("graph", "api", "importers", "visualisations"):
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            modules[name] = path
    edges = {name: {m for m in _imports_of(path) if m in modules and m != name} for name, path in modules.items()}
    # A package's own modules may use what its __init__ defines (the registries discover them by name).
    edges = {name: {m for m in targets if not name.startswith(m + ".")} for name, targets in edges.items()}
    state: dict[str, int] = {}

    def cycle_from(name: str, trail: list[str]) -> list[str] | None:
        state[name] = 1
        for target in sorted(edges[name]):
            if state.get(target) == 1:
                return [*trail, name, target]
            if target not in state and (found := cycle_from(target, [*trail, name])):
                return found
        state[name] = 2
        return None

    for name in sorted(modules):
        if name not in state:
            assert cycle_from(name, []) is None, cycle_from(name, [])
