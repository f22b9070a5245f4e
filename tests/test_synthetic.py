"""Synthetic territories: deterministic, at the stated scales, and the example is one of them."""
from __future__ import annotations

import filecmp

from graph.synthetic import HEADERS, generate
from importers.pipeline import read_files
from tests.conftest import EXAMPLE
from tests.helpers import maillage


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    generate("commune", 7, tmp_path / "a")
    generate("commune", 7, tmp_path / "b")
    generate("commune", 8, tmp_path / "c")
    names = [f"{n}.csv" for n in HEADERS]
    assert filecmp.cmpfiles(tmp_path / "a", tmp_path / "b", names, shallow=False)[0] == names
    assert filecmp.cmpfiles(tmp_path / "a", tmp_path / "c", names, shallow=False)[1]


def test_the_committed_example_is_the_generator_output(tmp_path):
    generate("exemple", 2025, tmp_path)
    names = [f"{n}.csv" for n in HEADERS]
    assert filecmp.cmpfiles(EXAMPLE, tmp_path, names, shallow=False)[0] == names


def test_scales_have_the_announced_sizes_and_import_cleanly(tmp_path):
    commune = generate("commune", 1, tmp_path / "commune")
    assert 400 <= commune["nodes"] <= 600
    interco = generate("interco", 1, tmp_path / "interco")
    assert 9000 <= interco["nodes"] <= 11000 and 45000 <= interco["relationships"] <= 60000
    result = read_files([tmp_path / "interco"])
    assert not result.report.errors
    assert len(result.batch.nodes) == interco["nodes"]
    assert len(result.batch.relationships) == interco["relationships"]


def test_metropole_scale_runs_from_the_command_line(tmp_path):
    result = maillage("generate", "--scale", "metropole", "--seed", "1", "--out", str(tmp_path / "m"))
    assert result.returncode == 0, result.stderr
    nodes, relationships = map(int, __import__("re").findall(r": (\d+) nœuds, (\d+) relations", result.stdout)[0])
    assert 95000 <= nodes <= 105000 and 900000 <= relationships <= 1100000


def test_people_are_marked_personal_and_templates_hold_no_contact_fields():
    from graph import schema
    from importers.formats.templates import TEMPLATES

    assert set(schema.PERSONAL_LABELS) == {"Agent", "Elected"}
    spellings = {s for template in TEMPLATES.values() for _, names in template.columns.values() for s in names}
    for contact in ("email", "courriel", "mail", "telephone", "tel", "phone", "adresse"):
        assert contact not in spellings
    for header in HEADERS.values():
        assert not {"email", "courriel", "telephone"} & set(header)
