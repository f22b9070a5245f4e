"""Views: producing the HTML, and drawing it in headless Chromium, against pyvis' own defaults.

For a 5,000-node, 15,000-edge cooperation network, side by side in one run:

1. time to produce the HTML with :func:`visualisations.render.to_html` (layout
   included) and with pyvis' ``Network.from_nx`` + ``generate_html``;
2. time until the view is drawn and still in Debian's headless Chromium, for this
   module (positions precomputed, physics off) and for pyvis' defaults (physics on,
   vis-network inlined so that it runs offline; its Bootstrap CDN links are blocked);
3. the drawing time of this module's view at several sizes, which sets the
   threshold above which the territory view is aggregated.

"Still" means two successive samples of every node position, 250 ms apart,
differ by less than half a pixel; the same rule is applied to both pages.

    .venv/bin/python benchmarks/views.py
"""
from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser import CHROMIUM_FLAGS, PageWatch, chromium_path
from visualisations.render import Page, to_html

KINDS = ["Agent"] * 6 + ["Association"] * 2 + ["Partner", "Elected"]

STILL = """async () => {
  const net = window.maillageNetwork || window.network;
  const start = performance.now();
  let previous = null;
  while (performance.now() - start < 120000) {
    const positions = net.getPositions();
    if (previous) {
      let moved = 0;
      for (const id in positions) {
        moved = Math.max(moved, Math.abs(positions[id].x - previous[id].x), Math.abs(positions[id].y - previous[id].y));
      }
      if (moved < 0.5) return performance.now() - 250;
    }
    previous = positions;
    await new Promise(resolve => setTimeout(resolve, 250));
  }
  return null;
}"""


def cooperation_like(nodes: int, edges: int, seed: int = 7) -> nx.Graph:
    """Clustered like a territory: ties mostly inside groups of about 50, some across."""
    rng = random.Random(seed)
    g = nx.Graph()
    for i in range(nodes):
        g.add_node(f"n{i}", name=f"Acteur {i}", kind=KINDS[i % len(KINDS)], tooltip=f"Acteur {i}")
    while g.number_of_edges() < edges:
        a = rng.randrange(nodes)
        b = (a // 50) * 50 + rng.randrange(50) if rng.random() < 0.8 else rng.randrange(nodes)
        if a != b and b < nodes:
            g.add_edge(f"n{a}", f"n{b}", weight=1)
    return g


def pyvis_default_html(g: nx.Graph) -> str:
    from pyvis.network import Network

    net = Network(cdn_resources="in_line")
    net.from_nx(g)
    return net.generate_html()


def draw_time(browser, path: Path) -> tuple[float | None, float | None]:
    """(ms until the first drawing, ms until still), measured from navigation start."""
    with PageWatch(browser) as watch:
        started = time.perf_counter()
        watch.page.goto(path.as_uri(), timeout=180000)
        watch.page.wait_for_function("(window.maillageNetwork || window.network) !== undefined", timeout=180000)
        loaded_ms = (time.perf_counter() - started) * 1000
        still = watch.page.evaluate(STILL)
        first = watch.page.evaluate("window.maillageDrawnAt || null")
        return first, (None if still is None else max(still, loaded_ms))


def main() -> int:
    from playwright.sync_api import sync_playwright

    g = cooperation_like(5000, 15000)
    print(f"network: {g.number_of_nodes()} nodes, {g.number_of_edges()} edges")
    folder = Path(tempfile.mkdtemp())
    started = time.perf_counter()
    ours = to_html(g, Page("Benchmark"))
    ours_s = time.perf_counter() - started
    copy = g.copy()  # from_nx rewrites the attributes of the graph it is given
    started = time.perf_counter()
    theirs = pyvis_default_html(copy)
    theirs_s = time.perf_counter() - started
    (folder / "maillage.html").write_text(ours, encoding="utf-8")
    (folder / "pyvis.html").write_text(theirs, encoding="utf-8")
    print(f"{'HTML production':<28} {'this module':>12} {'pyvis from_nx':>14} {'ratio':>8}")
    print(f"{'seconds':<28} {ours_s:>12.2f} {theirs_s:>14.2f} {theirs_s / ours_s:>7.1f}x")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            first, still = draw_time(browser, folder / "maillage.html")
            _, pyvis_still = draw_time(browser, folder / "pyvis.html")
            print(f"{'drawn and still (s)':<28} {still / 1000:>12.2f} "
                  f"{'> 120' if pyvis_still is None else f'{pyvis_still / 1000:.2f}':>14}")
            print(f"first drawing of this module's view: {first / 1000:.2f} s after navigation start")
            print("\nthis module, drawn and still, by size (sets the aggregation threshold):")
            for nodes in (1000, 2500, 5000, 10000):
                path = folder / f"m{nodes}.html"
                path.write_text(to_html(cooperation_like(nodes, nodes * 3), Page("n")), encoding="utf-8")
                _, seconds = draw_time(browser, path)
                print(f"  {nodes:>6} nodes, {nodes * 3:>6} edges: {seconds / 1000:.2f} s")
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
