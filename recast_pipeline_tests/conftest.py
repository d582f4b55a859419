"""Shared pytest fixtures: simulators on loopback ports.

``simulator``: a fresh simulator per test (latency 0.1 s, no jitter, token
``gr_test_secret_token_123``, slug ``acme``, seed 7).
``simulator_factory(**overrides)``: start more simulators with other ``SimulatorConfig`` fields
(e.g. ``faults={"rate_limit_burst": 2}``); all are stopped when the test ends.
``demo_project``: the folder ``recast-pipeline demo`` left, made once per session and shared by the
xdist workers (the first one runs it, the others wait for it: ``shared_demo``); tests read it and
work on ``demo_project.copy(...)``.
"""

from __future__ import annotations

import os

import pytest
from e2e_helpers import DemoProject, run_demo, shared_demo
from fakes import FAST, simulator_pool

from recast_pipeline.recast.client import RecastClient

TEST_TOKEN = "gr_test_secret_token_123"
TEST_SLUG = "acme"
TEST_SIMULATOR_DEFAULTS = dict(token=TEST_TOKEN, client_slug=TEST_SLUG, latency=0.1, jitter=0.0, seed=7)


@pytest.fixture
def simulator_factory():
    with simulator_pool(TEST_SIMULATOR_DEFAULTS) as start:
        yield start


@pytest.fixture
def connect():
    """``connect(sim, **overrides)``: a fast-retrying client for a simulator, closed after the test."""
    made = []

    def connect(sim, **overrides) -> RecastClient:
        client = RecastClient(sim.base_url, sim.client_slug, overrides.pop("token", sim.token), **{**FAST, **overrides})
        made.append(client)
        return client

    yield connect
    for client in made:
        client.close()


@pytest.fixture
def simulator(simulator_factory):
    return simulator_factory()


@pytest.fixture(scope="session")
def demo_project(tmp_path_factory) -> DemoProject:
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # not distributed (also with -p no:xdist, which has no worker_id)
        return run_demo(tmp_path_factory.mktemp("demo_project"))
    return shared_demo(tmp_path_factory.getbasetemp().parent / "demo_project")
