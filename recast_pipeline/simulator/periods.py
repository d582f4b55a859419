"""Calendar helpers shared by the report tables: windows from forms and daily -> period groups."""

from __future__ import annotations

import datetime as dt
from typing import Callable, Iterator

from .data import ModelData

GRANULARITY_KEYS = {"daily": "Date", "weekly": "Week Start", "monthly": "Month"}


def week_start(day: dt.date) -> dt.date:
    """Weeks start on Monday and are labelled by that Monday."""
    return day - dt.timedelta(days=day.weekday())


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


PERIOD_OF: dict[str, Callable[[dt.date], dt.date]] = {
    "daily": lambda d: d,
    "weekly": week_start,
    "monthly": month_start,
}


def form_date(form: dict, name: str) -> dt.date:
    return dt.date.fromisoformat(str(form[name]))


def form_window(md: ModelData, form: dict, start: str = "start_date", end: str = "end_date") -> slice:
    """Positions of the form's inclusive date range within the model's data (clipped)."""
    return md.index(form_date(form, start), form_date(form, end))


def groups(md: ModelData, window: slice, granularity: str) -> Iterator[tuple[dt.date, slice]]:
    """Consecutive (period label, positions) groups of the window's days; edge periods are partial."""
    period_of = PERIOD_OF[granularity]
    lo, hi = window.start, window.stop
    while lo < hi:
        label = period_of(md.dates[lo])
        end = lo + 1
        while end < hi and period_of(md.dates[end]) == label:
            end += 1
        yield label, slice(lo, end)
        lo = end


def anchor_window(md: ModelData, form: dict) -> slice:
    """The ``num_days`` days before ``date`` (spend response curves), clipped to the data."""
    anchor = form_date(form, "date")
    days = int(form["num_days"])
    end = min(anchor - dt.timedelta(days=1), md.last_date)
    return md.index(end - dt.timedelta(days=days - 1), end)
