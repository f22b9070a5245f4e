"""Running the ``maillage`` command as a user would, in a separate process."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

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


def start_maillage(*args: str, env: dict[str, str] | None = None, log: Path | None = None) -> subprocess.Popen:
    """``maillage *args`` running; its error output readable from ``process.stderr``, or written to *log* (a
    server's: it writes a line per request, and a pipe nobody reads would fill and stop it)."""
    stderr = open(log, "w") if log is not None else subprocess.PIPE  # noqa: SIM115 (the process's, while it runs)
    # Ctrl+C (SIGINT) stops it as it would in a terminal, even when the suite itself was started in the
    # background, which makes its children ignore SIGINT.
    return subprocess.Popen([sys.executable, "-u", "-m", "api.cli", *args], stdout=subprocess.PIPE,
                            stderr=stderr, text=True, env=env or cli_env(), cwd=ROOT,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def started(call, seconds: float) -> tuple[bool, list, threading.Thread]:
    """*call* started in a thread: (whether it still had not answered after *seconds*, its answers, its thread)."""
    answers: list = []
    thread = threading.Thread(target=lambda: answers.append(call()))
    thread.start()
    thread.join(seconds)
    return thread.is_alive() and not answers, answers, thread


class ServedInThread:
    """*app* served by waitress in a thread of this process (*options*: waitress's, such as ``threads``), until
    :meth:`stop` or the end of a ``with`` block.

    Stopped from inside its own loop: sockets closed from another thread while the loop polls them raised
    ``EBADF`` in the server's thread after the test had passed.
    """

    def __init__(self, app, **options):
        from waitress.server import create_server

        from tests.neo4j_server import free_port

        self.app = app
        self.server = create_server(app, host="127.0.0.1", port=free_port(), **options)
        self.port = self.server.effective_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, and wait for what the app does in the background (its store is closed next)."""
        from waitress import wasyncore

        from api.state import join_background

        try:
            self.server.trigger.pull_trigger(lambda: wasyncore.close_all(self.server._map))
        except OSError:
            # Its wake-up pipe was closed already: the loop closes it when a poll finds it closed under it, which
            # happened once in CI (by what, not found; the previous stop, from this thread, did not notice).
            wasyncore.close_all(self.server._map)
        self._thread.join(timeout=30)
        self.server.task_dispatcher.shutdown()
        join_background(self.app)

    def __enter__(self) -> ServedInThread:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
