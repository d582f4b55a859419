"""Model and diagnostics report tables: fit, context variables, uncertainty drivers, baseline,
ROI waterfall, priors vs. posteriors, shift and response curves, fixed-spend performance,
spikes, model configuration, and the single table of a report type the simulator does not know.
"""

from __future__ import annotations

import numpy as np

from .csvout import DownloadSpec, Table, percent, r2, r4, ratio
from .data import SHIFT_DAYS, ModelData
from .estimates import hill, impact, interval, response, width
from .periods import anchor_window, form_window, groups

RESPONSE_MULTIPLIERS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0)


def _predicted(md: ModelData) -> np.ndarray:
    other = sum(md.context_effect.values(), np.zeros(len(md.dates))) + sum(md.spike_effect.values())
    return md.baseline + other + md.marketing()


def in_sample_model_fit(md: ModelData, form: dict) -> list[DownloadSpec]:
    w = form_window(md, form)

    def stats() -> Table:
        actual, pred = md.kpi[w], _predicted(md)[w]
        if len(actual) < 2:
            return Table(["Metric", "Value"], [["Days", len(actual)]])
        resid = actual - pred
        r2_ = 1 - float((resid**2).sum() / ((actual - actual.mean()) ** 2).sum())
        inside = np.abs(resid) <= 1.645 * resid.std() * 1.05
        rows = [
            ["R-squared", r4(r2_)],
            ["MAPE %", round(float(np.mean(np.abs(resid / actual))) * 100, 3)],
            ["Bias %", round(float(resid.sum() / actual.sum()) * 100, 3)],
            ["90% Interval Coverage %", round(float(inside.mean()) * 100, 2)],
            ["Days", len(actual)],
        ]
        return Table(["Metric", "Value"], rows)

    return [DownloadSpec("stats", "In-sample fit statistics", stats)]


def context_variable_summary(md: ModelData, form: dict) -> list[DownloadSpec]:
    w, dep = form_window(md, form), md.deployment

    def daily(var: str) -> Table:
        rel = width(md, var)
        rows = [
            [md.dates[i], float(md.context_values[var][i]), *interval(md.context_effect[var][i], rel, True)[1:]]
            for i in range(w.start, w.stop)
        ]
        return Table(["Date", "Value", "Effect", "5%", "95%"], rows)

    def summary() -> Table:
        kpi = float(md.kpi[w].sum())
        rows = [
            [
                v,
                r4(md.context_values[v][w].mean()) if w.stop > w.start else None,
                r2(md.context_effect[v][w].sum()),
                percent(float(md.context_effect[v][w].sum()), kpi),
            ]
            for v in dep.context_variables
        ]
        return Table(["Variable", "Mean Value", "Total Effect", "Share of KPI %"], rows)

    return [
        DownloadSpec(f"context_variables-{v}-daily_effect", f"Daily effect of {v}", lambda v=v: daily(v))
        for v in dep.context_variables
    ] + [DownloadSpec("context_variables-summary", "Effect of each context variable", summary)]


def channel_uncertainty_drivers(md: ModelData, form: dict) -> list[DownloadSpec]:
    w, dep = form_window(md, form), md.deployment

    def drivers(c: str) -> Table:
        raw = np.array([width(md, c + d) for d in ("spend", "collinear", "prior", "shift")])
        shares = np.round(100 * raw / raw.sum(), 2)
        other = dep.channels[(dep.channels.index(c) + 1) % len(dep.channels)]
        names = ["Spend Variation", f"Collinearity with {other}", "Prior Width", "Shift Uncertainty"]
        return Table(["Driver", "Contribution %"], [[n, float(s)] for n, s in zip(names, shares)])

    def summary() -> Table:
        rows = []
        for c in dep.upper_funnel:
            spend = md.spend[c][w]
            _, median, lo, hi = interval(ratio(impact(md, c, w), float(spend.sum())), width(md, c))
            cv = r4(spend.std() / spend.mean()) if spend.size and spend.mean() else None
            rows.append([c, median, lo, hi, None if median is None or hi is None or lo is None else r4(hi - lo), cv])
        return Table(["Channel", "ROI Median", "ROI 5%", "ROI 95%", "Interval Width", "Spend CV"], rows)

    return [
        DownloadSpec(f"uncertainty_drivers-{c}", f"What widens {c}'s interval", lambda c=c: drivers(c))
        for c in dep.upper_funnel
    ] + [DownloadSpec("uncertainty_drivers-summary", "Uncertainty of each channel's ROI", summary)]


def baseline_summary(md: ModelData, form: dict) -> list[DownloadSpec]:
    w, spikes = form_window(md, form), bool(form["include_spikes"])
    spike = sum(md.spike_effect.values(), np.zeros(len(md.dates)))
    header = ["Baseline", "Spike Effect", "Total Organic"]

    def values(part: slice) -> list:
        base = r2(md.baseline[part].sum())
        s = r2(spike[part].sum()) if spikes else None
        return [base, s, r2(base + (s or 0.0))]

    def total() -> Table:
        row = values(w)
        return Table([*header, "Share of KPI %"], [[*row, percent(row[-1], float(md.kpi[w].sum()))]])

    return [
        DownloadSpec("summary_total", "Baseline KPI over the period", total),
        DownloadSpec(
            "summary_monthly",
            "Baseline KPI by month",
            lambda: Table(["Month", *header], [[m, *values(p)] for m, p in groups(md, w, "monthly")]),
        ),
        DownloadSpec(
            "summary_daily",
            "Baseline KPI by day",
            lambda: Table(["Date", *header], [[d, *values(p)] for d, p in groups(md, w, "daily")]),
        ),
    ]


def roi_cpa_waterfall(md: ModelData, form: dict) -> list[DownloadSpec]:
    w, channels = form_window(md, form), list(form["channels"])

    def waterfall(c: str) -> Table:
        roi = ratio(impact(md, c, w), float(md.spend[c][w].sum()))
        if roi is None:
            return Table(["Component", "ROI Contribution"], [["Final ROI", None]])
        base = md.roi(c)
        season, saturation = (roi - base) * 0.6, (roi - base) * 0.25
        context = (roi - base) * 0.1
        rows = [
            ["Base ROI", r4(base)],
            ["Seasonality", r4(season)],
            ["Saturation", r4(saturation)],
            ["Context Variables", r4(context)],
            ["Baseline Interaction", r4(roi - base - season - saturation - context)],
            ["Final ROI", r4(roi)],
        ]
        return Table(["Component", "ROI Contribution"], rows)

    def summary() -> Table:
        rows = []
        for c in channels:
            spend, effect = float(md.spend[c][w].sum()), impact(md, c, w)
            rows.append([c, r2(spend), ratio(effect, spend), r2(spend / effect) if effect else None])
        return Table(["Channel", "Spend ($)", "ROI", "CPA ($)"], rows)

    return [
        DownloadSpec(f"roi_waterfall-{c}", f"ROI of {c} decomposed", lambda c=c: waterfall(c)) for c in channels
    ] + [DownloadSpec("roi_waterfall-summary", "ROI and CPA per channel", summary)]


def prior_vs_posterior(md: ModelData, form: dict) -> list[DownloadSpec]:
    w, channels = form_window(md, form), list(form["channels"])

    def estimates(c: str) -> dict[str, tuple[float, float, float]]:
        roi = ratio(impact(md, c, w), float(md.spend[c][w].sum())) or md.roi(c)
        peak = float(np.argmax(md.shift_curve[c]))
        return {
            "ROI": (roi, 0.9, width(md, c)),
            "Saturation": (md.saturation[c], 0.5, 0.2),
            "Peak Shift (days)": (peak, 1.0, 0.3),
        }

    def table(c: str) -> Table:
        rows = []
        for name, (post, prior_rel, post_rel) in estimates(c).items():
            prior = post * 1.1 if name == "ROI" else post
            rows.append(
                [
                    name,
                    r4(prior),
                    r4(prior * (1 - prior_rel * 0.8)),
                    r4(prior * (1 + prior_rel)),
                    r4(post),
                    r4(post * (1 - post_rel)),
                    r4(post * (1 + post_rel)),
                ]
            )
        return Table(
            ["Parameter", "Prior Median", "Prior 5%", "Prior 95%", "Posterior Median", "Posterior 5%", "Posterior 95%"],
            rows,
        )

    def summary() -> Table:
        rows = [
            [c, r4(estimates(c)["ROI"][0] * 1.1), r4(estimates(c)["ROI"][0]), round(100 * (1 - width(md, c) / 0.9), 2)]
            for c in channels
        ]
        return Table(["Channel", "Prior ROI Median", "Posterior ROI Median", "Interval Narrowing %"], rows)

    return [
        DownloadSpec(f"prior_vs_posterior-{c}", f"Priors vs. posteriors of {c}", lambda c=c: table(c)) for c in channels
    ] + [DownloadSpec("prior_vs_posterior-summary", "Prior vs. posterior ROI", summary)]


def shift_curves(md: ModelData, form: dict) -> list[DownloadSpec]:
    def table() -> Table:
        rows = []
        for c in form["channels"]:
            cumulative = np.cumsum(md.shift_curve[c])
            rows += [
                [c, d, round(100 * float(md.shift_curve[c][d]), 3), round(100 * float(cumulative[d]), 3)]
                for d in range(SHIFT_DAYS)
            ]
        return Table(["Channel", "Days After Spend", "Share of Effect %", "Cumulative Share %"], rows)

    return [DownloadSpec("all_shift_curves_summarized", "How long each channel's effect takes to land", table)]


def spend_response_curves(md: ModelData, form: dict) -> list[DownloadSpec]:
    w, days = anchor_window(md, form), int(form["num_days"])
    if w.stop <= w.start:  # anchored after the data: use the model's last days
        w = slice(len(md.dates) - days, len(md.dates))

    def table() -> Table:
        rows = []
        for c in form["channels"]:
            spend0 = float(md.spend[c][w].mean())
            roi0 = ratio(impact(md, c, w), float(md.spend[c][w].sum())) or md.roi(c)
            a, k = hill(roi0, spend0, md.saturation[c])
            for m in RESPONSE_MULTIPLIERS:
                daily = spend0 * m
                value, roi, mroi = response(a, k, daily)
                rows.append([c, m, r2(daily), r2(daily * days), r2(value * days), roi, mroi])
        return Table(
            ["Channel", "Spend Multiplier", "Daily Spend ($)", "Total Spend ($)", "Impact", "ROI", "mROI"], rows
        )

    return [
        DownloadSpec("multi_day-multi_channel-tables-full_table", "Impact, ROI and mROI at several spend levels", table)
    ]


def fixed_spend_performance(md: ModelData, form: dict) -> list[DownloadSpec]:
    w, channels = form_window(md, form), list(form["channels"])
    days = max(w.stop - w.start, 1)
    lower = form["include_lower_funnel_effects"] == "true"
    daily = float(form["spend"]) / days / len(channels)

    def curve(c: str) -> tuple[float, float]:
        roi0 = ratio(impact(md, c, w, total=lower), float(md.spend[c][w].sum())) or md.roi(c)
        return hill(roi0, float(md.spend[c][w].mean()) if w.stop > w.start else daily, md.saturation[c])

    def by_day(c: str) -> Table:
        a, k = curve(c)
        value, roi, mroi = response(a, k, daily)
        rows = [[md.dates[i], r2(daily), r2(value), roi] for i in range(w.start, w.stop)]
        return Table(["Date", "Spend ($)", "Impact", "ROI"], rows)

    def summary() -> Table:
        rows = []
        for c in channels:
            value, roi, mroi = response(*curve(c), daily)
            rows.append([c, r2(daily), r2(daily * days), r2(value * days), roi, mroi])
        return Table(["Channel", "Daily Spend ($)", "Total Spend ($)", "Impact", "ROI", "mROI"], rows)

    return [
        DownloadSpec(f"fixed_spend-{c}", f"Daily performance of {c} at the fixed spend", lambda c=c: by_day(c))
        for c in channels
    ] + [DownloadSpec("fixed_spend-summary", "Performance at the fixed spend", summary)]
