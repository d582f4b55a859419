"""``dagster dev`` (or ``recast-pipeline dev``) in its own process group, with a small GraphQL client;
and the demo's project folder, made once per test session and copied for each test that uses it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
from filelock import FileLock

REPO = Path(__file__).resolve().parent.parent
STOP_GRACE = 5.0  # seconds dagster dev gets to stop on SIGTERM (a graceful stop takes 20 s or more) before SIGKILL
DEMO_TIMEOUT = 300.0  # seconds; a test that is first to use ``demo_project`` adds this to its own bound
DEMO_COMMAND = ["recast_pipeline.cli.main", "demo", "--months", "1", "--latency", "0.3"]

REPOSITORIES_QUERY = """
{ repositoriesOrError { __typename ... on RepositoryConnection { nodes {
    name location { name } sensors { name sensorState { id selectorId status } } } } } }
"""
RUNS_QUERY = """
query ($filter: RunsFilter!) { runsOrError(filter: $filter) { __typename
  ... on Runs { results { runId status jobName tags { key value } } } ... on PythonError { message } } }
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def before(deadline: float, what: str) -> None:
    assert time.monotonic() < deadline, f"timed out waiting for {what}"


MARKER_VARIABLE = "RECAST_TEST_PROCESS_MARKER"


def marked_processes(marker: str) -> list[int]:
    """PIDs whose environment holds ``MARKER_VARIABLE=marker``: every process a ``DagsterDev`` started,
    also those that left its process group (``recast-pipeline dev`` starts ``dagster dev`` in its own)."""
    needle = f"{MARKER_VARIABLE}={marker}".encode()
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:  # gone, or not ours
            continue
    return found


class DagsterDev:
    """A UI process (``dagster dev`` gets ``-p``/``-h`` added) started in ``cwd``; stop() ends its whole
    group and every process that inherited its marker variable (``marked_processes``)."""

    def __init__(self, command: list[str], cwd: Path, env: dict[str, str], log: Path, port: int | None = None):
        self.marker = uuid.uuid4().hex
        env = {**env, MARKER_VARIABLE: self.marker}
        if port is None:
            port = free_port()
            command = [*command, "-p", str(port), "-h", "127.0.0.1"]
        self.port = port
        self.url = f"http://127.0.0.1:{port}/graphql"
        self.log = log
        self._log_file = open(log, "wb")
        self.process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=self._log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.http = httpx.Client(timeout=30.0)

    def graphql(self, query: str, **variables) -> dict:
        response = self.http.post(self.url, json={"query": query, "variables": variables})
        response.raise_for_status()
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def wait_ready(self, deadline: float) -> None:
        while True:
            assert self.process.poll() is None, f"the UI process exited:\n{self.tail()}"
            try:
                data = self.graphql(REPOSITORIES_QUERY)["repositoriesOrError"]
                if data["__typename"] == "RepositoryConnection" and data["nodes"]:
                    return
            except (httpx.HTTPError, AssertionError):
                pass
            before(deadline, f"the webserver to load the code location\n{self.tail()}")
            time.sleep(1.0)

    def tail(self, lines: int = 60) -> str:
        self._log_file.flush()
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        self.http.close()
        try:
            os.killpg(self.process.pid, signal.SIGTERM)  # dagster dev, webserver, daemon, code server, runs
            self.process.wait(timeout=STOP_GRACE)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        finally:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)  # anything left in the group
            except ProcessLookupError:
                pass
            for pid in marked_processes(self.marker):  # and anything that left it
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self._log_file.close()


def graphql_selector(dev: DagsterDev, kind: str, name: str) -> tuple[dict, dict]:
    """The selector of a sensor (``kind="sensors"``) and its state, by name."""
    repositories = dev.graphql(REPOSITORIES_QUERY)["repositoriesOrError"]["nodes"]
    for repository in repositories:
        for item in repository[kind]:
            if item["name"] == name:
                selector = {
                    "repositoryName": repository["name"],
                    "repositoryLocationName": repository["location"]["name"],
                    "sensorName": name,
                }
                return selector, item["sensorState"]
    raise AssertionError(f"{name} not found in {repositories}")


LAUNCH = """
mutation ($params: ExecutionParams!) { launchRun(executionParams: $params) { __typename
  ... on LaunchRunSuccess { run { runId } } ... on PythonError { message }
  ... on InvalidSubsetError { message } ... on RunConfigValidationInvalid { errors { message } } } }
"""


def launch_partition(
    dev: DagsterDev,
    job: str,
    asset: list[str],
    partition: str,
    location: str = "recast_pipeline",
    repository: str = "__repository__",
) -> str:
    """Launch ``job`` for one asset's partition through GraphQL, as the UI does; returns the run id."""
    tags = [{"key": "dagster/partition", "value": partition}]
    if "|" in partition:
        dashboard, month = partition.split("|")
        tags += [
            {"key": "dagster/partition/dashboard", "value": dashboard},
            {"key": "dagster/partition/month", "value": month},
        ]
    params = {
        "selector": {
            "repositoryLocationName": location,
            "repositoryName": repository,
            "jobName": job,
            "assetSelection": [{"path": asset}],
        },
        "executionMetadata": {"tags": tags},
    }
    launched = dev.graphql(LAUNCH, params=params)["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    return launched["run"]["runId"]


def runs(dev: DagsterDev, **run_filter) -> list[dict]:
    data = dev.graphql(RUNS_QUERY, filter=run_filter)["runsOrError"]
    assert data["__typename"] == "Runs", data
    return data["results"]


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any Recast or Dagster variable (a newcomer's shell), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECAST_", "API_PAT", "DAGSTER_"))}
    return {**env, **extra}


@dataclass(frozen=True)
class DemoProject:
    """A folder where README's command 1 (``recast-pipeline demo``) ran, with what it printed.

    Why shared: the demo is the costliest step of the end-to-end tests; they need its result, not
    a run of their own. Tests read ``stdout``/``stderr`` and work on a ``copy`` (dagster dev writes
    to the instance and the warehouse), so none sees what another did.
    """

    folder: Path
    stdout: str
    stderr: str

    def copy(self, dest: Path) -> Path:
        shutil.copytree(self.folder, dest, symlinks=True)
        return dest


def shared_demo(folder: Path, timeout: float = DEMO_TIMEOUT) -> DemoProject:
    """The demo run once for all pytest-xdist workers: the first worker to ask runs it in ``folder``
    (a path every worker of the session shares) under a file lock; the others wait on the lock and
    read what it printed. A failed demo leaves nothing, so the next worker to ask tries again."""
    printed = folder.with_name(folder.name + ".printed.json")
    with FileLock(str(folder) + ".lock", timeout=2 * timeout):
        if printed.exists():
            output = json.loads(printed.read_text())
            return DemoProject(folder, output["stdout"], output["stderr"])
        shutil.rmtree(folder, ignore_errors=True)
        project = run_demo(folder, timeout)
        printed.write_text(json.dumps({"stdout": project.stdout, "stderr": project.stderr}))
        return project


def run_demo(folder: Path, timeout: float = DEMO_TIMEOUT) -> DemoProject:
    """``recast-pipeline demo`` in ``folder`` with copies of the repository's dagster.yaml and workspace.yaml
    (what the repository root gives ``dagster dev``); fails the calling test with the demo's output if it fails."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("dagster.yaml", "workspace.yaml"):
        shutil.copy(REPO / name, folder / name)
    done = subprocess.run(
        [sys.executable, "-m", *DEMO_COMMAND],
        cwd=folder,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return DemoProject(folder, done.stdout, done.stderr)
