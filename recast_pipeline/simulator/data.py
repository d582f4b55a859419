"""Deterministic synthetic MMM data: observed daily spend and KPI plus the model's estimates.

Everything derives from (seed, deployment, model version) through numpy generators, so two
simulators with the same seed serve identical numbers. Observed data (spend, KPI, context
variables) does not depend on the model version; estimates (ROI, impact, baseline) move a little
with every refresh, the way a refit model's numbers do.

Invariants the report tables rely on: spend is rounded to cents before anything sums it, and
``impact = spend * roi_daily`` day by day, so a window's ROI is exactly its impact over its spend.
"""

from __future__ import annotations

import datetime as dt
import functools
import zlib
from dataclasses import dataclass

import numpy as np

from .config import DATA_START
from .deployments import DeploymentSpec

SPIKES = (  # (name, group, month, day) of yearly promotional spikes
    ("Black Friday", "Holidays", 11, 24),
    ("Cyber Monday", "Holidays", 11, 27),
    ("Spring Sale", "Promotions", 3, 15),
    ("Summer Sale", "Promotions", 7, 10),
)
SHIFT_DAYS = 28


def stable_seed(*parts: object) -> int:
    """A seed from arbitrary parts that is stable across processes (unlike ``hash``)."""
    return zlib.crc32("|".join(str(p) for p in parts).encode())


@dataclass(frozen=True)
class ModelData:
    deployment: DeploymentSpec
    version: int
    dates: tuple[dt.date, ...]
    spend: dict[str, np.ndarray]  # channel -> daily spend in dollars, rounded to cents
    roi_daily: dict[str, np.ndarray]  # channel -> daily ROI of that day's spend
    impact: dict[str, np.ndarray]  # channel -> daily impact (unshifted: credited to the spend day)
    impact_shifted: dict[str, np.ndarray]  # channel -> daily impact as it lands (adstock applied)
    shift_curve: dict[str, np.ndarray]  # channel -> share of effect landing d days after spend
    saturation: dict[str, float]  # channel -> mROI / ROI
    lower_funnel_share: dict[str, float]  # upper-funnel channel -> share of lower-funnel impact it drives
    baseline: np.ndarray
    context_values: dict[str, np.ndarray]
    context_effect: dict[str, np.ndarray]
    spike_effect: dict[str, np.ndarray]  # spike name -> daily effect
    kpi: np.ndarray

    @property
    def first_date(self) -> dt.date:
        return self.dates[0]

    @property
    def last_date(self) -> dt.date:
        return self.dates[-1]

    def index(self, start: dt.date, end: dt.date) -> slice:
        """Positions of the days in ``[start, end]`` (inclusive), clipped to the data."""
        lo = max((start - self.first_date).days, 0)
        hi = min((end - self.first_date).days + 1, len(self.dates))
        return slice(lo, max(lo, hi))

    def roi(self, channel: str) -> float:
        """The model's headline ROI of a channel over the whole data."""
        spend = float(self.spend[channel].sum())
        return float(self.impact[channel].sum()) / spend if spend else float("nan")

    def marketing(self) -> np.ndarray:
        return sum(self.impact_shifted.values(), np.zeros(len(self.dates)))


def _spend(dep: DeploymentSpec, seed: int, n: int, dates: tuple[dt.date, ...]) -> dict[str, np.ndarray]:
    weekday = np.array([d.weekday() for d in dates])
    doy = np.array([d.timetuple().tm_yday for d in dates])
    out = {}
    for i, channel in enumerate(dep.channels):
        rng = np.random.default_rng(stable_seed(seed, dep.data_id, "spend", channel))
        level = dep.spend_scale * (0.5 + 1.5 * rng.random())
        season = 1 + 0.3 * np.sin(2 * np.pi * (doy + 40 * i) / 365.25)
        week = np.where(weekday >= 5, 0.7 + 0.2 * rng.random(), 1.0)
        growth = 1 + 0.25 * np.arange(n) / n
        daily = level * season * week * growth * rng.lognormal(0.0, 0.25, n)
        if i % 3 == 1:  # flighted channel: on/off in blocks of weeks
            blocks = rng.random(n // 21 + 1) < 0.3
            daily[np.repeat(blocks, 21)[:n]] = 0.0
        if i % 3 == 2:  # no weekend spend
            daily[weekday >= 5] = 0.0
        out[channel] = np.round(daily, 2)
    return out


def _shift_curve(seed: int, dep_id: int, channel: str) -> np.ndarray:
    rng = np.random.default_rng(stable_seed(seed, dep_id, "shift", channel))
    decay = 0.55 + 0.35 * rng.random()
    peak = int(rng.integers(0, 4))
    days = np.arange(SHIFT_DAYS)
    curve = decay ** np.abs(days - peak)
    return curve / curve.sum()


@functools.lru_cache(maxsize=32)
def model_data(dep: DeploymentSpec, seed: int, version: int, data_end: dt.date) -> ModelData:
    n = (data_end - DATA_START).days + 1
    dates = tuple(DATA_START + dt.timedelta(days=i) for i in range(n))
    doy = np.array([d.timetuple().tm_yday for d in dates])
    spend = _spend(dep, seed, n, dates)
    roi_daily, impact, shifted, curves, saturation, lf_share = {}, {}, {}, {}, {}, {}
    for i, channel in enumerate(dep.channels):
        rng = np.random.default_rng(stable_seed(seed, dep.data_id, "roi", channel))
        base = 0.6 + 3.0 * rng.random()
        refit = 1 + 0.04 * np.sin(version * 1.7 + i)  # each refresh nudges the estimate
        roi_daily[channel] = base * refit * (1 + 0.15 * np.sin(2 * np.pi * (doy + 90 * i) / 365.25))
        impact[channel] = spend[channel] * roi_daily[channel]
        curves[channel] = _shift_curve(seed, dep.data_id, channel)
        shifted[channel] = np.convolve(impact[channel], curves[channel])[:n]
        saturation[channel] = 0.35 + 0.4 * rng.random()
    if dep.lower_funnel:
        weights = np.array([1.0 + (stable_seed(seed, dep.data_id, "lf", c) % 100) / 50 for c in dep.upper_funnel])
        lf_share = dict(zip(dep.upper_funnel, weights / weights.sum()))
    rng = np.random.default_rng(stable_seed(seed, dep.data_id, "kpi", version))
    t = np.arange(n)
    level = dep.spend_scale * 12
    baseline = level * (1 + 0.1 * t / n + 0.12 * np.sin(2 * np.pi * doy / 365.25)) * (1 + 0.01 * (version % 3))
    context_values, context_effect = {}, {}
    for j, name in enumerate(dep.context_variables):
        crng = np.random.default_rng(stable_seed(seed, dep.data_id, "context", name))
        values = 100 + np.cumsum(crng.normal(0, 0.4, n)) if j == 0 else 40 + 10 * np.sin(t / 60) + crng.normal(0, 1, n)
        context_values[name] = np.round(values, 3)
        context_effect[name] = (values - values.mean()) * level * (0.004 if j == 0 else 0.002) * (-1 if j == 0 else 1)
    spike_effect = {}
    for name, _group, month, day in SPIKES:
        effect = np.zeros(n)
        for year in range(DATA_START.year, data_end.year + 1):
            pos = (dt.date(year, month, day) - DATA_START).days
            for offset, share in ((-2, -0.08), (-1, -0.05), (0, 1.0), (1, 0.35), (2, 0.1)):
                if 0 <= pos + offset < n:
                    effect[pos + offset] += share * level * 0.8
        spike_effect[name] = effect
    noise = rng.normal(0, 0.02 * level, n)
    kpi = baseline + sum(context_effect.values(), np.zeros(n)) + sum(spike_effect.values(), np.zeros(n))
    kpi = np.round(kpi + sum(shifted.values(), np.zeros(n)) + noise, 2)
    for arrays in (spend, roi_daily, impact, shifted, curves, context_values, context_effect, spike_effect):
        for array in arrays.values():
            array.setflags(write=False)  # cached and shared between simulators: never mutated
    for array in (baseline, kpi):
        array.setflags(write=False)
    return ModelData(
        deployment=dep,
        version=version,
        dates=dates,
        spend=spend,
        roi_daily=roi_daily,
        impact=impact,
        impact_shifted=shifted,
        shift_curve=curves,
        saturation=saturation,
        lower_funnel_share=lf_share,
        baseline=baseline,
        context_values=context_values,
        context_effect=context_effect,
        spike_effect=spike_effect,
        kpi=kpi,
    )
