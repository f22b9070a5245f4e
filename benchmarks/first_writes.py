"""A person's first writes on a server that has just started, with a Neo4j that has just started: the previous
release against this one, side by side in one run.

For each release in turn: a Neo4j started afresh, the commune of the load scenario imported into it (with its
accounts and an open survey campaign: :func:`load.prepare`), ``maillage serve`` started, and ``--settle`` seconds
left for its warm-up (this release ends it by preparing a person's writes: ``Store.prepare_writes``). Then
``--people`` contributors each declare a tie, edit their record (read with its ETag, then PATCH) and answer the
survey through their personal link (its page, then the form) naming one to three colleagues, one after the
other. Printed per kind of write: the first one's time, the median and the slowest of the others.

Neo4j plans a query the first time it sees it, and again for each new order of magnitude of a list or a
string parameter's length; the previous release met those plans on people's requests.

    .venv/bin/python benchmarks/first_writes.py [--people 12] [--settle 10] [--baseline 00a2353]
"""
from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

from common import ROOT, neo4j_store, previous_release, start_server

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
KINDS = ("declare", "edit", "survey answer")


def writes(port: int, plan: dict, people: int) -> dict[str, list[float]]:
    """The time of each write (ms), by kind, in the order they were made; every answer must succeed."""
    import requests

    base = f"http://127.0.0.1:{port}"
    times: dict[str, list[float]] = {kind: [] for kind in KINDS}

    def timed(kind: str, send) -> requests.Response:
        started = time.perf_counter()
        response = send()
        times[kind].append(1000 * (time.perf_counter() - started))
        if response.status_code >= 400:
            raise RuntimeError(f"{kind}: {response.status_code} {response.text[:300]}")
        return response

    for number in range(people):
        agent, token = plan["contributors_tokens"][number % len(plan["contributors_tokens"])]
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        other = plan["agents"][-1 - number]
        timed("declare", lambda: session.post(f"{base}/api/v1/cooperations", json={
            "actor_a": agent, "actor_b": other, "nature": "charge", "frequency": "mensuelle"}))
        record = session.get(f"{base}/api/v1/actors/{agent}/record")
        timed("edit", lambda: session.patch(f"{base}/api/v1/actors/{agent}", json={"job_title": f"poste {number}"},
                                            headers={"If-Match": record.headers.get("ETag", "")}))
        respondent = requests.Session()
        link = f"{base}/survey/{plan['survey_tokens'][number]}"
        found = CSRF.search(respondent.get(link).text)
        names = plan["survey_names"][3 * number: 3 * number + 1 + number % 3]
        timed("survey answer", lambda: respondent.post(link, data={
            "csrf_token": found.group(1) if found else "", "name": names, "frequency": ["mensuelle"] * len(names)}))
    return times


def run(name: str, root: Path, args) -> dict[str, list[float]]:
    from load import prepare

    with tempfile.TemporaryDirectory() as scratch, neo4j_store() as store:
        plan = prepare(store, Path(scratch))
        server, port, _ = start_server(root, {**store.environment, "MAILLAGE_ANONYMOUS_READ": "",
                                              "MAILLAGE_PERSONS_VISIBLE_TO": "lecteur"})
        try:
            time.sleep(args.settle)
            times = writes(port, plan, args.people)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"{name}: " + "; ".join(f"{kind} {', '.join(f'{t:.0f}' for t in values)}" for kind, values in times.items()),
          flush=True)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=12)
    parser.add_argument("--settle", type=float, default=10.0, help="seconds between start-up and the first write")
    parser.add_argument("--baseline", default="00a2353", help="the previous release (a git revision)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        old = run(f"previous release ({args.baseline})", previous_release(args.baseline, Path(folder) / "old"), args)
        new = run("this release", ROOT, args)
    print(f"\nFirst writes after start-up ({args.people} people, each: a declaration, an edit, a survey answer; ms)\n")
    print("| write | previous: first | previous: median, slowest of the others | this release: first "
          "| this release: median, slowest of the others | first: previous / this |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind in KINDS:
        before, after = old[kind], new[kind]
        print(f"| {kind} | {before[0]:.0f} | {statistics.median(before[1:]):.0f}, {max(before[1:]):.0f} | "
              f"{after[0]:.0f} | {statistics.median(after[1:]):.0f}, {max(after[1:]):.0f} | "
              f"{before[0] / after[0]:.1f}× |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
