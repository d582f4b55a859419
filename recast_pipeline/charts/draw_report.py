"""Drawing the report's charts across months (matplotlib, Agg): spend over time, ROI per channel per month.

Why apart from ``draw``: these charts span a dashboard's months, not one partition; both modules
share the figure, colour and PNG helpers of ``draw``, the only other place matplotlib is imported.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from matplotlib.ticker import FuncFormatter

from recast_pipeline.charts.chart_types import Estimate
from recast_pipeline.charts.draw import _style, colours, compact, figure, png


def monthly_spend_chart(dashboard: str, spend: Mapping[str, Mapping[str, float]]) -> bytes:
    """Spend per month, stacked by channel."""
    months = sorted(spend)
    channels = sorted(
        {c for by in spend.values() for c in by}, key=lambda c: -sum(spend[m].get(c, 0.0) for m in months)
    )
    palette = colours(channels)
    fig = figure(10, 4)
    ax = fig.add_subplot()
    bottom = [0.0] * len(months)
    for channel in channels:
        values = [spend[m].get(channel, 0.0) for m in months]
        ax.bar(range(len(months)), values, bottom=bottom, color=palette[channel], label=channel, width=0.75)
        bottom = [b + v for b, v in zip(bottom, values)]
    ax.set_xticks(range(len(months)), [m[:7] for m in months], rotation=30 if len(months) > 6 else 0)
    ax.yaxis.set_major_formatter(FuncFormatter(compact))
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    _style(ax, f"{dashboard}: spend per month and channel")
    ax.grid(axis="y", alpha=0.3)
    return png(fig)


def roi_by_month_chart(dashboard: str, roi: Mapping[str, Mapping[str, Estimate]], months: list[str]) -> bytes:
    """One small panel per channel: total ROI's median per month and its 5-95% band."""
    channels = sorted(roi)
    palette = colours(channels)
    columns = min(3, max(1, len(channels)))
    rows = math.ceil(len(channels) / columns)
    fig = figure(3.4 * columns, 0.4 + 2.1 * rows)
    fig.suptitle(f"{dashboard}: total ROI per channel and month (median, 5-95%)", fontsize=11, x=0.01, ha="left")
    for i, channel in enumerate(channels):
        ax = fig.add_subplot(rows, columns, i + 1)
        xs = [j for j, m in enumerate(months) if m in roi[channel]]
        estimates = [roi[channel][months[j]] for j in xs]
        low = [e.p05 if e.p05 is not None else e.median for e in estimates]
        high = [e.p95 if e.p95 is not None else e.median for e in estimates]
        ax.fill_between(xs, low, high, color=palette[channel], alpha=0.25, linewidth=0)
        ax.plot(xs, [e.median for e in estimates], "o-", color=palette[channel], markersize=3, linewidth=1.5)
        step = max(1, len(months) // 4)
        ax.set_xticks(range(0, len(months), step), [months[j][:7] for j in range(0, len(months), step)])
        ax.set_xlim(-0.5, len(months) - 0.5)
        _style(ax, channel)
        ax.grid(axis="y", alpha=0.3)
    return png(fig)
