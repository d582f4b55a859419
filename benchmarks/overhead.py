"""Per-run overhead: one partition of ``compute_spend_summary`` against Dagster's own floor.

Both sides run as fresh ``dagster asset materialize`` processes on one Dagster home, alternated,
``--repeat`` times (medians; a new month each time, so every run of ours creates its report), against the
simulator on loopback with a tiny report latency:
**ours** materializes ``recast/compute_spend_summary`` for ``revenue|<month>`` (reuse lookup,
create, poll, download, land, load, checks); **floor** is a trivial monthly asset that makes one
GET to the same server and writes a small DuckDB table, on Dagster's default executor (a process
for its step); **floor, in process** is the same asset on ``in_process_executor``, as ours runs.
Where the time goes: the import of each code location (fresh interpreters) and the steps
themselves (Dagster's "Finished execution of step"), the rest being Dagster's process, instance
and run machinery. **ours, long history** is the same run of ours against a second simulator whose
account already holds ``--history`` old reports (default 3,000) served ``--page`` (default 2) to a
list page: a run that paged through the account's history would take many times longer. **ours,
id-and-name deployments** runs against two more simulators whose deployments show only their id and
name (``deployment_fields=id_name``: no dashboard slug, no ``model_date``, so the dashboard is
``5716`` and no refresh time bounds the reuse lookup, the reuse horizon does), one empty and one
holding the same history, and prints the ratio of the two.
**Charts** (printed first; ``--charts-only`` for them alone, ``_charts.py``): what drawing a
partition's charts costs, per partition and report type, matplotlib's one-time import, and what
charts add to a real in-process run of five partitions (with and without, alternated).

The project's package is byte-compiled first, as ``pip install`` does and as Dagster's own package
is: with ``PYTHONDONTWRITEBYTECODE`` set (as on some CI machines) every process would otherwise
compile our sources again, which no deployment pays.

    .venv/bin/python benchmarks/overhead.py            # ~2-4 min
    .venv/bin/python benchmarks/overhead.py --charts-only   # ~40 s
"""

from __future__ import annotations

import argparse
import compileall
import dataclasses
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _charts
import _common

from recast_pipeline.simulator.config import SimulatorConfig
from recast_pipeline.simulator.server import serve_in_thread

FLOOR = """
import dagster as dg, duckdb, httpx, os

@dg.asset(partitions_def=dg.MonthlyPartitionsDefinition(start_date="2024-01-01"))
def trivial(context) -> None:
    body = httpx.get(os.environ["FLOOR_URL"], headers={"Authorization": "Bearer " + os.environ["RECAST_PAT"]}).json()
    with duckdb.connect(os.environ["FLOOR_DB"]) as con:
        rows = [context.partition_key, len(body["data"])]
        con.execute("CREATE OR REPLACE TABLE t AS SELECT ? AS partition, ? AS rows", rows)

defs = dg.Definitions(assets=[trivial])
"""
FLOOR_IN_PROCESS = FLOOR.replace(
    "dg.Definitions(assets=[trivial])", "dg.Definitions(assets=[trivial], executor=dg.in_process_executor)"
)
STEP = re.compile(r'Finished execution of step "[^"]+" in ([0-9.]+)(m?s)')


def timed(command: list[str], env: dict) -> tuple[float, float | None, int]:
    """(wall seconds, the steps' own seconds as Dagster reports them, how many steps ran)."""
    begun = time.monotonic()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.monotonic() - begun
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} failed:\n{done.stderr[-2000:]}")
    steps = [float(m.group(1)) / (1000 if m.group(2) == "ms" else 1) for m in STEP.finditer(done.stderr + done.stdout)]
    return wall, (sum(steps) if steps else None), len(steps)


def by_endpoint(calls: dict) -> str:
    """``13: create 1, deployments 3, ...``: the requests of one run, in all and per endpoint."""
    return f"{sum(calls.values())}: " + ", ".join(f"{k} {v}" for k, v in sorted(calls.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--history", type=int, default=3000, help="old reports in the long-history account")
    parser.add_argument("--page", type=int, default=2, help="list rows per page in the long-history account")
    parser.add_argument(
        "--chart-months", type=int, default=3, help="months of each charted report type in the charts' warehouse"
    )
    parser.add_argument(
        "--charts-only", action="store_true", help="only what drawing a partition's charts costs (~40 s)"
    )
    args = parser.parse_args()
    charts = _charts.measure(args.repeat, args.chart_months)
    print(f"\nCharts on materializations ({_common.machine()})")
    print(_common.table(charts))
    if args.charts_only:
        return 0
    dagster = str(Path(sys.executable).with_name("dagster"))
    empty = SimulatorConfig(latency=args.latency, jitter=0.0, log_level="error")
    old = dataclasses.replace(empty, history_reports=args.history, readings={"max_per_page": args.page})
    thin = dataclasses.replace(empty, readings={"deployment_fields": "id_name"})
    thin_old = dataclasses.replace(old, readings={**old.readings.as_dict(), "deployment_fields": "id_name"})
    with (
        tempfile.TemporaryDirectory(prefix="recast-overhead-") as scratch,
        serve_in_thread(empty) as sim,
        serve_in_thread(old) as old_sim,
        serve_in_thread(thin) as thin_sim,
        serve_in_thread(thin_old) as thin_old_sim,
    ):
        work = Path(scratch)
        compileall.compile_dir(str(_common.REPO / "recast_pipeline"), quiet=1)
        (work / "floor.py").write_text(FLOOR)
        (work / "floor_in_process.py").write_text(FLOOR_IN_PROCESS)
        (work / "home").mkdir()
        env = {
            **os.environ,
            "DAGSTER_HOME": str(work / "home"),
            "RECAST_BASE_URL": sim.base_url,
            "RECAST_CLIENT_SLUG": sim.client_slug,
            "RECAST_PAT": sim.token,
            "RECAST_DATA_DIR": str(work / "data"),
            "RECAST_POLL_INTERVAL": "0.5",
            "FLOOR_URL": f"{sim.base_url}/v1/clients/{sim.client_slug}/deployments",
            "FLOOR_DB": str(work / "floor.duckdb"),
            "DAGSTER_DISABLE_TELEMETRY": "1",
        }
        (work / "home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
        # the long-history account: its own server, landing folder and warehouse, the same instance
        old_env = {**env, "RECAST_BASE_URL": old_sim.base_url, "RECAST_DATA_DIR": str(work / "old-data")}
        # the id-and-name accounts: the dashboard is the deployment's id
        thin_env = {**env, "RECAST_BASE_URL": thin_sim.base_url, "RECAST_DATA_DIR": str(work / "thin-data")}
        thin_old_env = {**env, "RECAST_BASE_URL": thin_old_sim.base_url, "RECAST_DATA_DIR": str(work / "thin-old-data")}
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import dagster as dg; i = dg.DagsterInstance.get(); "
                "i.add_dynamic_partitions('recast_dashboards', ['revenue', '5716'])",
            ],
            env=env,
            check=True,
        )

        def ours(month: str, dashboard: str = "revenue") -> list[str]:
            return [
                dagster,
                "asset",
                "materialize",
                "-m",
                "recast_pipeline.definitions",
                "--select",
                "recast/compute_spend_summary",
                "--partition",
                f"{dashboard}|{month}",
            ]

        def floor(month: str, file: str = "floor.py") -> list[str]:
            return [
                dagster,
                "asset",
                "materialize",
                "-f",
                str(work / file),
                "--select",
                "trivial",
                "--partition",
                month,
            ]

        months = [f"2025-{m:02d}-01" for m in range(1, 13)]
        imports = {
            name: [sys.executable, "-c", statement]
            for name, statement in (
                ("dagster", "import dagster"),
                ("definitions", "import dagster, recast_pipeline.definitions"),
            )
        }
        print(f"Overhead: {args.repeat} alternated runs each; machine: {_common.machine()}")
        timed(floor(months[-1]), env), timed(ours(months[-1]), env)  # warm-up: storage made once
        timed(ours(months[-2]), old_env)
        timed(ours(months[-2], "5716"), thin_env), timed(ours(months[-2], "5716"), thin_old_env)
        results: dict[str, list] = {
            "ours": [],
            "floor": [],
            "floor_in_process": [],
            "dagster": [],
            "definitions": [],
            "ours_history": [],
            "ours_thin": [],
            "ours_thin_history": [],
        }
        calls: dict = {}  # API calls of the last run of ours, by endpoint
        old_calls: dict = {}  # the same on the long-history account
        thin_calls: dict = {}  # and on the two id-and-name accounts
        thin_old_calls: dict = {}
        for month in months[: args.repeat]:  # a month each: every run of ours creates its report
            results["floor"].append(timed(floor(month), env))
            results["floor_in_process"].append(timed(floor(month, "floor_in_process.py"), env))
            sim.reset_stats()
            results["ours"].append(timed(ours(month), env))
            calls = sim.stats()["calls"]
            old_sim.reset_stats()
            results["ours_history"].append(timed(ours(month), old_env))
            old_calls = old_sim.stats()["calls"]
            thin_sim.reset_stats()
            results["ours_thin"].append(timed(ours(month, "5716"), thin_env))
            thin_calls = thin_sim.stats()["calls"]
            thin_old_sim.reset_stats()
            results["ours_thin_history"].append(timed(ours(month, "5716"), thin_old_env))
            thin_old_calls = thin_old_sim.stats()["calls"]
            for name, command in imports.items():
                results[name].append(timed(command, env))
    med = {name: statistics.median(w for w, *_ in runs) for name, runs in results.items()}
    sides = ("ours", "floor", "floor_in_process")
    step = {name: statistics.median(s for _, s, _ in results[name] if s is not None) for name in sides}
    steps = {name: max(n for *_, n in results[name]) for name in sides}
    rows = [
        ("one partition, ours", f"{med['ours']:.2f} s ({steps['ours']} steps, {step['ours']:.2f} s in them)"),
        ("trivial monthly asset (floor)", f"{med['floor']:.2f} s ({steps['floor']} step, {step['floor']:.2f} s in it)"),
        ("ours / floor", f"{med['ours'] / med['floor']:.2f}   target <= 1.25"),
        (
            "floor, in process",
            f"{med['floor_in_process']:.2f} s ({steps['floor_in_process']} step, "
            f"{step['floor_in_process']:.2f} s in it); ours / it {med['ours'] / med['floor_in_process']:.2f}",
        ),
        ("import dagster", f"{med['dagster']:.2f} s"),
        (
            "import the definitions",
            f"{med['definitions']:.2f} s  ({med['definitions'] - med['dagster']:+.2f} s over dagster; "
            "target <= +0.4 s)",
        ),
        (
            "where ours spends the time over the floor in process",
            f"steps {step['ours'] - step['floor_in_process']:+.2f} s, imports "
            f"{med['definitions'] - med['dagster']:+.2f} s, "
            f"rest {med['ours'] - med['floor_in_process'] - (step['ours'] - step['floor_in_process']):.2f} s",
        ),
        ("requests of one run of ours", by_endpoint(calls)),
        (
            f"ours, {args.history:,} old reports, {args.page} a page",
            f"{med['ours_history']:.2f} s = {med['ours_history'] / med['ours']:.2f} x ours   target <= 1.1",
        ),
        ("requests of that run", by_endpoint(old_calls)),
        ("ours, id-and-name deployments", f"{med['ours_thin']:.2f} s; requests {by_endpoint(thin_calls)}"),
        (
            f"  the same, {args.history:,} old reports",
            f"{med['ours_thin_history']:.2f} s = "
            f"{med['ours_thin_history'] / med['ours_thin']:.2f} x the empty "
            "id-and-name account   target <= 1.1",
        ),
        ("  requests of that run", by_endpoint(thin_old_calls)),
    ]
    print(
        f"\nOverhead benchmark (report latency {args.latency:g} s; each run of ours creates, polls and loads a report)"
    )
    print(_common.table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
