"""Charts on a materialization: each loaded partition's charts as Markdown metadata with an
embedded PNG (``![title](data:image/png;base64,...)``, as Dagster's docs show images in the UI).

Why thin: what to draw and how lives in ``recast_pipeline.charts`` (no Dagster there); this turns
its ``Chart`` objects into metadata entries per partition. Drawing never fails a load: a chart
left out is a line of ``recast/chart_notes``.
"""

from __future__ import annotations

import base64
import importlib
import threading
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import dagster as dg

if TYPE_CHECKING:
    from recast_pipeline.warehouse.load_types import LoadResult

CHART_PREFIX = "recast/chart/"
NOTES = "recast/chart_notes"


def markdown(title: str, png: bytes) -> str:
    return f"![{title}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})"


def chart_entries(charts: Sequence) -> dict[str, Any]:
    """``recast/chart/<name>`` per drawn chart, and the notes of those left out."""
    entries: dict[str, Any] = {
        CHART_PREFIX + chart.name: dg.MetadataValue.md(markdown(chart.title, chart.png))
        for chart in charts
        if chart.drawn
    }
    notes = [chart.note for chart in charts if not chart.drawn]
    if notes:
        entries[NOTES] = dg.MetadataValue.md("\n".join(f"- {note}" for note in notes))
    return entries


def partition_chart_metadata(
    warehouse, results: Sequence[LoadResult], partitions: Sequence
) -> dict[str, dict[str, Any]]:
    """Per Dagster partition key, the metadata of its charts (drawn from the warehouse just loaded)."""
    from recast_pipeline.charts.partition import partition_charts

    tags = {(p.job.dashboard, p.job.partition_key): str(p.job.tag) for p in partitions}
    metadata: dict[str, dict[str, Any]] = {}
    with warehouse.reading() as con:
        if con is None:
            return {}
        for result in results:
            charts = partition_charts(
                con, result.report_type, result.dashboard, result.partition_key, refit=result.superseded_rows > 0
            )
            entries = chart_entries(charts)
            if entries:
                metadata[tags.get((result.dashboard, result.partition_key), result.partition_key)] = entries
    return metadata


def _import_drawing() -> None:
    try:
        importlib.import_module("recast_pipeline.charts.draw").warm_up()
    except Exception:  # noqa: BLE001 - a drawing that cannot import shows later, as a chart's note
        pass


def prewarm(report_types: Iterable[str]) -> threading.Thread | None:
    """Import matplotlib (and load its fonts) on a side thread while Recast computes, when a report
    type of the run gets charts: this one-time cost (about 0.6 s) then overlaps the wait instead of
    delaying the first load."""
    from recast_pipeline.charts.partition import CHARTS

    if not set(report_types) & set(CHARTS):
        return None
    thread = threading.Thread(target=_import_drawing, name="recast-charts-import")
    thread.start()
    return thread
