"""``recast-pipeline simulator``: argument defaults, the banner, serving, and ``--refresh``."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

import httpx

from recast_pipeline.cli import simulator as cli
from recast_pipeline.simulator.readings import Readings


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return parser.parse_args(argv)


def test_defaults_are_the_documented_ones():
    args = parse()
    assert (args.host, args.port, args.latency, args.jitter) == ("127.0.0.1", 8765, 5.0, 1.0)
    assert (args.token, args.client_slug, args.seed) == ("gr_local_simulator_token", "demo-client", 7)
    assert args.refresh_every is None and args.refresh is None


def test_banner_prints_pasteable_exports():
    config = cli._config(parse("--client-slug", "acme", "--token", "gr_x", "--data-end", "2025-01-31"))
    text = cli.banner(config, 9999)
    assert "export RECAST_BASE_URL=http://127.0.0.1:9999" in text.splitlines()
    assert "export RECAST_CLIENT_SLUG=acme" in text and "export RECAST_PAT=gr_x" in text
    assert "export RECAST_DASHBOARDS=revenue,signups" in text and "2025-01-31" in text
    assert "Readings: the documented defaults" in text


def test_invalid_settings_exit_2(capsys):
    from recast_pipeline.cli.main import main

    assert main(["simulator", "--latency", "-1"]) == 2
    assert capsys.readouterr().err.startswith("error: invalid simulator settings: latency")
    assert main(["simulator", "--reading", "downloads=ftp"]) == 2
    assert "downloads" in capsys.readouterr().err
    assert main(["simulator", "--reading", "max_per_page=ten"]) == 2
    assert main(["simulator", "--reading", "downloads"]) == 2
    assert all(line.startswith("error: invalid simulator settings") for line in capsys.readouterr().err.splitlines())


def test_reading_and_unfriendly_flags():
    config = cli._config(parse("--reading", "downloads=redirect", "--reading", "redirect_status=307"))
    assert (config.readings.downloads, config.readings.redirect_status, config.readings.names) == (
        "redirect",
        307,
        "verbatim",
    )
    assert cli._config(parse("--unfriendly")).readings == Readings.unfriendly()
    harsh = cli._config(parse("--unfriendly", "--reading", "max_per_page=3", "--reading", "refresh=in_place"))
    assert harsh.readings == Readings.unfriendly().replace(max_per_page=3, refresh="in_place")
    assert "Readings: downloads=redirect" in cli.banner(cli._config(parse("--reading", "downloads=redirect")), 1)


def test_refresh_option_refreshes_a_running_simulator(simulator, capsys):
    from recast_pipeline.cli.main import main

    port = simulator.base_url.rsplit(":", 1)[1]
    argv = ["simulator", "--port", port, "--token", simulator.token, "--refresh", "5716"]
    assert main(argv) == 0
    assert '"previous_deployment_id": 5716' in capsys.readouterr().out
    assert main([*argv[:-1], "signups"]) == 0
    assert '"dashboard_slug": "signups"' in capsys.readouterr().out
    assert main([*argv[:-1], "all"]) == 0
    assert [simulator.store.model_version(i) for i in simulator.deployment_ids] == [3, 3]
    capsys.readouterr()
    assert main([*argv[:-1], "42"]) == 2
    assert main(["simulator", "--port", port, "--token", "wrong", "--refresh", "5716"]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 2 and all(line.startswith("error: ") and "refused the refresh" in line for line in errors)
    assert "HTTP 401" in errors[1]


def test_refresh_option_without_a_simulator_fails_cleanly(capsys):
    from recast_pipeline.cli.main import main

    assert main(["simulator", "--port", "1", "--refresh", "5716"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: could not reach the simulator") and len(err.splitlines()) == 1


def test_serves_until_interrupted():
    command = [
        sys.executable,
        "-m",
        "recast_pipeline.cli.main",
        "simulator",
        "--port",
        "0",
        "--latency",
        "0.05",
        "--jitter",
        "0",
        "--refresh-every",
        "0.2",
        "--unfriendly",
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        lines = [process.stdout.readline() for _ in range(6)]
        base_url = next(line.split("=", 1)[1].strip() for line in lines if "RECAST_BASE_URL" in line)
        headers = {"Authorization": "Bearer gr_local_simulator_token"}
        with httpx.Client(base_url=f"{base_url}/v1/clients/demo-client", headers=headers, timeout=5) as client:
            form = {"deployment_id": 5717, "report_type": "compute_model_configuration"}
            report_id = client.post("/reports", json={"form": form}).json()["id"]
            deadline = time.monotonic() + 10
            while client.get(f"/reports/{report_id}").json()["status"] != "success" and time.monotonic() < deadline:
                time.sleep(0.05)
            redirect = client.get(f"/reports/{report_id}/downloads/tables-roi")
            assert redirect.status_code == 302  # --unfriendly: through the object store, without the token
            assert httpx.get(redirect.headers["location"]).text.startswith("CHANNEL,FUNNEL")  # long, restyled headers

            def newest() -> int:
                return max(row["id"] for row in client.get("/deployments").json()["data"])

            while newest() <= 5717 and time.monotonic() < deadline:
                time.sleep(0.05)  # --refresh-every refreshes the models: a new deployment per dashboard
            assert newest() > 5717
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
