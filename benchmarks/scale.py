"""Scale benchmark: sensors, automation and the UI's partition view at N = 2, 50, 200 dashboards.

An agency runs Recast for hundreds of dashboards. For each N the simulator serves N dashboards
(``--dashboards N``, each with its own deployment, channels and dates) and the code location's
monthly partitions start 36 months back, so a report asset has N x 36 partitions. Measured, side
by side in one run:

* the refresh sensor's tick: the first (every dashboard first seen), a quiet one (nothing changed),
  and one after 1% of the dashboards (at least one) were refreshed; with Recast requests per tick;
* the month-ready sensor's tick (first and quiet);
* one evaluation of the report assets' automation conditions after the 1% refresh (what
  ``recast_automation_sensor`` does per tick), and how many partitions it requested;
* the partition-status query the asset page sends for a report asset (200 x 36 keys at N = 200),
  through GraphQL on a real ``dagster-webserver`` against the same instance (``--no-ui`` skips it);
* loading the code location (import of ``recast_pipeline.definitions``), which N must not change.

Targets (issue 23): refresh and month ticks <= 5 s, automation <= 30 s at N = 200, partition
status <= 3 s; each figure's slope from N = 50 to 200 extrapolates it to N = 1,000.

    .venv/bin/python benchmarks/scale.py                 # N = 2, 50, 200
    .venv/bin/python benchmarks/scale.py --sizes 2 20    # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path

import _common  # noqa: F401  (puts the repository on sys.path)

MONTHS = 36
PARTITION_STATUS = """
query PartitionStatus($path: [String!]!) {
  assetNodeOrError(assetKey: {path: $path}) {
    ... on AssetNode {
      assetPartitionStatuses {
        ... on MultiPartitionStatuses { primaryDimensionName ranges { primaryDimStartKey primaryDimEndKey } }
        ... on DefaultPartitionStatuses { materializedPartitions failedPartitions }
      }
      partitionKeysByDimension { name partitionKeys }
    }
  }
}"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[2, 50, 200], help="dashboard counts (default 2 50 200)"
    )
    parser.add_argument("--no-ui", action="store_true", help="skip the GraphQL partition-status query")
    return parser.parse_args()


def months_back(count: int) -> date:
    today = date.today()
    index = today.year * 12 + today.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


class Ticks:
    """The sensors of one code location ticking against one instance, as the daemon runs them."""

    def __init__(self, defs, instance, sim):
        self.defs, self.instance, self.sim = defs, instance, sim
        self.cursors: dict[str, str | None] = {}

    def requests(self) -> int:
        return sum(self.sim.stats()["calls"].values())

    def tick(self, name: str) -> tuple[float, int, object]:
        import dagster as dg

        before, begun = self.requests(), time.perf_counter()
        with dg.build_sensor_context(
            instance=self.instance,
            instance_ref=self.instance.get_ref(),
            cursor=self.cursors.get(name),
            definitions=self.defs,
            resources={"recast": self.defs.resources["recast"]},
        ) as context:
            result = self.defs.resolve_sensor_def(name).evaluate_tick(context)
        self.cursors[name] = result.cursor
        for request in result.dynamic_partitions_requests:
            self.instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        for event in result.asset_events:
            self.instance.report_runless_asset_event(event)
        return time.perf_counter() - begun, self.requests() - before, result


def measure(n: int, work: Path, ui: bool) -> dict:
    import dagster as dg

    from recast_pipeline.orchestration.code_location import build_definitions
    from recast_pipeline.orchestration.partitions import Partitioning
    from recast_pipeline.orchestration.resources import RecastResource, RecastWarehouse
    from recast_pipeline.simulator.config import SimulatorConfig
    from recast_pipeline.simulator.server import serve_in_thread

    figures: dict = {}
    home = work / f"home-{n}"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    with (
        serve_in_thread(SimulatorConfig(latency=0.0, jitter=0.0, log_level="error", readings={"dashboards": n})) as sim,
        dg.DagsterInstance.from_config(str(home)) as instance,
    ):
        recast = RecastResource(base_url=sim.base_url, client_slug=sim.client_slug, token=sim.token)
        defs = build_definitions(
            Partitioning(months_back(MONTHS)), recast, RecastWarehouse(data_dir=str(work / f"data-{n}"))
        )
        ticks = Ticks(defs, instance, sim)
        figures["refresh_first"] = ticks.tick("recast_model_refresh_sensor")[:2]
        figures["refresh_quiet"] = ticks.tick("recast_model_refresh_sensor")[:2]
        figures["month_first"] = ticks.tick("recast_month_ready_sensor")[:2]
        figures["month_quiet"] = ticks.tick("recast_month_ready_sensor")[:2]
        evaluation = dg.evaluate_automation_conditions(defs, instance)  # the baseline the sensor keeps in its cursor
        refreshed = max(1, n // 100)
        for dashboard in sim.store.registry.dashboards()[:refreshed]:
            sim.refresh_model(dashboard)
        figures["refresh_after"] = (*ticks.tick("recast_model_refresh_sensor")[:2], refreshed)
        begun = time.perf_counter()
        evaluation = dg.evaluate_automation_conditions(defs, instance, cursor=evaluation.cursor)
        requested = sum(
            len(evaluation.get_requested_partitions(key) or ())
            for key in defs.resolve_asset_graph().materializable_asset_keys
        )
        figures["automation"] = (time.perf_counter() - begun, requested)
        if ui:
            figures["partition_status"] = partition_status(home, sim, work, n)
    return figures


def partition_status(home: Path, sim, work: Path, n: int) -> tuple[float, int]:
    """The asset page's partition query for recast/compute_spend_summary, timed through a real webserver."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "RECAST_BASE_URL": sim.base_url,
        "RECAST_CLIENT_SLUG": sim.client_slug,
        "RECAST_PAT": sim.token,
        "RECAST_DATA_DIR": str(work / f"data-{n}"),
        "RECAST_PARTITIONS_START": months_back(MONTHS).isoformat(),
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("dagster-webserver")),
            "-m",
            "recast_pipeline.definitions",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        env=env,
        cwd=_common.REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/graphql"
        deadline = time.monotonic() + 120
        while True:
            try:
                post(url, "{ version }")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("dagster-webserver did not start") from None
                time.sleep(0.5)
        post(url, PARTITION_STATUS, {"path": ["recast", "compute_spend_summary"]})  # warm: the code location loads
        times = []
        for _ in range(3):
            begun = time.perf_counter()
            data = post(url, PARTITION_STATUS, {"path": ["recast", "compute_spend_summary"]})
            times.append(time.perf_counter() - begun)
        keys = data["data"]["assetNodeOrError"]["partitionKeysByDimension"]
        count = 1
        for dimension in keys:
            count *= len(dimension["partitionKeys"])
        return sorted(times)[1], count
    finally:
        server.terminate()
        server.wait(30)


def post(url: str, query: str, variables: dict | None = None) -> dict:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def load_time() -> float:
    """Seconds to import the code location in a fresh process (median of 3)."""
    times = []
    for _ in range(3):
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                "import time; t = time.perf_counter(); import recast_pipeline.definitions; "
                "print(time.perf_counter() - t)",
            ],
            capture_output=True,
            text=True,
            cwd=_common.REPO,
            check=True,
        )
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return sorted(times)[1]


def main() -> int:
    import warnings

    import dagster as dg

    warnings.filterwarnings("ignore", category=dg.BetaWarning)  # Dagster's own notices, printed per evaluation
    args = parse_args()
    print(
        f"Scale benchmark, N = {', '.join(map(str, args.sizes))} dashboards x {MONTHS} months; machine: "
        f"{_common.machine()}"
    )
    results = {}
    with tempfile.TemporaryDirectory(prefix="recast-scale-") as scratch:
        for n in args.sizes:
            results[n] = measure(n, Path(scratch), not args.no_ui)
    rows = [("code location import", f"{load_time():.2f} s (the same for every N: dashboards are dynamic partitions)")]
    labels = {
        "refresh_first": "refresh sensor, first tick",
        "refresh_quiet": "refresh sensor, quiet tick",
        "refresh_after": "refresh sensor, 1% refreshed",
        "month_first": "month sensor, first tick",
        "month_quiet": "month sensor, quiet tick",
        "automation": "automation, 1% refreshed",
        "partition_status": "GraphQL partition status",
    }
    for key, label in labels.items():
        cells = []
        for n, figures in results.items():
            if key not in figures:
                continue
            value = figures[key]
            extra = {"automation": f", {value[1]} requested", "partition_status": f", {value[1]:,} keys"}.get(
                key, f", {value[1]} requests" + (f" ({value[2]} refreshed)" if key == "refresh_after" else "")
            )
            cells.append(f"N={n}: {value[0]:.2f} s{extra}")
        if not cells:
            continue
        sizes = [n for n in results if key in results[n]]
        if len(sizes) >= 2 and sizes[-1] > sizes[-2]:
            a, b = sizes[-2], sizes[-1]
            slope = max(0.0, (results[b][key][0] - results[a][key][0]) / (b - a))  # noise can make it negative
            cells.append(f"-> N=1000: {results[b][key][0] + slope * (1000 - b):.1f} s")
        rows.append((label, "; ".join(cells)))
    print("\nScale")
    print(_common.table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
