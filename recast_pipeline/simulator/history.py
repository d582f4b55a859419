"""An account's past: reports made before the current model versions (``history_reports``).

Why: a real account holds thousands of reports from earlier runs, UI sessions and past refreshes.
Whatever the pipeline reads per run or per sensor tick must not grow with them, and a test can
only prove that against a simulator that has them. They are cheap: finished at once, spread over
every report type and deployment, every tenth one pre-rendered (an earlier render), all created
before the deployments' latest refresh and with lower ids than anything made later. The newest is
older than the client's default reuse horizon (14 days): where deployments do not say when they
were refreshed (``deployment_fields=id_name``), the lookup reads the list down to that horizon, and
what must not grow is the cost of everything older.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Iterator

from .registry import DeploymentRecord
from .reporttypes import TYPES, dashboard_form

if TYPE_CHECKING:
    from .data import ModelData

HISTORY_END = dt.timedelta(days=15)  # the newest history report is this much older than the deployments
SPACING = dt.timedelta(minutes=7)


def history_rows(records: list[DeploymentRecord], models: dict[int, ModelData], count: int) -> Iterator[dict]:
    """``count`` report fields, oldest first (the store gives them ids in this order)."""
    if count <= 0 or not records:
        return
    newest = min(r.created_at for r in records) - HISTORY_END
    names = sorted(TYPES)
    for i in range(count):
        record = records[i % len(records)]
        report_type = names[(i // len(records)) % len(names)]
        form = dashboard_form(report_type, models[record.id])
        yield dict(
            name=f"history {i}: {report_type}",
            report_type=report_type,
            form=form,
            deployment_id=record.id,
            model_version=record.version,
            prerendered=i % 10 == 9,
            created_at=newest - SPACING * (count - 1 - i),
        )
