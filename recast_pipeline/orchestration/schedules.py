"""Cron schedules for users who prefer the clock to automation; shipped STOPPED (automation is on).

Declarative automation reacts to what Recast does (a month the model now covers, a refresh);
schedules only to the clock. Turn one of these on in the UI if your team wants a fixed time, and
the component's automation off (``automation: {enabled: false}``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import dagster as dg

from recast_pipeline.orchestration.jobs import DASHBOARD_JOB, MONTHLY_JOB
from recast_pipeline.orchestration.specs import AssetOptions

NO_DASHBOARDS = "No dashboards known yet: the sensors (or `recast-pipeline dashboards sync`) add them"


def build_schedules(
    jobs: list[dg.UnresolvedAssetJobDefinition], options: AssetOptions = AssetOptions()
) -> list[dg.ScheduleDefinition]:
    by_name = {job.name: job for job in jobs}
    monthly_job, dashboard_job = options.scoped(MONTHLY_JOB), options.scoped(DASHBOARD_JOB)
    schedules = []
    if monthly_job in by_name:

        def month_that_closed(day: date, dashboards: list[str]) -> list[dg.RunRequest]:
            # Written out rather than build_schedule_from_partitioned_job, which calls a deprecated API.
            month = (day.replace(day=1) - timedelta(days=1)).replace(day=1).isoformat()
            return [dg.RunRequest(run_key=f"monthly:{month}:{d}", partition_key=f"{d}|{month}") for d in dashboards]

        schedules.append(
            _cron_schedule(
                options.scoped("recast_monthly_reports_schedule"),
                "0 6 2 * *",
                by_name[monthly_job],
                "On the 2nd of each month at 06:00 UTC, the month that just closed, for every dashboard",
                month_that_closed,
            )
        )
    if dashboard_job in by_name:

        def every_dashboard(day: date, dashboards: list[str]) -> list[dg.RunRequest]:
            return [dg.RunRequest(run_key=f"weekly:{day.isoformat()}:{d}", partition_key=d) for d in dashboards]

        schedules.append(
            _cron_schedule(
                options.scoped("recast_dashboard_reports_schedule"),
                "0 6 * * 1",
                by_name[dashboard_job],
                "Mondays at 06:00 UTC, every dashboard's model, clean data, spikes and shift curves",
                every_dashboard,
            )
        )
    return schedules


def _cron_schedule(
    name: str,
    cron: str,
    job: dg.UnresolvedAssetJobDefinition,
    description: str,
    requests: Callable[[date, list[str]], list[dg.RunRequest]],
) -> dg.ScheduleDefinition:
    """A STOPPED schedule asking ``requests`` for the runs of the dashboards the instance knows."""

    @dg.schedule(
        name=name, cron_schedule=cron, job=job, description=description, default_status=dg.DefaultScheduleStatus.STOPPED
    )
    def evaluate(context: dg.ScheduleEvaluationContext):
        dashboards = _dashboards(context, job.name)
        if not dashboards:
            return dg.SkipReason(NO_DASHBOARDS)
        return requests(context.scheduled_execution_time.date(), dashboards)

    return evaluate


def _dashboards(context: dg.ScheduleEvaluationContext, job_name: str) -> list[str]:
    """The dashboards the instance knows, from the job's (resolved) partitions definition."""
    # An asset job gets its partitions definition only when the code location resolves it.
    partitions_def = context.repository_def.get_job(job_name).partitions_def
    if isinstance(partitions_def, dg.MultiPartitionsDefinition):
        partitions_def = partitions_def.get_partitions_def_for_dimension("dashboard")
    assert partitions_def is not None  # the report jobs select partitioned assets only
    return list(partitions_def.get_partition_keys(dynamic_partitions_store=context.instance))
