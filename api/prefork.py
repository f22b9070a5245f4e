"""Several server processes sharing one loaded snapshot (``maillage serve --workers N``).

One Python process answers on one core at a time. To use every core, the parent reads the
snapshot once, then forks worker processes: each starts with the snapshot already in memory
(pages shared with the parent until written, *copy on write*), opens its own connection to the
store (a driver or an SQLite connection does not survive a fork) and serves the same listening
socket with waitress. After a write, each worker applies the changes to its own snapshot, as a
single process does. The parent only watches: a worker that dies is replaced; ``SIGTERM`` or
``SIGINT`` stops them all.
"""
from __future__ import annotations

import contextlib
import gc
import os
import signal
import socket
import sys
import time
from collections.abc import Callable

from flask import Flask

from api import state
from graph.i18n import t
from graph.stores import Store

THREADS = 8  # per process, as a single process has


def listening_socket(host: str, port: int) -> socket.socket:
    """The socket every worker accepts from (created once, before forking)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    return sock


def serve_workers(app: Flask, open_store: Callable[[], Store], host: str, port: int, workers: int,
                  ready: Callable[[], None] = lambda: None) -> int:
    """Serve *app* from *workers* forked processes (see the module's description); returns when stopped."""
    from waitress import serve

    sock = listening_socket(host, port)
    app.config["MAILLAGE_READS_WAIT"] = True  # each worker's reads wait for its snapshot (state.may_skip_refresh)
    with app.app_context():
        state.warm(app)  # the snapshot every worker starts from
    state.get_store(app).close()
    gc.collect()
    gc.freeze()  # what is loaded now stays out of the collector's passes: its pages stay shared
    children: dict[int, int] = {}  # pid -> worker number
    stopping = False

    def start(number: int) -> None:
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                state.reopen(app, open_store())
                if number == 0:  # all but a person's writes were warmed before the fork: those, once, now
                    state.warm_in_background(app)
                serve(app, sockets=[sock], threads=THREADS, ident="maillage")
            except BaseException:  # a worker reports, then leaves; the parent starts another
                import traceback

                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        children[pid] = number

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for number in range(workers):
        start(number)
    ready()
    while children:
        try:
            pid, _ = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        replaced = children.pop(pid, None)
        if replaced is not None and not stopping:
            print(t("serve.worker_replaced", pid=pid), file=sys.stderr, flush=True)
            time.sleep(1)  # a worker failing at once would otherwise be restarted in a tight loop
            start(replaced)
    sock.close()
    return 0
