"""Attribution report tables: insights overview, period summary, marketing vs. baseline,
lower-funnel waterfall, upper-funnel details, grouped channel summaries, two-period comparison.

Invariant: every ROI is the table's impact over its spend (``Median`` impact / ``Spend ($)``).
"""

from __future__ import annotations

from typing import cast

import numpy as np

from .csvout import DownloadSpec, Table, percent, r2, r4, ratio
from .data import ModelData
from .estimates import LOWER_FUNNEL_CREDIT, impact, impact_series, interval, saturation_of, width
from .periods import GRANULARITY_KEYS, form_date, form_window, groups

INTERVAL = ["Mean", "Median", "5%", "95%"]
METRICS = ("impact_shifted", "impact_unshifted", "roi", "mroi")


def _overview_table(md: ModelData, w: slice, scope: str, metric: str) -> Table:
    rows = []
    for c in md.deployment.channels:
        spend = r2(md.spend[c][w].sum())
        total = scope == "total"
        unshifted = impact(md, c, w, total=total)
        value = {
            "impact_shifted": impact(md, c, w, total=total, shifted=True),
            "impact_unshifted": unshifted,
            "roi": unshifted / spend if spend else None,
            "mroi": unshifted / spend * md.saturation[c] if spend else None,
        }[metric]
        rows.append([c, spend, *interval(value, width(md, c), money=metric.startswith("impact"))])
    return Table(["Channel", "Spend ($)", *INTERVAL], rows)


def insights_overview(md: ModelData, form: dict) -> list[DownloadSpec]:
    w = form_window(md, form)
    return [
        DownloadSpec(
            f"summaries-{scope}-{metric}",
            f"{scope.title()} {metric.replace('_', ' ')} by channel",
            lambda scope=scope, metric=metric: _overview_table(md, w, scope, metric),
        )
        for scope in ("total", "direct")
        for metric in METRICS
    ]


def _period_effects(md: ModelData, w: slice, c: str) -> dict[str, float]:
    n = w.stop - w.start
    if n == 0:
        return dict.fromkeys(
            ("in_period_effect", "after_period_effect", "future_effect", "pre_period_effect", "total_effect"), 0.0
        )
    landed = np.convolve(md.impact[c][w], md.shift_curve[c])
    in_period = float(landed[:n].sum())
    total = float(md.impact[c][w].sum())
    beyond_data = max(0, w.start + len(landed) - len(md.dates))
    return {
        "in_period_effect": in_period,
        "after_period_effect": total - in_period,
        "future_effect": float(landed[len(landed) - beyond_data :].sum()) if beyond_data else 0.0,
        "pre_period_effect": float(md.impact_shifted[c][w].sum()) - in_period,
        "total_effect": total,
    }


def period_summary(md: ModelData, form: dict) -> list[DownloadSpec]:
    w = form_window(md, form)
    effects = {c: _period_effects(md, w, c) for c in md.deployment.channels}
    spend = {c: r2(md.spend[c][w].sum()) for c in md.deployment.channels}

    def merged() -> Table:
        rows = [
            [
                c,
                spend[c],
                r2(e["in_period_effect"]),
                r2(e["after_period_effect"]),
                r2(e["pre_period_effect"]),
                r2(e["total_effect"]),
                ratio(e["in_period_effect"] + e["pre_period_effect"], spend[c]),
                ratio(e["total_effect"], spend[c]),
            ]
            for c, e in effects.items()
        ]
        return Table(
            [
                "Channel",
                "Spend ($)",
                "In Period Effect",
                "After Period Effect",
                "Pre Period Effect",
                "Total Effect",
                "Observed ROI",
                "True ROI",
            ],
            rows,
        )

    def measure(name: str) -> Table:
        rows = []
        for c, e in effects.items():
            if name == "observed_roi":
                value = ratio(e["in_period_effect"] + e["pre_period_effect"], spend[c])
            elif name == "true_roi":
                value = ratio(e["total_effect"], spend[c])
            else:
                value = e[name]
            rows.append([c, *interval(value, width(md, c), money=not name.endswith("roi"))[1:]])
        return Table(["Channel", "Median", "5%", "95%"], rows)

    names = (
        "total_effect",
        "in_period_effect",
        "after_period_effect",
        "future_effect",
        "observed_roi",
        "true_roi",
        "pre_period_effect",
    )
    return [DownloadSpec("summary_tables-merged_means_summary", "All period effects by channel", merged)] + [
        DownloadSpec(f"summary_tables-{n}", n.replace("_", " ").capitalize(), lambda n=n: measure(n)) for n in names
    ]


def marketing_vs_baseline(md: ModelData, form: dict) -> list[DownloadSpec]:
    w = form_window(md, form)

    def contribution() -> Table:
        marketing = md.marketing()
        rows = []
        for i in range(w.start, w.stop):
            other = md.kpi[i] - md.baseline[i] - marketing[i]
            rows.append(
                [
                    md.dates[i],
                    r2(md.baseline[i]),
                    r2(marketing[i]),
                    r2(other),
                    r2(md.kpi[i]),
                    percent(marketing[i], md.kpi[i]),
                ]
            )
        return Table(["Date", "Baseline", "Marketing", "Other Effects", "Actual KPI", "Marketing Share %"], rows)

    return [DownloadSpec("contribution", "Daily marketing-driven vs. baseline KPI", contribution)]


def lower_funnel_waterfall(md: ModelData, form: dict) -> list[DownloadSpec]:
    w, dep = form_window(md, form), md.deployment
    driven_share = 1 - (1 - LOWER_FUNNEL_CREDIT) * 0.7  # the rest is organic search demand

    def summary(lf: str) -> Table:
        spend = float(md.spend[lf][w].sum())
        rows = [
            [
                uf,
                r2(spend * driven_share * md.lower_funnel_share[uf]),
                round(100 * driven_share * md.lower_funnel_share[uf], 2),
            ]
            for uf in dep.upper_funnel
        ]
        rows.append(["Baseline (organic)", r2(spend * (1 - driven_share)), round(100 * (1 - driven_share), 2)])
        return Table(["Upper Funnel Channel", "Driven Spend ($)", "Share %"], rows)

    def daily() -> Table:
        rows = (
            [md.dates[i], lf, uf, r2(md.spend[lf][i] * driven_share * md.lower_funnel_share[uf])]
            for lf in dep.lower_funnel
            for i in range(w.start, w.stop)
            for uf in dep.upper_funnel
        )
        return Table(["Date", "Lower Funnel Channel", "Upper Funnel Channel", "Driven Spend ($)"], list(rows))

    return [
        DownloadSpec(f"channel_summaries-{lf}-summary_table", f"What drove {lf} spend", lambda lf=lf: summary(lf))
        for lf in dep.lower_funnel
    ] + [DownloadSpec("daily_effect-table", "Daily lower-funnel spend driven by each upper-funnel channel", daily)]


def upper_funnel_details(md: ModelData, form: dict) -> list[DownloadSpec]:
    w = form_window(md, form)

    def details(c: str) -> Table:
        rows = []
        for label, part in groups(md, w, "monthly"):
            spend = r2(md.spend[c][part].sum())
            direct, total = impact(md, c, part), impact(md, c, part, total=True)
            rows.append([label, spend, r2(direct), r2(total), ratio(direct, spend), ratio(total, spend)])
        return Table(["Month", "Spend ($)", "Direct Impact", "Total Impact", "Direct ROI", "Total ROI"], rows)

    return [
        DownloadSpec(f"channel_summaries-{c}-summary_table", f"Direct vs. total ROI of {c}", lambda c=c: details(c))
        for c in form["channels"]
    ]


GROUP_GRANULARITY = {"summary_daily": "daily", "summary_weekly": "weekly", "summary_monthly": "monthly"}


def grouped_channel_summaries(md: ModelData, form: dict) -> list[DownloadSpec]:
    w, total = form_window(md, form), form["include_lower_funnel_effects"] == "true"

    def table(channels: list[str], metric: str, granularity: str) -> Table:
        # arrays: a group has channels (sum of none would be 0)
        series = cast(np.ndarray, sum(impact_series(md, c, total=total) for c in channels))
        spend_series = cast(np.ndarray, sum(md.spend[c] for c in channels))
        rel = width(md, "|".join(channels))

        def row(part: slice) -> list:
            spend = r2(spend_series[part].sum())
            value = float(series[part].sum())
            if metric != "impact":
                value = value / spend if spend else None
                if metric == "mroi" and value is not None:
                    value *= saturation_of(md, channels, part)
            return [spend, *interval(value, rel, money=metric == "impact")[1:]]

        if granularity == "summary_total":
            return Table(["Spend ($)", "Median", "5%", "95%"], [row(w)])
        period = GROUP_GRANULARITY[granularity]
        rows = [[label, *row(part)] for label, part in groups(md, w, period)]
        return Table([GRANULARITY_KEYS[period], "Spend ($)", "Median", "5%", "95%"], rows)

    return [
        DownloadSpec(
            f"group_summaries-{g['name']}-{metric}-{gran}",
            f"{metric} of group {g['name']}, {gran}",
            lambda g=g, metric=metric, gran=gran: table(list(g["channels"]), metric, gran),
        )
        for g in form["channel_groups"]
        for metric in ("impact", "roi", "mroi")
        for gran in (*GROUP_GRANULARITY, "summary_total")
    ]


def compare_time_periods(md: ModelData, form: dict) -> list[DownloadSpec]:
    periods = {
        "previous": md.index(form_date(form, "previous_start_date"), form_date(form, "previous_end_date")),
        "current": md.index(form_date(form, "period_start_date"), form_date(form, "period_end_date")),
    }
    channels = md.deployment.channels

    def measures(p: slice) -> dict[str, float | None]:
        spend = r2(sum(md.spend[c][p].sum() for c in channels))
        effect = sum(impact(md, c, p) for c in channels)
        roi = effect / spend if spend else None
        return {
            "Spend ($)": spend,
            "In Period Effect": r2(sum(md.impact_shifted[c][p].sum() for c in channels)),
            "Baseline": r2(md.baseline[p].sum()),
            "Total Outcome": r2(md.kpi[p].sum()),
            "ROI": r4(roi) if roi is not None else None,
            "mROI": r4(roi * saturation_of(md, list(channels), p)) if roi is not None else None,
        }

    def overall() -> Table:
        prev, cur = measures(periods["previous"]), measures(periods["current"])
        rows = [
            [m, prev[m], cur[m], percent(cur[m] - prev[m], prev[m]) if None not in (cur[m], prev[m]) else None]  # pyright: ignore[reportOperatorIssue, reportArgumentType]  # None ruled out by the condition
            for m in prev
        ]
        return Table(["Metric", "Previous Period", "Current Period", "Change %"], rows)

    def by_channel() -> Table:
        rows = []
        for name, p in periods.items():
            for c in channels:
                spend = r2(md.spend[c][p].sum())
                roi = ratio(impact(md, c, p), spend)
                rows.append(
                    [
                        c,
                        name,
                        spend,
                        r2(md.impact_shifted[c][p].sum()),
                        roi,
                        None if roi is None else r4(roi * md.saturation[c]),
                    ]
                )
        return Table(["Channel", "Period", "Spend ($)", "In Period Effect", "ROI", "mROI"], rows)

    return [
        DownloadSpec("summary-overall", "Headline measures of both periods", overall),
        DownloadSpec("summary-time_table", "Per-channel measures of both periods", by_channel),
    ]
