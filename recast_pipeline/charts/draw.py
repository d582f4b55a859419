"""Drawing a partition's charts with matplotlib's Agg backend: data in, PNG bytes out.

Why here and only here: matplotlib costs about half a second to import, so it is imported by
this module alone, and this module only when a chart is drawn (never when the code location
loads or ``recast-pipeline sql`` runs). Figures are made with ``Figure`` and the Agg canvas, not
``pyplot``: no global state, no GUI backend, safe beside the run's polling thread.
Every PNG stays under ``MAX_PNG_BYTES`` (drawn again at a lower resolution if needed).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, cast

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from recast_pipeline.charts.chart_types import MAX_PNG_BYTES, Change, Effects, Estimate, Series, Spend, Statistics
from recast_pipeline.warehouse.layouts import key

if TYPE_CHECKING:
    from numpy.typing import ArrayLike  # matplotlib's stubs say ArrayLike where dates (its units) work too

DPI = 80
PALETTE = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C", "#CCB974", "#64B5CD")
ROLE_COLOURS = {
    "baseline": "#8C8C8C",
    "spikes": "#CCB974",
    "marketing": "#4C72B0",
    "other": "#55A868",
    "actual": "#222222",
    "predicted": "#DD8452",
}
FRACTIONS = ("rsquared", "r2", "rsq", "adjustedrsquared")  # statistics drawn x100 beside the percentages
ROLE_NAMES = {
    "baseline": "Baseline (organic)",
    "spikes": "Spikes",
    "marketing": "Marketing-driven",
    "other": "Other effects",
    "actual": "Actual KPI",
    "predicted": "Predicted KPI",
}


def colours(channels: Sequence[str]) -> dict[str, str]:
    """One colour per channel, stable across charts (by sorted name)."""
    return {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(sorted(channels))}


def compact(value: float, _position=None) -> str:
    """Axis labels for money and KPI: 1.2M, 350k, 12."""
    size = abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}"


def figure(
    width: float, height: float, layout: Literal["constrained", "compressed", "tight"] | None = "constrained"
) -> Figure:
    """A figure on the Agg canvas; ``layout=None`` for the per-partition charts, which place their
    axes themselves (``axes``): the constrained-layout solver costs a third of a chart's time."""
    fig = Figure(figsize=(width, height), dpi=DPI, layout=layout)
    FigureCanvasAgg(fig)
    return fig


CHAR_INCHES = 0.062  # average width of a character of the 8-point tick labels
TOP, BOTTOM, DATES = 0.45, 0.35, 0.75  # inches: a title above; tick labels, or rotated dates, below


def label_inches(labels: Sequence[str]) -> float:
    """Room for the longest tick label on the left of an axes."""
    return 0.2 + CHAR_INCHES * max((len(label) for label in labels), default=4)


def axes(fig: Figure, left: float, bottom: float, width: float, height: float):
    """An axes placed in inches from the figure's lower left corner."""
    w, h = fig.get_size_inches()
    return fig.add_axes((left / w, bottom / h, width / w, height / h))


def png(fig: Figure, limit: int = MAX_PNG_BYTES) -> bytes:
    """The figure as PNG, under ``limit`` bytes (lower resolutions until it fits)."""
    for dpi in (DPI, 64, 48, 36):
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
        data = buffer.getvalue()
        if len(data) <= limit:
            return data
    raise ValueError(f"the chart is {len(data)} bytes even at {dpi} dpi (limit {limit})")


def warm_up() -> None:
    """Draw a tiny figure with text once: loads the fonts and the text layout a first chart would pay for."""
    fig = figure(1, 1, layout=None)
    fig.add_subplot().set_title("warm-up")
    png(fig)


def _style(ax, title: str = "") -> None:
    ax.set_title(title, fontsize=10, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)
    ax.grid(axis="x", alpha=0.3)


def _intervals(ax, estimates: Sequence[Estimate], title: str, money: bool) -> None:
    order = sorted(estimates, key=lambda e: e.median)
    ys = range(len(order))
    palette = colours([e.channel for e in estimates])
    for y, e in zip(ys, order):
        if e.p05 is not None and e.p95 is not None:
            ax.plot([e.p05, e.p95], [y, y], color=palette[e.channel], linewidth=4, alpha=0.35, solid_capstyle="round")
        ax.plot([e.median], [y], "o", color=palette[e.channel], markersize=7)
    ax.set_yticks(list(ys), [e.channel for e in order])
    if money:
        ax.xaxis.set_major_formatter(FuncFormatter(compact))
    _style(ax, title)


def effects_chart(data: Effects) -> bytes:
    """ROI and impact per channel: median and the 5-95% interval."""
    panels = [(data.roi, "ROI (median, 5-95%)", False)]
    if data.impact:
        panels.append((data.impact, f"Impact, {data.impact_metric.replace('_', ' ')} (median, 5-95%)", True))
    left, plot = label_inches([e.channel for e in data.roi + data.impact]), 3.0
    height = 0.32 * max(len(data.roi), len(data.impact), 2)
    fig = figure(len(panels) * (left + plot + 0.25), height + TOP + BOTTOM + 0.3, layout=None)
    fig.suptitle(f"{data.dashboard} · {data.partition_key}: total effect per channel", fontsize=11, x=0.01, ha="left")
    for i, (estimates, title, money) in enumerate(panels):
        _intervals(axes(fig, left + i * (left + plot + 0.25), BOTTOM, plot, height), estimates, title, money)
    return png(fig)


def spend_chart(data: Spend) -> bytes:
    """Daily spend per channel (stacked) and each channel's share of the month's spend."""
    channels = sorted(data.by_channel, key=lambda c: -data.totals.get(c, 0.0))
    left, height = label_inches(channels), 2.8
    fig = figure(6.4 + left + 2.4, height + TOP + DATES, layout=None)
    ax, share = axes(fig, 0.6, DATES, 5.6, height), axes(fig, 6.4 + left, DATES, 2.0, height)
    palette = colours(channels)
    ax.stackplot(
        cast("ArrayLike", data.days),
        *[data.by_channel[c] for c in channels],
        labels=channels,
        colors=[palette[c] for c in channels],
        alpha=0.85,
    )
    ax.yaxis.set_major_formatter(FuncFormatter(compact))
    ax.legend(fontsize=7, loc="upper left", ncols=min(3, len(channels)), frameon=False)
    _style(ax, f"{data.dashboard} · {data.partition_key}: daily spend per channel")
    ax.grid(axis="y", alpha=0.3)
    ax.tick_params(axis="x", labelrotation=30)
    total = sum(data.totals.values()) or 1.0
    shares = [100.0 * data.totals.get(c, 0.0) / total for c in channels]
    share.barh(range(len(channels)), shares, color=[palette[c] for c in channels])
    share.set_yticks(range(len(channels)), channels)
    share.invert_yaxis()
    for y, s in enumerate(shares):
        share.text(s, y, f" {s:.1f}%", va="center", fontsize=7)
    share.set_xlim(0, max(shares + [1.0]) * 1.25)
    _style(share, f"share of spend ({compact(total)} in all)")
    return png(fig)


def series_chart(data: Series) -> bytes:
    """KPI over time: baseline, spikes, marketing (stacked) and actual / predicted (lines)."""
    fig = figure(9, 2.6 + TOP + DATES, layout=None)
    ax = axes(fig, 0.6, DATES, 8.1, 2.6)
    stacked = [r for r in ("baseline", "spikes", "marketing", "other") if r in data.values]
    if stacked:
        ax.stackplot(
            cast("ArrayLike", data.periods),
            *[[v or 0.0 for v in data.values[r]] for r in stacked],
            labels=[ROLE_NAMES[r] for r in stacked],
            colors=[ROLE_COLOURS[r] for r in stacked],
            alpha=0.8,
        )
    if "predicted_p05" in data.values and "predicted_p95" in data.values:
        ax.fill_between(
            cast("ArrayLike", data.periods),
            [v if v is not None else float("nan") for v in data.values["predicted_p05"]],
            [v if v is not None else float("nan") for v in data.values["predicted_p95"]],
            color=ROLE_COLOURS["predicted"],
            alpha=0.2,
            label="Predicted 5-95%",
        )
    for role in ("actual", "predicted"):
        if role in data.values:
            ax.plot(
                cast("ArrayLike", data.periods),
                [v if v is not None else float("nan") for v in data.values[role]],
                color=ROLE_COLOURS[role],
                linewidth=1.6,
                linestyle="-" if role == "actual" else "--",
                label=ROLE_NAMES[role],
            )
    ax.yaxis.set_major_formatter(FuncFormatter(compact))
    ax.legend(fontsize=7, loc="upper left", ncols=3, frameon=False)
    _style(ax, data.title)
    ax.grid(axis="y", alpha=0.3)
    ax.tick_params(axis="x", labelrotation=30)
    return png(fig)


def statistics_chart(data: Statistics) -> bytes:
    """Fit statistics as labelled bars (percentages on a 0-100 scale; R-squared shown x100)."""
    names = [n for n, _ in data.values]
    left, height = label_inches(names), 0.32 * max(len(names), 2)
    fig = figure(left + 4.6, height + TOP + BOTTOM, layout=None)
    ax = axes(fig, left, BOTTOM, 4.0, height)
    scaled = [v * 100 if key(n) in FRACTIONS else v for n, v in data.values]
    ax.barh(range(len(names)), [abs(v) for v in scaled], color=["#4C72B0" if v >= 0 else "#C44E52" for v in scaled])
    for y, (_, value) in enumerate(data.values):
        ax.text(abs(scaled[y]), y, f" {value:,.4g}", va="center", fontsize=8)
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlim(0, max([100.0] + [abs(v) * 1.15 for v in scaled]))
    _style(ax, data.title)
    return png(fig)


def refit_chart(changes: Sequence[Change], title: str) -> bytes:
    """The largest changes of a refit: relative change per measure and channel, before -> after."""
    months = len({c.partition_key for c in changes}) > 1
    labels = [f"{c.measure} · {c.channel}" + (f" · {c.partition_key}" if months else "") for c in changes]
    left, height = label_inches(labels), 0.3 * max(len(changes), 2)
    fig = figure(left + 5.2, height + TOP + BOTTOM + 0.25, layout=None)
    ax = axes(fig, left, BOTTOM + 0.25, 4.9, height)
    rel = [100.0 * (c.rel_change or 0.0) for c in changes]
    ax.barh(range(len(changes)), rel, color=["#55A868" if r >= 0 else "#C44E52" for r in rel])
    for y, c in enumerate(changes):
        before = compact(c.before) if c.before is not None else "–"
        after = compact(c.after) if c.after is not None else "–"
        text = f" {before} → {after}"
        ax.text(rel[y], y, text, va="center", ha="left" if rel[y] >= 0 else "right", fontsize=7)
    ax.axvline(0, color="#444444", linewidth=0.8)
    ax.set_yticks(range(len(changes)), labels)
    ax.invert_yaxis()
    span = max([abs(r) for r in rel] + [1.0]) * 1.6
    ax.set_xlim(-span, span)
    ax.set_xlabel("change after the refit, % of before", fontsize=8)
    _style(ax, title)
    return png(fig)
