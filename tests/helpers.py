"""Running the ``maillage`` command as a user would, in a separate process."""
from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env.update({"LANG": "fr_FR.UTF-8", "PYTHONPATH": str(ROOT)})
    env.pop("LC_ALL", None)
    env.pop("LANGUAGE", None)
    env.update(extra)
    return env


def maillage(*args: str, env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "api.cli", *args], capture_output=True, text=True,
                          env=env or cli_env(), cwd=ROOT, timeout=300, **kwargs)


def start_maillage(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-u", "-m", "api.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env or cli_env(), cwd=ROOT)
