"""``dagster dev`` (or ``recast-pipeline dev``) in its own process group, with a small GraphQL client."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

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


class DagsterDev:
    """A UI process (``dagster dev`` gets ``-p``/``-h`` added) started in ``cwd``; stop() ends its whole group."""

    def __init__(self, command: list[str], cwd: Path, env: dict[str, str], log: Path, port: int | None = None):
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
            self.process.wait(timeout=20)
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


def runs(dev: DagsterDev, **run_filter) -> list[dict]:
    data = dev.graphql(RUNS_QUERY, filter=run_filter)["runsOrError"]
    assert data["__typename"] == "Runs", data
    return data["results"]
