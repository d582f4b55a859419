"""How long each report type took on Recast lately, from ``recast_meta.reports`` (latency hints).

Why: polling around a report's expected finish needs its expected run time, and the warehouse
already records every report's timings. The run time is the lesser of ``finished_at`` (when we saw
the report finished) minus ``created_at`` (Recast's creation stamp: it counts queueing on Recast's
side from before our create returned) and ``waited_seconds`` (our own wait). Both include how late
we noticed the finish, at most 5% of the hint with the window polling, so a hint settles a few
percent above Recast's run time instead of creeping up run after run; nothing here reads
``updated_at``, whose meaning the vendor leaves open. The client layer stays free of the warehouse:
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
