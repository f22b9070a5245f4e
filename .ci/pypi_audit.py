"""The locked dependencies against PyPI's advisories, through the one PyPI address this network serves.

pip-audit asks PyPI about each pinned version (``/pypi/NAME/VERSION/json``) or OSV; where neither answers (this
build network: the first is refused, the second unreachable), pip-audit skips every package and fails nothing.
PyPI's project document (``/pypi/NAME/json``) does answer, and lists the advisories (OSV records) that affect
the project's latest release: for every pin at the latest release, that is an audit of the pin. A pin behind
the latest release is listed as not audited here, with the release it is behind.

Exit status: 1 when an advisory affects a pinned version, else 0 (a project PyPI cannot be asked about is
listed, as pip-audit lists what it skips).

    python .ci/pypi_audit.py [requirements.lock]
"""
from __future__ import annotations

import json
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PROJECT_URL = "https://pypi.org/pypi/{name}/json"


def pins(lock: str) -> list[tuple[str, str]]:
    """The ``name==version`` lines of a lock file, as (name, version)."""
    found = []
    for line in lock.splitlines():
        line = line.split("#", 1)[0].split(";", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            found.append((name.strip(), version.strip()))
    return found


def verdict(name: str, version: str, project: dict | None) -> tuple[str, list[dict]]:
    """What PyPI's project document *project* says of *name* pinned at *version*: ``("audited", advisories)``,
    ``("behind", [])`` when the pin is not the latest release (whose advisories only the document lists), or
    ``("unknown", [])`` when there is no document.

    >>> verdict("flask", "3.1.3", {"info": {"version": "3.1.3"}, "vulnerabilities": []})
    ('audited', [])
    >>> verdict("flask", "3.1.2", {"info": {"version": "3.1.3"}, "vulnerabilities": []})
    ('behind', [])
    """
    if project is None:
        return "unknown", []
    if project.get("info", {}).get("version") != version:
        return "behind", []
    return "audited", [v for v in project.get("vulnerabilities") or [] if not v.get("withdrawn")]


def fetch(name: str) -> dict | None:
    try:
        with urllib.request.urlopen(PROJECT_URL.format(name=name), timeout=30) as answer:
            return json.load(answer)
    except (OSError, ValueError):
        return None


def main(path: str = "requirements.lock") -> int:
    locked = pins(Path(path).read_text(encoding="utf-8"))
    with ThreadPoolExecutor(8) as pool:
        documents = list(pool.map(lambda pin: fetch(pin[0]), locked))
    audited, affected = 0, 0
    for (name, version), project in zip(locked, documents):
        state, advisories = verdict(name, version, project)
        if state == "audited":
            audited += 1
        elif state == "behind":
            print(f"{name} {version}: not audited here (latest release {project['info']['version']})")  # type: ignore[index]
        else:
            print(f"{name} {version}: not audited here (PyPI did not answer)")
        for advisory in advisories:
            affected += 1
            print(f"{name} {version}: {advisory.get('id')} {' '.join(advisory.get('aliases') or [])} "
                  f"fixed in {', '.join(advisory.get('fixed_in') or []) or '?'} {advisory.get('link', '')}")
    print(f"{len(locked)} pinned packages: {audited} audited against PyPI's advisories, "
          f"{len(locked) - audited} not audited here; {affected} known vulnerabilities")
    return 1 if affected else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
