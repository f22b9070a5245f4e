"""docker-compose.yml, the Dockerfile, the README and .ci/run hold together (no Docker engine here: parse them)."""
from __future__ import annotations

import re

import yaml

from tests.conftest import ROOT


def test_compose_wires_the_app_to_a_healthy_neo4j():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    neo4j, app = compose["services"]["neo4j"], compose["services"]["app"]
    assert neo4j["image"] == "neo4j:5.26-community"
    volume, mount = neo4j["volumes"][0].split(":")
    assert volume in compose["volumes"] and mount == "/data"
    assert "cypher-shell" in " ".join(neo4j["healthcheck"]["test"])
    assert app["build"]["dockerfile"] == "Dockerfile" and (ROOT / app["build"]["dockerfile"]).exists()
    assert app["depends_on"]["neo4j"]["condition"] == "service_healthy"
    env = app["environment"]
    host, port = re.match(r"bolt://([^:]+):(\d+)$", env["NEO4J_URI"]).groups()
    assert host == "neo4j" and f"{port}:{port}" in neo4j["ports"]
    assert env["NEO4J_PASSWORD"] == neo4j["environment"]["NEO4J_AUTH"].split("/", 1)[1]
    assert {"NEO4J_USER", "NEO4J_DATABASE"} <= set(env)
    assert app["command"][:2] == ["maillage", "serve"]
    # Maillage's plugin, built from neo4j-plugin/ into the folder Neo4j loads its plugins from, before it starts
    plugin = compose["services"]["neo4j-plugin"]
    assert neo4j["depends_on"]["neo4j-plugin"]["condition"] == "service_completed_successfully"
    built, shared = plugin["volumes"][0].split(":"), plugin["volumes"][1].split(":")
    assert (ROOT / built[0]).resolve() == ROOT / "neo4j-plugin" and (ROOT / "neo4j-plugin" / "pom.xml").exists()
    assert shared[0] in compose["volumes"] and f"{shared[0]}:/plugins" in neo4j["volumes"]
    command = " ".join(plugin["command"])
    assert f"-f {built[1]}/pom.xml package" in command
    assert f"cp {built[1]}/target/maillage-neo4j-plugin.jar /plugins/" in command
    # built against the Neo4j the tests run and the image serves (a plugin of another release may not load)
    plugin_version = re.search(r"<neo4j.version>(.+?)</neo4j.version>",
                               (ROOT / "neo4j-plugin" / "pom.xml").read_text()).group(1)
    harness = (ROOT / "tests" / "neo4j_server" / "pom.xml").read_text()
    assert f"<version>{plugin_version}</version>" in harness
    assert plugin_version.startswith(neo4j["image"].split(":")[1].split("-")[0] + ".")


def test_dockerfile_installs_the_package_and_serves_with_waitress():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for folder in ("graph", "api", "importers", "visualisations", "examples"):
        assert f"COPY {folder} ./{folder}" in dockerfile
    assert 'CMD ["maillage", "serve"' in dockerfile


def test_readme_opens_with_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```(?:sh|bash)?\n(.*?)```", readme, re.S).group(1)
    commands = [line for line in first_block.splitlines() if line.strip() and not line.startswith("#")]
    assert commands == ["make demo", "make test"]
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line.strip() and not line.startswith("#") and not line.startswith("set ") and not line.startswith("cd ")]
    assert ci == ["exec make test"]


def test_the_audit_reads_every_pin_and_fails_on_an_advisory_of_a_pinned_release():
    """The audit's fallback (.ci/pypi_audit.py, run by `make audit` after pip-audit): every line of the lock is
    a pin it asks about; an advisory listed for the pinned release fails the build, a withdrawn one does not,
    and a pin behind the latest release is reported as not audited rather than passed as clean."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("pypi_audit", ROOT / ".ci" / "pypi_audit.py")
    assert spec is not None and spec.loader is not None
    audit = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(audit)

    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pinned = audit.pins(lock)
    assert len(pinned) == sum(1 for line in lock.splitlines() if "==" in line and not line.startswith("#"))
    assert ("Flask", re.search(r"^Flask==(\S+)", lock, re.M).group(1)) in pinned  # type: ignore[union-attr]

    advisory = {"id": "PYSEC-2099-1", "aliases": ["CVE-2099-1"], "fixed_in": ["9.9"], "withdrawn": None}
    withdrawn = {**advisory, "id": "PYSEC-2099-2", "withdrawn": "2099-01-02T00:00:00Z"}
    latest = {"info": {"version": "1.0"}, "vulnerabilities": [advisory, withdrawn]}
    assert audit.verdict("x", "1.0", latest) == ("audited", [advisory])
    assert audit.verdict("x", "0.9", latest) == ("behind", [])
    assert audit.verdict("x", "1.0", None) == ("unknown", [])
