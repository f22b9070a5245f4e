"""A survey's page of small Neo4j reads, made while another of the server's threads computes (as a view's layout
or a global measure does), with Python's default switch interval (5 ms) against the one ``maillage serve`` sets
(``api/cli.py: SWITCH_INTERVAL``, 1 ms), side by side in one run, taking turns page by page.

A thread whose read has been answered waits for the interpreter until the computing thread is made to let it go,
once per switch interval: a page of four reads paid that wait four times. The computing thread's own work done
meanwhile is counted too, per millisecond (the price of switching more often). Both settings must read the same records.

    .venv/bin/python benchmarks/switch_interval.py [--pages 1000] [--computing 1]
"""
from __future__ import annotations

import argparse
import sys
import threading

from common import neo4j_store, percentile, timed

from api.cli import SWITCH_INTERVAL
from graph import campaigns
from graph.accounts import digest

PYTHON_DEFAULT = sys.getswitchinterval()  # the interpreter's own, before this run changes it


def compute(stop: threading.Event, done: list[int]) -> None:
    """Pure Python work, as a layout's or a measure's loops: dicts built and summed, counted in rounds."""
    while not stop.is_set():
        table = {i: i * i for i in range(2000)}
        done[0] += sum(table.values()) > 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--computing", type=int, default=1, help="threads computing meanwhile")
    parser.add_argument("--interval", type=float, default=SWITCH_INTERVAL, help="the interval to compare (seconds)")
    args = parser.parse_args()
    settings = {f"Python's default ({PYTHON_DEFAULT * 1000:g} ms)": PYTHON_DEFAULT,
                f"Maillage's ({args.interval * 1000:g} ms)": args.interval}
    token, campaign = "benchmark-link", "camp-benchmark"
    records = [(campaigns.LINKS, digest(token), {"campaign": campaign, "respondent": "ag-bench"}),
               (campaigns.CAMPAIGNS, campaign, {"id": campaign, "question": "Avec qui ?", "closes": "2099-12-31"}),
               (campaigns.ANSWERS, campaigns.answer_key(campaign, "ag-bench"), {"actors": []})]
    with neo4j_store() as store:
        store.put_records(records)

        def page() -> object:  # a survey's page reads the store's mark, then its link, campaign and answer
            store.mark()
            return campaigns.link_and_answer(store, token)

        expected = page()
        times: dict[str, list[float]] = {label: [] for label in settings}
        work: dict[str, int] = dict.fromkeys(settings, 0)
        stop, done = threading.Event(), [0]
        computing = [threading.Thread(target=compute, args=(stop, done), daemon=True) for _ in range(args.computing)]
        for thread in computing:
            thread.start()
        try:
            for number in range(args.pages + 100):  # the first 100 pages of each warm up, not counted
                for label, interval in settings.items():
                    sys.setswitchinterval(interval)
                    before = done[0]
                    elapsed, answer = timed(page)
                    assert answer == expected, "both settings must read the same records"
                    if number >= 100:
                        times[label].append(elapsed)
                        work[label] += done[0] - before
        finally:
            stop.set()
            for thread in computing:
                thread.join()
            sys.setswitchinterval(PYTHON_DEFAULT)
            store.put_records([(collection, key, None) for collection, key, _ in records])
    print(f"a page of 4 small reads, {args.pages} times each way, {args.computing} thread(s) computing meanwhile")
    print(f"{'switch interval':<26}{'p50 ms':>8}{'p95':>8}{'p99':>8}{'computed meanwhile (rounds/ms)':>32}")
    for label in settings:
        kept = times[label]
        print(f"{label:<26}{percentile(kept, 50):>8.1f}{percentile(kept, 95):>8.1f}{percentile(kept, 99):>8.1f}"
              f"{work[label] / sum(kept):>32.2f}")
    default, ours = times.values()
    print(f"p99 ratio (Maillage's / default): {percentile(ours, 99) / percentile(default, 99):.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
