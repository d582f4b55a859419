"""Start-up benchmark: ``import recast_pipeline.definitions`` against ``import dagster`` alone.

Every Dagster process that loads the code location (the webserver, the daemon, each run and, with
the multiprocess executor, each step) pays this import. Each measurement is a fresh interpreter
(``python -c``), timed from the parent around the whole process, alternating the two cases;
medians are printed. The definitions read placeholder environment variables (no network).

    .venv/bin/python benchmarks/startup.py --repeat 15
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time

import _common

CASES = {
    "python alone": "pass",
    "import dagster": "import dagster",
    "import recast_pipeline.definitions": "import recast_pipeline.definitions",
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=11, help="fresh processes per case (default 11)")
    return parser.parse_args()


def timed_import(code: str, env: dict) -> float:
    begun = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=_common.REPO)
    return time.perf_counter() - begun


def main() -> int:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="recast-startup-") as scratch:
        env = {
            **os.environ,
            "PYTHONPATH": str(_common.REPO),
            "RECAST_BASE_URL": "http://127.0.0.1:9",
            "RECAST_CLIENT_SLUG": "placeholder",
            "RECAST_PAT": "gr_placeholder",
            "RECAST_DEPLOYMENT_IDS": "5716",
            "RECAST_DATA_DIR": scratch,
            "DAGSTER_HOME": scratch,
        }
        # .pyc files as an install writes them (PYTHONDONTWRITEBYTECODE, set on some machines, stops imports
        # writing them)
        compileall.compile_dir(str(_common.REPO / "recast_pipeline"), quiet=1)
        for code in CASES.values():  # warm the file cache once
            timed_import(code, env)
        times: dict[str, list[float]] = {name: [] for name in CASES}
        for _ in range(args.repeat):
            for name, code in CASES.items():
                times[name].append(timed_import(code, env))
    median = {name: statistics.median(values) for name, values in times.items()}
    added = median["import recast_pipeline.definitions"] - median["import dagster"]
    rows = [(name, f"{median[name]:.2f} s  (min {min(times[name]):.2f}, max {max(times[name]):.2f})") for name in CASES]
    rows.append(("definitions - dagster", f"{added:+.2f} s   target <= +0.4 s"))
    print(f"Start-up benchmark, {args.repeat} fresh processes per case; machine: {_common.machine()}")
    print(_common.table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
