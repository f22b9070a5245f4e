"""The ``maillage`` command line, in French and in English, on both stores."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import EXAMPLE, ROOT
from tests.helpers import cli_env, maillage


def test_status_is_in_french_by_default_and_stable_between_calls(tmp_path):
    data = str(tmp_path / "data")
    assert maillage("import", "--data", data, str(EXAMPLE)).returncode == 0
    first = maillage("status", "--data", data)
    second = maillage("status", "--data", data)
    assert first.returncode == 0 and first.stdout == second.stdout
    assert "Base utilisée : base embarquée" in first.stdout
    assert "agent                110" in first.stdout


def test_english_with_lang_option_or_environment(tmp_path):
    data = str(tmp_path / "data")
    assert "Store in use: embedded store" in maillage("--lang", "en", "status", "--data", data).stdout
    assert "Store in use" in maillage("status", "--data", data, env=cli_env(LANG="en_GB.UTF-8")).stdout


def test_status_json_against_neo4j_configured_from_the_environment(neo4j_store, neo4j_uri):
    env = cli_env(NEO4J_URI=neo4j_uri, NEO4J_USER="neo4j", NEO4J_PASSWORD="test")
    assert maillage("import", str(EXAMPLE), env=env).returncode == 0
    status = json.loads(maillage("status", "--json", env=env).stdout)
    assert status["store"] == "neo4j" and status["nodes"]["Agent"] == 110


def test_import_summary_then_nothing_changes_on_reimport(tmp_path):
    data = str(tmp_path / "data")
    first = maillage("import", "--data", data, str(EXAMPLE))
    assert "Nœuds : 253 créés" in first.stdout
    again = maillage("import", "--data", data, str(EXAMPLE))
    assert "0 créés, 0 mis à jour, 253 inchangés" in again.stdout


def test_rejected_import_exits_non_zero_and_names_the_problem(tmp_path):
    bad = tmp_path / "participations.csv"
    bad.write_text("acteur;projet\nag-00001;nulle-part\n", encoding="utf-8")
    result = maillage("import", "--data", str(tmp_path / "data"), str(EXAMPLE / "acteurs.csv"), str(bad))
    assert result.returncode == 1
    assert "participations.csv, ligne 2, champ « projet » : valeur « nulle-part »" in result.stderr
    assert "Rien n'a été écrit" in result.stderr
    english = maillage("--lang", "en", "import", "--data", str(tmp_path / "data"), str(bad))
    assert "participations.csv, line 2, field 'projet': value 'nulle-part'" in english.stderr
    status = maillage("status", "--json", "--data", str(tmp_path / "data"))
    assert sum(json.loads(status.stdout)["nodes"].values()) == 0


def test_dry_run_validates_without_writing(tmp_path):
    data = str(tmp_path / "data")
    result = maillage("import", "--dry-run", "--data", data, str(EXAMPLE))
    assert result.returncode == 0 and "253 nœuds" in result.stdout
    assert sum(json.loads(maillage("status", "--json", "--data", data).stdout)["nodes"].values()) == 0


def test_import_help_documents_the_templates():
    result = maillage("import", "--help")
    assert "acteurs, projets, participations, cooperations, financements" in result.stdout
    assert "SCDL" in result.stdout and "RNA" in result.stdout and "--commune" in result.stdout


def test_unreachable_neo4j_is_a_clear_message_not_a_trace(tmp_path):
    result = maillage("status", env=cli_env(NEO4J_URI="bolt://127.0.0.1:1", NEO4J_PASSWORD="x"))
    assert result.returncode == 3
    assert result.stderr.startswith("Base injoignable")
    assert "Traceback" not in result.stderr


def test_query_commands_print_french_tables_and_json(tmp_path):
    data = str(tmp_path / "data")
    assert maillage("import", "--data", data, str(EXAMPLE)).returncode == 0
    table = maillage("query", "--data", data, "works-with", "ag-00001")
    assert table.returncode == 0 and "poids" in table.stdout and "preuves" in table.stdout
    assert "partenaire" in table.stdout or "agent" in table.stdout
    as_json = json.loads(maillage("query", "--data", data, "works-with", "ag-00001", "--json").stdout)
    from api.app import create_app
    from graph.stores.embedded import EmbeddedStore

    with EmbeddedStore(data) as store:
        api_answer = create_app(store).test_client().get("/api/v1/actors/ag-00001/works-with").json
    assert as_json == api_answer  # one definition serves the terminal and the API
    for args in (["services", "--level", "pole"], ["isolated"], ["single-points"], ["brokers", "--limit", "3"],
                 ["communities"], ["path", "ag-00001", "asso-00003"], ["coverage"], ["ego", "ag-00001"],
                 ["changes", "2020-01-01", "2024-01-01"]):
        result = maillage("query", "--data", data, *args)
        assert result.returncode == 0 and result.stdout.strip(), (args, result.stderr)
    english = maillage("--lang", "en", "query", "--data", data, "isolated")
    assert "reasons" in english.stdout and "no ties" in english.stdout
    missing = maillage("query", "--data", data, "works-with", "personne")
    assert missing.returncode == 2 and "Introuvable : acteur « personne »" in missing.stderr
    bad = maillage("query", "--data", data, "ego", "ag-00001", "--depth", "9")
    assert bad.returncode == 2 and "depth" in bad.stderr and "entier entre 1 et 3" in bad.stderr


def test_serve_switches_between_its_threads_every_millisecond_unless_told_otherwise(tmp_path):
    """A request whose Neo4j read was answered takes the interpreter back within 1 ms while another thread
    computes, not Python's 5 (benchmarks/switch_interval.py); ``MAILLAGE_SWITCH_INTERVAL`` sets another. The
    server's own loop is replaced by one that says the interval it was given."""
    script = ("import sys, waitress\nfrom api import cli, state\nfrom graph.stores.embedded import EmbeddedStore\n"
              "waitress.serve = lambda *args, **kwargs: print('interval', sys.getswitchinterval())\n"
              "state.warm_in_background = lambda app: None\n"
              "cli._serve(EmbeddedStore(sys.argv[1]), '127.0.0.1', 0, 'ready')\n")

    def interval(**extra: str) -> float:
        done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "data")], capture_output=True,
                              text=True, env=cli_env(**extra), cwd=ROOT, timeout=120)
        assert done.returncode == 0, done.stderr
        return float(done.stdout.split("interval", 1)[1])

    assert interval() == 0.001
    assert interval(MAILLAGE_SWITCH_INTERVAL="0.005") == 0.005
    refused = maillage("serve", "--data", str(tmp_path / "data"), env=cli_env(MAILLAGE_SWITCH_INTERVAL="1ms"))
    assert refused.returncode == 2
    assert refused.stderr.strip() == ("maillage : MAILLAGE_SWITCH_INTERVAL vaut « 1ms » ; attendu : un nombre de "
                                      "secondes entre 0,0001 et 1 (par exemple 0.001).")
