"""One self-contained HTML page per dashboard: the plots Recast's downloads leave out, from the warehouse.

Why self-contained: the page is mailed, attached to tickets and opened offline, so it carries its
images inline (PNG as ``data:`` URIs), its style in a ``<style>`` element, no script and no URL to
fetch. Every section reads ``recast_marts`` (or ``recast_meta``); KPI series without a mart go
through ``series`` (layout-recognized). A section with nothing to show says why in one line.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape
from pathlib import Path

from recast_pipeline.charts import partition, queries
from recast_pipeline.charts.chart_types import Unavailable
from recast_pipeline.warehouse.literals import LiteralParameters

SECTIONS = ("spend", "roi", "refits", "model-fit", "loads")
CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 980px;
color: #222; }
h1 { font-size: 1.5rem; margin-bottom: 0.2rem; } h2 { font-size: 1.15rem; border-bottom: 1px solid #ddd;
padding-bottom: 0.2rem; }
.meta, .note { color: #666; font-size: 0.9rem; } img { max-width: 100%; height: auto; display: block; margin:
0.5rem 0; }
table { border-collapse: collapse; font-size: 0.8rem; margin: 0.5rem 0; } th, td { border: 1px solid #ddd;
padding: 2px 6px; }
th { background: #f4f4f4; text-align: left; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
"""


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    body: str


def _img(alt: str, png: bytes) -> str:
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'


def _note(text: str) -> str:
    return f'<p class="note">{escape(text)}</p>'


def _cell(value: object) -> str:
    if value is None:
        return "<td></td>"
    if isinstance(value, float):
        return f'<td class="n">{value:,.4g}</td>' if abs(value) < 1000 else f'<td class="n">{value:,.0f}</td>'
    if isinstance(value, int) and not isinstance(value, bool):
        return f'<td class="n">{value}</td>'
    if isinstance(value, datetime):
        value = value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"<td>{escape(str(value))}</td>"


def table(columns: list[str], rows: list[tuple], limit: int = 60) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows[:limit])
    more = _note(f"… and {len(rows) - limit} more rows") if len(rows) > limit else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


def _chart(draw, alt: str) -> str:
    """An image, or the one-line note of why it is left out (a drawing error never stops the page)."""
    try:
        result = draw()
    except Exception as error:  # noqa: BLE001 - one chart must not cost the whole report
        return _note(f"{alt}: not drawn ({type(error).__name__}: {error})")
    return _note(f"{alt}: {result.note}") if isinstance(result, Unavailable) else _img(alt, result)


def _spend(con, dashboard: str, months: list[str]) -> Section:
    from recast_pipeline.charts import draw_report

    spend = queries.monthly_spend(con, dashboard, months)
    if not spend:
        return Section("spend", "Spend over time", _note("No spend loaded (compute_spend_summary) for these months."))
    chart = _chart(lambda: draw_report.monthly_spend_chart(dashboard, spend), "Spend per month and channel")
    rows = [(m[:7], sum(by.values()), max(by, key=by.__getitem__)) for m, by in sorted(spend.items())]
    return Section("spend", "Spend over time", chart + table(["month", "spend", "largest channel"], rows))


def _roi(con, dashboard: str, months: list[str]) -> Section:
    from recast_pipeline.charts import draw_report

    roi = queries.monthly_roi(con, dashboard, months)
    if not roi:
        return Section(
            "roi", "ROI per channel and month", _note("No ROI loaded (compute_insights_overview) for these months.")
        )
    chart = _chart(lambda: draw_report.roi_by_month_chart(dashboard, roi, months), "Total ROI per channel and month")
    latest = max(m for by in roi.values() for m in by)
    rows = [(c, by[latest].median, by[latest].p05, by[latest].p95) for c, by in sorted(roi.items()) if latest in by]
    return Section(
        "roi",
        "ROI per channel and month",
        chart + f"<p>{escape(latest[:7])}:</p>" + table(["channel", "ROI (median)", "5%", "95%"], rows),
    )


def _refits(con, dashboard: str) -> Section:
    changes = queries.refit_changes(con, dashboard, limit=partition.REFIT_CHANGES)
    if not changes:
        return Section(
            "refits", "The last refit's changes", _note("No refit yet: every month was loaded from one model version.")
        )
    chart = _chart(lambda: partition.refit_png(con, dashboard, None, None), "Largest changes of the last refit")
    rows = [
        (
            c.partition_key[:7],
            c.measure,
            c.channel,
            c.before,
            c.after,
            None if c.rel_change is None else f"{100 * c.rel_change:+.1f}%",
        )
        for c in changes
    ]
    return Section(
        "refits",
        "The last refit's changes",
        chart + table(["month", "measure", "channel", "before", "after", "change"], rows),
    )


def _model_fit(con, dashboard: str, months: list[str]) -> Section:
    parts = []
    for report_type, alt, draw in (
        (partition.series.FIT, "Model fit", partition.model_fit_png),
        (partition.series.BASELINE, "Baseline vs marketing-driven KPI", partition.baseline_png),
    ):
        loaded = [
            m
            for (m,) in con.execute(
                "SELECT DISTINCT partition_key FROM recast_meta.reports WHERE dashboard = ? AND report_type = ? ORDER "
                "BY 1",
                [dashboard, report_type],
            ).fetchall()
            if not months or m >= months[0]
        ]
        if not loaded:
            parts.append(_note(f"{alt}: no {report_type} loaded for these months."))
            continue
        parts.append(f"<p>{escape(alt)}, {escape(loaded[-1][:7])}:</p>")
        parts.append(_chart(lambda d=draw, m=loaded[-1]: d(con, dashboard, m), alt))
    return Section("model-fit", "Model fit", "".join(parts))


def _loads(con, dashboard: str) -> Section:
    columns, rows = queries.loads(con, dashboard)
    return Section(
        "loads", "What was loaded when", table(columns, rows, limit=200) if rows else _note("Nothing loaded.")
    )


def render(con, dashboard: str, months: int, source: str) -> str:
    """The page for ``dashboard`` over its last ``months`` months (``source``: where the warehouse is)."""
    con = LiteralParameters(con)  # values as SQL literals: DuckDB need not import pandas and pyarrow to bind them
    keys = queries.months(con, dashboard, months)
    sections = [
        _spend(con, dashboard, keys),
        _roi(con, dashboard, keys),
        _refits(con, dashboard),
        _model_fit(con, dashboard, keys),
        _loads(con, dashboard),
    ]
    span = f"{keys[0][:7]} to {keys[-1][:7]}" if keys else "no months"
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    nav = " · ".join(f'<a href="#{s.id}">{escape(s.title)}</a>' for s in sections)
    body = "".join(f'<section id="{s.id}"><h2>{escape(s.title)}</h2>{s.body}</section>' for s in sections)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Recast report: '
        f"{escape(dashboard)}</title>"
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head><body>'
        f'<h1>Recast report: {escape(dashboard)}</h1><p class="meta">{escape(span)} · warehouse {escape(source)} · '
        f"generated {generated}</p><nav>{nav}</nav>{body}</body></html>\n"
    )


def write_report(warehouse, dashboard: str, out: Path, months: int = 12) -> Path:
    """Render from ``warehouse`` (a ``Warehouse``: file or DuckLake) and write ``out`` atomically."""
    with warehouse.reading() as con:
        if con is None:
            raise FileNotFoundError(f"no warehouse at {warehouse.describe()} yet")
        known = queries.dashboards(con)
        if dashboard not in known:
            raise LookupError(
                f"dashboard {dashboard!r} has nothing loaded; the warehouse knows {', '.join(known) or 'none'}"
            )
        page = render(con, dashboard, months, warehouse.describe())
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_text(page, encoding="utf-8")
    partial.replace(out)
    return out
