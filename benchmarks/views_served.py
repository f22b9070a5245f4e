"""Network views served while imports change the snapshot: drawn at every request (the previous release) against
kept while what they show is unchanged (:class:`visualisations.declaration.DrawnViews`), side by side in one run.

The load scenario's commune (``generate("commune", 7)``) in the embedded store; then the real grant files
(``../shared/data/scdl-subventions/more``) imported one after the other, each import a new snapshot, as while
``benchmarks/load.py`` runs, and after each a tie declared between two agents drawn at random (the load scenario's
contributors declare about one a second, as many as imports). After each import and declaration, the view of every
service and pôle and those of 40 agents are served twice over on the new snapshot, once each way, the order
alternating from one import to the next:

* drawn: what the previous release did at every request (``View._drawn``: build the view, lay it out, write it,
  every tie's tooltip written again; the layout's compiled steps are this release's, which give the same positions
  to the bit in 0.6× the time);
* kept: this release (``View.html`` with a nonce: drawn again only when a tie, a name or a service it shows changed,
  and then only the tooltips of the ties that changed are written again).

Prints, each way: the time of all views, p50 / p99 / max of one view, and how many were drawn; checks that both
serve the same pages (the nonce aside).

    .venv/bin/python benchmarks/views_served.py [--imports 40] [--declarations 1]
"""
from __future__ import annotations

import argparse
import itertools
import random
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, percentile

from graph import i18n, schema
from graph.model import Batch, Provenance, Relationship
from graph.questions.declaration import narrowed
from graph.stores.embedded import EmbeddedStore
from graph.synthetic import generate
from graph.territory import TerritoryCache
from importers.pipeline import ImportRejected, import_files
from visualisations.declaration import View
from visualisations.views import _TIE_TOOLTIPS, VIEWS

GRANT_FILES = sorted((ROOT.parent / "shared" / "data" / "scdl-subventions" / "more").glob("*"))
NONCE, ASSETS = "n0nce", "/static/vis"
DECLARED = Provenance("benchmarks/views_served.py", None, "user")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--imports", type=int, default=40, help="grant files imported (each a new snapshot)")
    parser.add_argument("--declarations", type=int, default=1, help="ties declared after each import")
    args = parser.parse_args()
    rng = random.Random(7)
    i18n.set_language("fr")
    drawings = 0
    draw = View._drawn

    def counted(self, territory, values, nonce, assets_url):
        nonlocal drawings
        drawings += 1
        return draw(self, territory, values, nonce, assets_url)

    View._drawn = counted  # type: ignore[method-assign]  # counts the drawings of both ways
    with tempfile.TemporaryDirectory() as folder:
        generate("commune", 7, Path(folder) / "commune")
        store = EmbeddedStore(Path(folder) / "data")
        import_files([Path(folder) / "commune"], store)
        cache = TerritoryCache(store)
        t = cache.current()
        services = sorted(n.id for n in t.nodes.values() if n.kind == schema.SERVICE.label)
        agents = sorted(n.id for n in t.nodes.values() if n.kind == schema.AGENT.label)[::3][:40]
        everyone = sorted(n.id for n in t.nodes.values() if n.kind == schema.AGENT.label)
        asked = [(VIEWS["service"], {"service": s}) for s in services] + [
            (VIEWS["actor"], {"actor": a}) for a in agents]

        def drawn(territory) -> tuple[list[float], list[str]]:
            times, pages = [], []
            for view, raw in asked:
                _TIE_TOOLTIPS.clear()
                started = time.perf_counter()
                narrow, values = narrowed(territory, view.check(territory, raw))
                pages.append(view._drawn(narrow, values, NONCE, ASSETS))
                times.append(time.perf_counter() - started)
            return times, pages

        def kept(territory) -> tuple[list[float], list[str]]:
            times, pages = [], []
            for view, raw in asked:
                started = time.perf_counter()
                pages.append(view.html(territory, NONCE, ASSETS, **raw))
                times.append(time.perf_counter() - started)
            return times, pages

        ways = {"drawn at every request (previous)": drawn, "kept while unchanged (this release)": kept}
        times: dict[str, list[float]] = {name: [] for name in ways}
        counts = dict.fromkeys(ways, 0)
        kept(t)  # the views as a server has them before the imports start
        print(f"{len(asked)} views ({len(services)} services and pôles, {len(agents)} agents), "
              f"{args.imports} grant-file imports, {args.declarations} tie(s) declared after each", flush=True)
        files = itertools.cycle(GRANT_FILES)
        for number in range(args.imports):
            while True:  # a file the importer refuses as a whole (no payer named) is skipped, as load.py does
                grant_file = next(files)
                try:
                    import_files([grant_file], store, skip_invalid=True)
                    break
                except ImportRejected:
                    continue
            store.write(Batch([], [Relationship("COOPERATES_WITH", *rng.sample(everyone, 2), f"bench-{number}-{i}",
                                                {"nature": "charge", "frequency": "mensuelle"}, DECLARED)
                                   for i in range(args.declarations)]))
            t = cache.current()
            served = {}
            for name in (list(ways) if number % 2 == 0 else list(reversed(ways))):
                before = drawings
                spent, served[name] = ways[name](t)
                times[name] += spent
                counts[name] += drawings - before
            first, second = served.values()
            if first != second:
                print(f"the two ways served different pages after {grant_file.name}")
                return 1
        print(f"{len(t.nodes)} nodes at the end; the same pages served both ways after every import")
        for name, spent in times.items():
            print(f"{name:38} all views {sum(spent):7.2f} s   one view p50 {percentile(spent, 50) * 1000:6.2f} ms  "
                  f"p99 {percentile(spent, 99) * 1000:6.2f} ms  max {max(spent) * 1000:6.2f} ms   "
                  f"drawn {counts[name]} of {len(spent)}")
        previous, this = times.values()
        print(f"ratio (this release / previous): all views {sum(this) / sum(previous):.3f}×, "
              f"p99 {percentile(this, 99) / percentile(previous, 99):.3f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
