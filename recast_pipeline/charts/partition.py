"""A partition's charts, right after its load: which chart each report type gets, never an error.

Why it never raises: a chart is a convenience on top of data that is already loaded; a chart that
cannot be drawn (no rows, a layout not recognized, a drawing error) becomes a ``Chart`` with a
one-line note instead, and the run goes on.
"""

from __future__ import annotations

from collections.abc import Callable

from recast_pipeline.charts import queries, series
from recast_pipeline.charts.chart_types import Chart, Unavailable
from recast_pipeline.warehouse.literals import LiteralParameters

REFIT_CHANGES = 10
# report type -> the charts its partitions get (the refit chart is added after a refit)
CHARTS = {
    "compute_insights_overview": ("effects",),
    "compute_spend_summary": ("spend",),
    "compute_in_sample_model_fit": ("model_fit",),
    "compute_baseline_summary": ("baseline",),
    "compute_marketing_vs_baseline": ("baseline",),
}
TITLES = {
    "effects": "ROI and impact per channel (5-95%)",
    "spend": "Daily spend per channel and share of spend",
    "model_fit": "Model fit",
    "baseline": "Baseline vs marketing-driven KPI",
    "refit": "What the refit changed",
}
BASELINE_ROLES = ("baseline", "spikes", "marketing", "other", "actual")
FIT_ROLES = ("actual", "predicted", "predicted_p05", "predicted_p95")


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _effects(con, report_type, dashboard, key):
    from recast_pipeline.charts import draw

    data = queries.effects(con, dashboard, key)
    return data if isinstance(data, Unavailable) else draw.effects_chart(data)


def _spend(con, report_type, dashboard, key):
    from recast_pipeline.charts import draw

    data = queries.spend(con, dashboard, key)
    return data if isinstance(data, Unavailable) else draw.spend_chart(data)


def model_fit_png(con, dashboard: str, key: str) -> bytes | Unavailable:
    """Predicted vs actual KPI when the fit has such series, else its fit statistics."""
    from recast_pipeline.charts import draw

    title = f"{dashboard} · {key}: "
    fit = series.series(con, series.FIT, dashboard, key, FIT_ROLES, title + "predicted vs actual KPI")
    if not isinstance(fit, Unavailable) and {"actual", "predicted"} <= fit.values.keys():
        return draw.series_chart(fit)
    stats = series.statistics(con, series.FIT, dashboard, key, title + "in-sample fit statistics")
    if isinstance(stats, Unavailable):
        return Unavailable(
            f"{fit.note if isinstance(fit, Unavailable) else 'no predicted and actual series'}; {stats.note}"
        )
    return draw.statistics_chart(stats)


def baseline_png(con, dashboard: str, key: str, report_type: str = series.BASELINE) -> bytes | Unavailable:
    """Baseline (and spikes) from the baseline summary with the marketing-driven KPI beside it,
    from whichever of compute_baseline_summary and compute_marketing_vs_baseline the month holds."""
    from recast_pipeline.charts import draw
    from recast_pipeline.charts.chart_types import Series

    title = f"{dashboard} · {key}: baseline vs marketing-driven KPI"
    found = [
        series.series(con, rt, dashboard, key, BASELINE_ROLES, title)
        for rt in dict.fromkeys((report_type, series.BASELINE, series.MARKETING_VS_BASELINE))
    ]
    usable = [s for s in found if not isinstance(s, Unavailable) and {"baseline", "marketing"} & s.values.keys()]
    if not usable:
        return Unavailable("; ".join(s.note for s in found if isinstance(s, Unavailable)) or "no baseline series")
    main, values, labels = usable[0], dict(usable[0].values), dict(usable[0].labels)
    for other in usable[1:]:  # the other report's series of the same days fill in the roles this one lacks
        if other.periods == main.periods:
            for role, column in other.values.items():
                values.setdefault(role, column)
                labels.setdefault(role, other.labels[role])
    return draw.series_chart(Series(title, main.periods, values, labels))


def _model_fit(con, report_type, dashboard, key):
    return model_fit_png(con, dashboard, key)


def _baseline(con, report_type, dashboard, key):
    return baseline_png(con, dashboard, key, report_type)


def refit_png(con, dashboard: str, key: str | None, report_type: str | None) -> bytes | Unavailable:
    from recast_pipeline.charts import draw

    changes = queries.refit_changes(con, dashboard, key, report_type, limit=REFIT_CHANGES)
    if not changes:
        return Unavailable(f"no refit changes in recast_meta.refit_changes for {dashboard} {key or ''}".rstrip())
    scope = f"{dashboard} · {key}" if key else dashboard
    return draw.refit_chart(changes, f"{scope}: largest changes of the last refit")


def _refit(con, report_type, dashboard, key):
    return refit_png(con, dashboard, key, report_type)


BUILDERS: dict[str, Callable] = {
    "effects": _effects,
    "spend": _spend,
    "model_fit": _model_fit,
    "baseline": _baseline,
    "refit": _refit,
}


def draw_chart(name: str, con, report_type: str, dashboard: str, partition_key: str) -> Chart:
    """One chart, or its note; never raises (but for KeyboardInterrupt and the like)."""
    try:
        result = BUILDERS[name](con, report_type, dashboard, partition_key)
    except Exception as error:  # noqa: BLE001 - a chart never fails the run; the note says what happened
        return Chart(name, TITLES[name], note=_one_line(f"{name} chart not drawn: {type(error).__name__}: {error}"))
    if isinstance(result, Unavailable):
        return Chart(name, TITLES[name], note=_one_line(f"{name} chart left out: {result.note}"))
    return Chart(name, TITLES[name], png=result)


def partition_charts(con, report_type: str, dashboard: str, partition_key: str, *, refit: bool = False) -> list[Chart]:
    """The charts of one loaded partition (``refit``: its load superseded another model's rows)."""
    names = list(CHARTS.get(report_type, ())) + (["refit"] if refit else [])
    con = LiteralParameters(con)  # a bound Python value would make DuckDB import pandas and pyarrow (~0.4 s)
    return [draw_chart(name, con, report_type, dashboard, partition_key) for name in names]
