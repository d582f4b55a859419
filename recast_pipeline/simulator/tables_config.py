"""Report tables that need no inputs besides the deployment (spikes, model configuration) and the
single table served for a report type the simulator does not know.

Unknown types: the real API's behaviour is undocumented. RECAST_API.md says a client must pass them
through untouched, so the simulator accepts them and serves one plausible download, ``results``
(channel, spend, impact, ROI over the form's date range when it has one, else the whole data).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from .csvout import DownloadSpec, Table, r2, r4, ratio
from .data import SHIFT_DAYS, SPIKES, ModelData
from .estimates import impact, width

SUMMARY = ["Spike", "Peak Effect", "Pull Forward", "Pull Back", "Net Effect"]


def _occurrences(md: ModelData) -> list[tuple[str, str, np.ndarray]]:
    """(instance name such as "Black Friday 2023", group, positions) of every spike in the data."""
    out = []
    for name, group, _month, _day in SPIKES:
        effect = md.spike_effect[name]
        for year in sorted({md.dates[i].year for i in np.flatnonzero(effect)}):
            pos = np.array([i for i in np.flatnonzero(effect) if md.dates[i].year == year])
            out.append((f"{name} {year}", group, pos))
    return out


def spike_detail_summary(md: ModelData, form: dict) -> list[DownloadSpec]:
    def units(grouped: bool) -> dict[str, list[tuple[str, np.ndarray]]]:
        by: dict[str, list] = {}
        for instance, group, pos in _occurrences(md):
            by.setdefault(group if grouped else instance, []).append((instance.rsplit(" ", 1)[0], pos))
        return by

    def daily(grouped: bool, cumulative: bool) -> Table:
        rows = []
        for unit, parts in units(grouped).items():
            running = 0.0
            for name, pos in parts:
                for i in pos:
                    running += md.spike_effect[name][i]
                    rows.append([unit, md.dates[i], r2(running if cumulative else md.spike_effect[name][i])])
        return Table(["Group" if grouped else "Spike", "Date", "Cumulative Effect" if cumulative else "Effect"], rows)

    def summarized(grouped: bool) -> Table:
        rows = []
        for unit, parts in units(grouped).items():
            values = np.concatenate([md.spike_effect[name][pos] for name, pos in parts])
            rows.append([unit, r2(values.max()), r2(values[values < 0].sum()), r2(0.0), r2(values.sum())])
        return Table(["Group" if grouped else "Spike", *SUMMARY[1:]], rows)

    specs = []
    for grouped, prefix in ((False, "individual"), (True, "grouped")):
        specs += [
            DownloadSpec(
                f"{prefix}_daily_effects", f"Daily effect per {prefix} spike", lambda g=grouped: daily(g, False)
            ),
            DownloadSpec(
                f"{prefix}_cumulative_effects",
                f"Cumulative effect per {prefix} spike",
                lambda g=grouped: daily(g, True),
            ),
            DownloadSpec(
                f"{prefix}_cumulative_effects_summarized",
                f"Net effect per {prefix} spike",
                lambda g=grouped: summarized(g),
            ),
        ]
    return specs


def model_configuration(md: ModelData, form: dict) -> list[DownloadSpec]:
    dep = md.deployment

    def baseline() -> Table:
        rows = [
            ["Trend Prior Mean", 0.0],
            ["Trend Prior SD", 0.05],
            ["Yearly Seasonality Order", 4],
            ["Weekly Seasonality", True],
            ["Intercept Prior Mean", r2(md.baseline.mean())],
        ]
        return Table(["Parameter", "Value"], rows)

    def roi() -> Table:
        rows = []
        for c in dep.channels:
            prior = md.roi(c) * 1.1
            funnel = "lower" if c in dep.lower_funnel else "upper"
            rows.append([c, funnel, r4(prior), r4(prior * (1 - 0.7 * width(md, c))), r4(prior * (1 + width(md, c)))])
        return Table(["Channel", "Funnel", "Prior ROI Median", "Prior ROI 5%", "Prior ROI 95%"], rows)

    def shifts() -> Table:
        rows = [[c, int(np.argmax(md.shift_curve[c])), SHIFT_DAYS, r4(md.saturation[c])] for c in dep.channels]
        return Table(["Channel", "Prior Peak Day", "Max Shift Days", "Saturation Prior"], rows)

    def spikes() -> Table:
        rows = [[name, group, dt.date(2000, month, day).strftime("%m-%d"), 5] for name, group, month, day in SPIKES]
        return Table(["Spike", "Group", "Date (MM-DD)", "Window Days"], rows)

    def linkings() -> Table:
        rows = [[uf, lf, True] for lf in dep.lower_funnel for uf in dep.upper_funnel]
        return Table(["Upper Funnel Channel", "Lower Funnel Channel", "Linked"], rows)

    return [
        DownloadSpec("tables-baseline", "Baseline settings", baseline),
        DownloadSpec("tables-roi", "ROI priors", roi),
        DownloadSpec("tables-shifts", "Shift (adstock) settings", shifts),
        DownloadSpec("tables-spikes", "Configured spikes", spikes),
        DownloadSpec("tables-channel_linkings", "Upper- to lower-funnel channel linkings", linkings),
    ]


def _window(md: ModelData, form: dict) -> slice:
    try:
        return md.index(dt.date.fromisoformat(str(form["start_date"])), dt.date.fromisoformat(str(form["end_date"])))
    except (KeyError, ValueError):
        return slice(0, len(md.dates))


def unknown_type(md: ModelData, form: dict) -> list[DownloadSpec]:
    w = _window(md, form)

    def results() -> Table:
        rows = []
        for c in md.deployment.channels:
            spend = r2(md.spend[c][w].sum())
            effect = impact(md, c, w)
            rows.append([c, spend, r2(effect), ratio(effect, spend)])
        return Table(["Channel", "Spend ($)", "Impact", "ROI"], rows)

    return [DownloadSpec("results", "Results of a report type the simulator does not model", results)]
