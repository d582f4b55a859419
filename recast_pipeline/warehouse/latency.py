"""How long each report type took on Recast lately, from ``recast_meta.reports`` (latency hints).

Why: polling around a report's expected finish needs its expected run time, and the warehouse
already records every report's timings. The run time is Recast's own (``finished_at`` minus
``created_at``, both Recast's timestamps); ``waited_seconds`` (our wait, which includes how late we
noticed the finish) stands in only where those are missing: learning from our own lateness would
make each run poll later than the one before. The client layer stays free of the warehouse:
it takes these numbers as a plain mapping (``recast.polling.latency_for`` reads it). Keys are the
report type (all dashboards) and ``"<report_type>|<dashboard>"`` where a dashboard has its own
history. Reports read from pre-rendered versions or reused when already done waited nothing and
are left out; only the most recent ``recent`` reports of each key count, so the hint follows Recast.
"""

from __future__ import annotations

import duckdb

from recast_pipeline.warehouse.errors import WarehouseError
from recast_pipeline.warehouse.meta import META_SCHEMA

MIN_WAIT = 0.05  # waits shorter than this were not computed for us (reused finished reports)

_SQL = f"""
WITH timed AS (
    SELECT report_type, dashboard, loaded_at, waited_seconds,
           CASE WHEN finished_at > created_at THEN epoch(finished_at) - epoch(created_at) END AS ran
    FROM {META_SCHEMA}.reports
    WHERE NOT coalesce(prerendered, false) AND waited_seconds >= {MIN_WAIT}
), ranked AS (
    SELECT report_type, dashboard, least(coalesce(ran, waited_seconds), waited_seconds) AS seconds,
           row_number() OVER (PARTITION BY report_type ORDER BY loaded_at DESC) AS by_type,
           row_number() OVER (PARTITION BY report_type, dashboard ORDER BY loaded_at DESC) AS by_dashboard
    FROM timed
)
SELECT report_type, NULL AS dashboard, median(seconds) FROM ranked WHERE by_type <= ? GROUP BY report_type
UNION ALL
SELECT report_type, dashboard, median(seconds) FROM ranked
WHERE by_dashboard <= ? AND dashboard IS NOT NULL GROUP BY report_type, dashboard
"""


def latency_hints(warehouse, recent: int = 50) -> dict[str, float]:
    """Median run time per report type and per (type, dashboard); empty without history.

    ``warehouse``: a ``Warehouse`` (read-only connection, waiting out a writer like every reader)."""
    try:
        _, rows = warehouse.query(_SQL, [recent, recent])
    except WarehouseError:
        return {}  # no warehouse file yet: nothing learned
    except duckdb.CatalogException:
        return {}  # a file without recast_meta yet
    hints = {}
    for report_type, dashboard, seconds in rows:
        if seconds is not None:
            hints[report_type if dashboard is None else f"{report_type}|{dashboard}"] = float(seconds)
    return hints
