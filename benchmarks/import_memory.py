"""Peak memory of ``maillage import`` on SCDL-like grant files of growing size: it must stay flat.

In one run: files of 10,000, 100,000 and 1,000,000 rows (written by
:func:`graph.synthetic.write_scdl_grants`) are imported, each by its own
``maillage import`` process into a fresh embedded store; the peak resident memory
of each process is read from the kernel (``wait4``). Goal: under 500 MB at 1,000,000
rows.

    .venv/bin/python benchmarks/import_memory.py [--rows 10000 100000 1000000]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT

from graph.synthetic import write_scdl_grants


def import_peak(path: Path, data: Path) -> tuple[float, int, float]:
    """(peak resident memory in MB, exit code, seconds) of one ``maillage import`` of *path*."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MAILLAGE_DATA_DIR": str(data)}
    env.pop("NEO4J_URI", None)
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "api.cli", "import", str(path)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024, process.returncode, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10000, 100000, 1000000])
    args = parser.parse_args()
    print(f"{'rows':>10} {'file (MB)':>10} {'peak RSS (MB)':>14} {'x 10k-row peak':>15} {'seconds':>8} {'rows/s':>8}")
    first = None
    with tempfile.TemporaryDirectory() as folder:
        for rows in args.rows:
            path = write_scdl_grants(Path(folder) / f"subventions-{rows}.csv", rows)
            peak, code, seconds = import_peak(path, Path(folder) / f"data-{rows}")
            if code != 0:
                print(f"import of {rows} rows failed with exit code {code}")
                return 1
            first = first or peak
            print(f"{rows:>10} {path.stat().st_size / 1e6:>10.0f} {peak:>14.0f} {peak / first:>15.2f} "
                  f"{seconds:>8.0f} {rows / seconds:>8.0f}")
            path.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
