"""Materialization metadata a user reads in the UI: which Recast report, with what form, how long."""

from __future__ import annotations

from typing import Any, Sequence

import dagster as dg

RECAST_APP_URL = "https://app.getrecast.com/clients/{slug}/reports/{report_id}"


def report_url(client_slug: str, report_id: int) -> str:
    return RECAST_APP_URL.format(slug=client_slug, report_id=report_id)


def report_metadata(partitions: Sequence, client_slug: str) -> dict[str, Any]:
    """Report-level metadata of one asset's output (warehouse facts are added by the IO manager)."""
    first = partitions[0]
    metadata: dict[str, Any] = {
        "recast/report_id": first.report.id if len(partitions) == 1 else None,
        "recast/report_url": dg.MetadataValue.url(report_url(client_slug, first.report.id)),
        "recast/form": dg.MetadataValue.json(dict(first.job.form)),
        "recast/reports": dg.MetadataValue.json(
            {
                str(p.job.tag): {
                    "report_id": p.report.id,
                    "reused": p.reused,
                    "prerendered": p.report.prerendered,
                    "queued_s": round(p.queued_seconds, 2),
                    "waited_s": round(p.waited_seconds, 2),
                    "landed_s": round(p.landed_seconds, 2),
                }
                for p in partitions
            }
        ),
        "recast/reports_reused": sum(1 for p in partitions if p.reused),
        "recast/queued_seconds": round(max(p.queued_seconds for p in partitions), 2),
        "recast/waited_seconds": round(max(p.waited_seconds for p in partitions), 2),
    }
    return {key: value for key, value in metadata.items() if value is not None}


def failure_summary(failures: Sequence) -> str:
    lines = [f"{len(failures)} Recast report(s) failed; nothing of their assets was loaded:"]
    for failure in failures:
        report = f"report {failure.report_id}" if failure.report_id else "no report"
        lines.append(
            f"- {failure.job.report_type} [{failure.job.tag}] ({report}): {failure.error}\n  form: {dict(failure.job.form)}"
        )
    return "\n".join(lines)
