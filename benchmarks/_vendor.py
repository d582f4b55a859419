"""The vendor's sample approach, run for real: one report at a time, fixed polls, then downloads."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from urllib.parse import quote


def vendor_report(http, form: dict, poll: float, dest: Path) -> float:
    """Create one report, poll every ``poll`` seconds until it succeeds, download every key."""
    begun = time.monotonic()
    response = http.post("/reports", json={"name": "vendor sample loop", "show_in_ui": False, "form": form})
    response.raise_for_status()
    report_id = response.json()["id"]
    while True:
        time.sleep(poll)
        report = http.get(f"/reports/{report_id}").json()
        if report["status"] == "success":
            break
        if report["status"] not in ("ready", "processing"):
            raise RuntimeError(f"vendor loop: report {report_id} ended {report['status']}")
    dest.mkdir(parents=True, exist_ok=True)
    for index, download in enumerate(report["results"]["downloads"]):
        csv = http.get(
            f"/reports/{report_id}/downloads/{quote(download['key'], safe='')}", headers={"Accept": "text/csv"}
        )
        csv.raise_for_status()
        (dest / f"{report_id}-{index}.csv").write_bytes(csv.content)
    return time.monotonic() - begun


def run_vendor_sample(sim, forms: list[dict], args: argparse.Namespace, dest: Path) -> dict:
    sample, seen = [], set()
    for form in forms:  # one form per report type, as varied as the sample allows
        if form["report_type"] not in seen:
            seen.add(form["report_type"])
            sample.append(form)
    sample = sample[: args.vendor_sample]
    print(f"Vendor loop (one at a time, {args.vendor_poll:g} s polls) on {len(sample)} report(s)...")
    with sim.http_client(timeout=60.0) as http:
        times = [vendor_report(http, form, args.vendor_poll, dest) for form in sample]
    return {"sample": len(sample), "per_report": sum(times) / len(times) if times else float("nan"), "times": times}
