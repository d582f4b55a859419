"""Spend-side report tables: spend summary, share of spend vs. effect, spend vs. KPI, clean data.

``compute_spend_summary`` as written (reading ``layout=mixed``; ``layouts.py`` serves every table wide
or long instead; every number is dollars rounded to cents, summed from the rounded daily values):

- ``tables-daily`` (wide): ``Date``, one column per spend channel named by its exact label, then
  ``Total Spend ($)``; one row per day of ``[start_date, end_date]`` (inclusive, clipped to the data).
- ``tables-weekly`` (long): ``Week Start`` (the Monday; the first week may start before
  ``start_date``, only days inside the window count), ``Channel``, ``Spend ($)``, ``Share of Spend %``
  (share of that week's total; ``NA`` when the week had no spend).
- ``tables-monthly`` (wide): ``Month`` (first day of month), one column per channel, ``Total Spend ($)``.
- ``tables-total`` (long): ``Channel``, ``Spend ($)``, ``Share of Spend %``, ``Avg Daily Spend ($)``,
  ``Days With Spend``; one row per channel, no total row.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from .csvout import DownloadSpec, Table, percent, r2, r4
from .data import ModelData, stable_seed
from .periods import GRANULARITY_KEYS, form_window, groups

SPEND = "Spend ($)"


def _wide(md: ModelData, window: slice, granularity: str) -> Table:
    channels = md.deployment.channels
    rows = []
    for label, part in groups(md, window, granularity):
        values = [r2(md.spend[c][part].sum()) for c in channels]
        rows.append([label, *values, r2(sum(values))])
    return Table([GRANULARITY_KEYS[granularity], *channels, "Total Spend ($)"], rows)


def _weekly(md: ModelData, window: slice) -> Table:
    rows = []
    for label, part in groups(md, window, "weekly"):
        total = sum(r2(md.spend[c][part].sum()) for c in md.deployment.channels)
        for c in md.deployment.channels:
            spend = r2(md.spend[c][part].sum())
            rows.append([label, c, spend, percent(spend, total)])
    return Table(["Week Start", "Channel", "Spend ($)", "Share of Spend %"], rows)


def _total(md: ModelData, window: slice) -> Table:
    totals = {c: r2(md.spend[c][window].sum()) for c in md.deployment.channels}
    whole = sum(totals.values())
    days = max(window.stop - window.start, 1)
    rows = [
        [c, s, percent(s, whole), r2(s / days), int(np.count_nonzero(md.spend[c][window]))] for c, s in totals.items()
    ]
    return Table(["Channel", "Spend ($)", "Share of Spend %", "Avg Daily Spend ($)", "Days With Spend"], rows)


def spend_summary(md: ModelData, form: dict) -> list[DownloadSpec]:
    w = form_window(md, form)
    return [
        DownloadSpec("tables-daily", "Daily spend by channel", lambda: _wide(md, w, "daily"), SPEND),
        DownloadSpec("tables-weekly", "Weekly spend by channel", lambda: _weekly(md, w)),
        DownloadSpec("tables-monthly", "Monthly spend by channel", lambda: _wide(md, w, "monthly"), SPEND),
        DownloadSpec("tables-total", "Total spend by channel over the period", lambda: _total(md, w)),
    ]


def _share_rows(md: ModelData, part: slice, label: object) -> list[list[object]]:
    channels = md.deployment.channels
    spend = {c: float(md.spend[c][part].sum()) for c in channels}
    effect = {c: float(md.impact[c][part].sum()) for c in channels}
    all_spend, all_effect = sum(spend.values()), sum(effect.values())
    rows = []
    for c in channels:
        s, e = percent(spend[c], all_spend), percent(effect[c], all_effect)
        rows.append([label, c, s, e, None if s is None or e is None else round(e - s, 2)])
    return rows


def share_of_spend_vs_effect(md: ModelData, form: dict) -> list[DownloadSpec]:
    w, granularity = form_window(md, form), str(form["granularity"])
    header = ["Channel", "Share of Spend %", "Share of Effect %", "Effect Minus Spend %"]

    def over_time() -> Table:
        rows = [r for label, part in groups(md, w, granularity) for r in _share_rows(md, part, label)]
        return Table([GRANULARITY_KEYS[granularity], *header], rows)

    def total() -> Table:
        return Table(header, [r[1:] for r in _share_rows(md, w, None)])

    return [
        DownloadSpec(f"share_of_spend_vs_effect-{granularity}", f"Share of spend vs. effect, {granularity}", over_time),
        DownloadSpec("share_of_spend_vs_effect-total", "Share of spend vs. effect over the period", total),
    ]


def daily_spend_vs_kpi(md: ModelData, form: dict) -> list[DownloadSpec]:
    w, channels = form_window(md, form), list(form["channels"])

    def correlations() -> Table:
        names = [*channels, md.deployment.kpi_name]
        series = [md.spend[c][w] for c in channels] + [md.kpi[w]]
        rows = []
        for name, a in zip(names, series):
            row = [name]
            for b in series:
                ok = len(a) > 2 and a.std() > 0 and b.std() > 0
                row.append(r4(np.corrcoef(a, b)[0, 1]) if ok else None)
            rows.append(row)
        return Table(["Variable", *names], rows)

    return [DownloadSpec("correlations", "Correlation of daily spend per channel and the KPI", correlations)]


def _holidays(md: ModelData) -> list[object]:
    """Per day: the name of the spike on that day, or None."""
    names: list[object] = [None] * len(md.dates)
    for name, effect in md.spike_effect.items():
        for i in np.flatnonzero(effect > 0):
            names[i] = name
    return names


def _panel_rows(md: ModelData, seed: int, total_rows: int) -> Iterator[list]:
    """A geo x day panel, one day at a time (bounded memory), values already written the R way."""
    dep = md.deployment
    n_days = len(md.dates)
    n_geos = -(-total_rows // n_days)
    geos = [
        dep.geos[g % len(dep.geos)] + (f"-{g // len(dep.geos) + 1:04d}" if g >= len(dep.geos) else "")
        for g in range(n_geos)
    ]
    geo_rng = np.random.default_rng(stable_seed(seed, dep.id, "geo"))
    weights = geo_rng.dirichlet(np.ones(n_geos))
    population = (weights * 3.0e8).astype(int).tolist()
    spend = np.column_stack([md.spend[c] for c in dep.channels])
    holidays = ["NA" if h is None else h for h in _holidays(md)]
    emitted = 0
    for day_pos in range(n_days):
        rng = np.random.default_rng(stable_seed(seed, dep.id, "panel", day_pos))
        noise = rng.lognormal(0, 0.1, (n_geos, len(dep.channels) + 1))
        kpi = np.round(md.kpi[day_pos] * weights * noise[:, -1], 2).tolist()
        spends = np.round(spend[day_pos] * weights[:, None] * noise[:, :-1], 2).tolist()
        day = md.dates[day_pos].isoformat()
        fixed = [
            *(float(md.context_values[v][day_pos]) for v in dep.context_variables),
            holidays[day_pos],
            "TRUE" if md.dates[day_pos].weekday() >= 5 else "FALSE",
        ]
        count = min(n_geos, total_rows - emitted)
        for g in range(count):
            yield [day, geos[g], population[g], kpi[g], *spends[g], *fixed]
        emitted += count
        if emitted >= total_rows:
            return


def clean_data(md: ModelData, form: dict, seed: int, rows: int | None) -> list[DownloadSpec]:
    dep = md.deployment
    spend_cols = [f"{c} Spend ($)" for c in dep.channels]

    def national() -> Table:
        body = (
            [
                d,
                r2(md.kpi[i]),
                *[r2(md.spend[c][i]) for c in dep.channels],
                *[float(md.context_values[v][i]) for v in dep.context_variables],
                d.weekday() >= 5,
            ]
            for i, d in enumerate(md.dates)
        )
        return Table(["Date", dep.kpi_name, *spend_cols, *dep.context_variables, "Is Weekend"], body)

    def panel() -> Table:
        columns = [
            "Date",
            "Geo",
            "Population",
            dep.kpi_name,
            *spend_cols,
            *dep.context_variables,
            "Holiday",
            "Is Weekend",
        ]
        assert rows is not None  # the panel is served only when rows is set (below)
        return Table(columns, _panel_rows(md, seed, int(rows)), big=True, plain=True)

    description = "Clean input data the model was fit on"
    return [DownloadSpec("clean_data", description, panel if rows else national)]
