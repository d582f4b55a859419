"""Cron schedules for users who prefer the clock to automation; shipped STOPPED (automation is on).

Declarative automation reacts to what Recast does (a month the model now covers, a refresh);
schedules only to the clock. Turn one of these on in the UI if your team wants a fixed time, and
the component's automation off (``automation: {enabled: false}``).
"""

from __future__ import annotations

from datetime import timedelta

import dagster as dg

from recast_pipeline.orchestration.jobs import DASHBOARD_JOB, MONTHLY_JOB
from recast_pipeline.orchestration.specs import AssetOptions

NO_DASHBOARDS = "No dashboards known yet: the sensors (or `recast-pipeline dashboards sync`) add them"


def build_schedules(jobs: list[dg.UnresolvedAssetJobDefinition], options: AssetOptions = AssetOptions()) -> list[dg.ScheduleDefinition]:
    by_name = {job.name: job for job in jobs}
    monthly_job, dashboard_job = options.scoped(MONTHLY_JOB), options.scoped(DASHBOARD_JOB)
    schedules = []
    if monthly_job in by_name:

        @dg.schedule(
            name=options.scoped("recast_monthly_reports_schedule"),
            cron_schedule="0 6 2 * *",
            job=by_name[monthly_job],
            description="On the 2nd of each month at 06:00 UTC, the month that just closed, for every dashboard",
            default_status=dg.DefaultScheduleStatus.STOPPED,
        )
        def monthly(context: dg.ScheduleEvaluationContext):
            # Written out rather than build_schedule_from_partitioned_job, which calls a deprecated API.
            month = (context.scheduled_execution_time.date().replace(day=1) - timedelta(days=1)).replace(day=1).isoformat()
            dashboards = _dashboards(context, monthly_job)
            if not dashboards:
                return dg.SkipReason(NO_DASHBOARDS)
            return [dg.RunRequest(run_key=f"monthly:{month}:{d}", partition_key=f"{d}|{month}") for d in dashboards]

        schedules.append(monthly)
    if dashboard_job in by_name:

        @dg.schedule(
            name=options.scoped("recast_dashboard_reports_schedule"),
            cron_schedule="0 6 * * 1",
            job=by_name[dashboard_job],
            description="Mondays at 06:00 UTC, every dashboard's model, clean data, spikes and shift curves",
            default_status=dg.DefaultScheduleStatus.STOPPED,
        )
        def dashboard_schedule(context: dg.ScheduleEvaluationContext):
            week = context.scheduled_execution_time.date().isoformat()
            keys = _dashboards(context, dashboard_job)
            if not keys:
                return dg.SkipReason(NO_DASHBOARDS)
            return [dg.RunRequest(run_key=f"weekly:{week}:{key}", partition_key=key) for key in keys]

        schedules.append(dashboard_schedule)
    return schedules


def _dashboards(context: dg.ScheduleEvaluationContext, job_name: str) -> list[str]:
    """The dashboards the instance knows, from the job's (resolved) partitions definition."""
    # An asset job gets its partitions definition only when the code location resolves it.
    partitions_def = context.repository_def.get_job(job_name).partitions_def
    if isinstance(partitions_def, dg.MultiPartitionsDefinition):
        partitions_def = partitions_def.get_partitions_def_for_dimension("dashboard")
    return partitions_def.get_partition_keys(dynamic_partitions_store=context.instance)
