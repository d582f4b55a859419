"""Model estimates derived from :mod:`data`, shared by the report tables.

Total vs. direct effects: with lower-funnel channels, half of a lower-funnel channel's direct impact
is credited to the upper-funnel channels that drove it (by ``lower_funnel_share``), so totals
move effect between channels without changing the sum. Credible intervals are deterministic
widths around the point estimate, wider for channels with volatile spend.
"""

from __future__ import annotations

import numpy as np

from .csvout import r2, r4
from .data import ModelData, stable_seed

LOWER_FUNNEL_CREDIT = 0.5


def impact(md: ModelData, channel: str, part: slice, *, total: bool = False, shifted: bool = False) -> float:
    series = md.impact_shifted if shifted else md.impact
    direct = float(series[channel][part].sum())
    if not total or not md.deployment.lower_funnel:
        return direct
    if channel in md.deployment.lower_funnel:
        return direct * (1 - LOWER_FUNNEL_CREDIT)
    lower = sum(float(series[c][part].sum()) for c in md.deployment.lower_funnel)
    return direct + md.lower_funnel_share.get(channel, 0.0) * LOWER_FUNNEL_CREDIT * lower


def impact_series(md: ModelData, channel: str, *, total: bool = False) -> np.ndarray:
    """Daily unshifted impact, total or direct (same crediting rule as :func:`impact`)."""
    direct = md.impact[channel]
    if not total or not md.deployment.lower_funnel:
        return direct
    if channel in md.deployment.lower_funnel:
        return direct * (1 - LOWER_FUNNEL_CREDIT)
    lower = sum(md.impact[c] for c in md.deployment.lower_funnel)
    return direct + md.lower_funnel_share.get(channel, 0.0) * LOWER_FUNNEL_CREDIT * lower


def width(md: ModelData, name: str) -> float:
    """Relative half-width of a 90% interval for an estimate about ``name``."""
    return 0.15 + (stable_seed(md.deployment.id, name, "width") % 1000) / 2500


def interval(value: float | None, rel: float, money: bool = False) -> list[float | None]:
    """``[Mean, Median, 5%, 95%]`` around a median."""
    if value is None:
        return [None, None, None, None]
    rnd = r2 if money else r4
    spread = abs(value) * rel
    return [rnd(value * 1.015), rnd(value), rnd(value - spread), rnd(value + 1.2 * spread)]


def saturation_of(md: ModelData, channels: list[str], part: slice) -> float:
    """Spend-weighted mROI/ROI of several channels."""
    spend = np.array([float(md.spend[c][part].sum()) for c in channels])
    sat = np.array([md.saturation[c] for c in channels])
    return float((spend * sat).sum() / spend.sum()) if spend.sum() else float(sat.mean())


def hill(roi0: float, spend0: float, sat: float) -> tuple[float, float]:
    """(a, k) of ``impact(s) = a*s/(s+k)`` with ROI ``roi0`` and mROI/ROI ``sat`` at daily spend ``spend0``."""
    spend0 = max(spend0, 1.0)
    k = sat * spend0 / (1 - sat)
    return roi0 * (spend0 + k), k


def response(a: float, k: float, daily_spend: float) -> tuple[float, float | None, float | None]:
    """(daily impact, ROI, mROI) at a daily spend on the curve."""
    value = a * daily_spend / (daily_spend + k)
    if daily_spend <= 0:
        return 0.0, None, r4(a / k)
    return value, r4(value / daily_spend), r4(a * k / (daily_spend + k) ** 2)


def money_or_none(x: float | None) -> float | None:
    return None if x is None else r2(x)
