"""Cron schedules for users who prefer them to sensors; shipped STOPPED (the sensors are on).

The sensors react to what Recast does (a refit, a month the model now covers); schedules only to
the clock. Turn one of these on in the UI if your team wants a fixed time, and the matching sensor off.
"""

from __future__ import annotations

import dagster as dg

from recast_pipeline.orchestration.jobs import DASHBOARD_JOB, MONTHLY_JOB


def build_schedules(jobs: list[dg.UnresolvedAssetJobDefinition]) -> list[dg.ScheduleDefinition]:
    by_name = {job.name: job for job in jobs}
    monthly = dg.build_schedule_from_partitioned_job(
        by_name[MONTHLY_JOB],
        name="recast_monthly_reports_schedule",
        description="On the 2nd of each month at 06:00 UTC, the month that just closed, for every dashboard",
        day_of_month=2,
        hour_of_day=6,
        default_status=dg.DefaultScheduleStatus.STOPPED,
    )

    @dg.schedule(
        name="recast_dashboard_reports_schedule",
        cron_schedule="0 6 * * 1",
        job=by_name[DASHBOARD_JOB],
        description="Mondays at 06:00 UTC, every dashboard's model, clean data, spikes and shift curves",
        default_status=dg.DefaultScheduleStatus.STOPPED,
    )
    def dashboard_schedule(context: dg.ScheduleEvaluationContext):
        week = context.scheduled_execution_time.date().isoformat()
        # An asset job gets its partitions definition only when the code location resolves it.
        partitions_def = context.repository_def.get_job(DASHBOARD_JOB).partitions_def
        keys = partitions_def.get_partition_keys(dynamic_partitions_store=context.instance)
        if not keys:
            return dg.SkipReason("No dashboards known yet: the sensors (or `recast-pipeline dashboards sync`) add them")
        return [dg.RunRequest(run_key=f"weekly:{week}:{key}", partition_key=key) for key in keys]

    return [monthly, dashboard_schedule]
