"""What a chart is made of: plain data read from the warehouse, and the drawn result.

Why plain dataclasses: the readers (SQL) and the drawing (matplotlib) stay apart, so each is
tested and timed on its own, and a reader never imports the plotting library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

MAX_PNG_BYTES = 200_000  # every image a chart embeds stays under this (Dagster keeps metadata in its event log)


@dataclass(frozen=True)
class Chart:
    """One chart of a partition or report: a PNG, or the one-line note saying why it was left out."""

    name: str  # effects, spend, model_fit, baseline, refit
    title: str
    png: bytes | None = None
    note: str = ""

    @property
    def drawn(self) -> bool:
        return self.png is not None


@dataclass(frozen=True)
class Estimate:
    """A channel's estimate with its 5-95% interval (``p05``/``p95`` may be missing)."""

    channel: str
    median: float
    p05: float | None = None
    p95: float | None = None


@dataclass(frozen=True)
class Effects:
    """ROI and impact per channel of one dashboard and month (``recast_marts.channel_effects``)."""

    dashboard: str
    partition_key: str
    roi: tuple[Estimate, ...]
    impact: tuple[Estimate, ...]
    impact_metric: str = "impact_shifted"


@dataclass(frozen=True)
class Spend:
    """Daily spend per channel of one dashboard and month (``recast_marts.channel_spend``)."""

    dashboard: str
    partition_key: str
    days: tuple[date, ...]
    by_channel: dict[str, tuple[float, ...]]  # channel -> spend per day (0 where missing)
    totals: dict[str, float]  # channel -> the month's total


@dataclass(frozen=True)
class Series:
    """KPI series over time from a raw table (model fit, baseline, marketing-driven)."""

    title: str
    periods: tuple[date, ...]
    values: dict[str, tuple[float | None, ...]]  # role (baseline, marketing, actual, ...) -> values
    labels: dict[str, str] = field(default_factory=dict)  # role -> the CSV header it came from


@dataclass(frozen=True)
class Statistics:
    """Fit statistics as Recast's ``stats`` download gives them: (name, value) pairs."""

    title: str
    values: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Change:
    """One measure of one channel before and after a refit (``recast_meta.refit_changes``)."""

    measure: str
    channel: str
    partition_key: str
    before: float | None
    after: float | None
    rel_change: float | None


@dataclass(frozen=True)
class Unavailable:
    """Why a chart's data could not be read (becomes the chart's one-line note)."""

    note: str
