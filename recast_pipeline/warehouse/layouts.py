"""Which layout a download came in: wide, long or other, from its headers and the channel labels.

Why: Recast documents no CSV layout (RECAST_API.md, "What the documentation leaves open"). The
same table may come *wide* (a date, period or metric column, then one column per channel) or
*long* (a channel column and measure columns), with headers in any case and punctuation. The
marts (``marts.py``) read each download the way it came; what is not recognized is recorded as
``other`` with a note naming what was seen, and never fails a load.

Headers are compared by their *key*: case folded, ``%`` read as ``pct``, everything but letters and
digits dropped (``SPEND_($)``, ``Spend ($)`` and ``spend`` are one key; so are ``Paid Social`` and
``PAID_SOCIAL``). Channel labels may hold commas, ``&`` or ``%``: they are keyed the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

WIDE, LONG, OTHER = "wide", "long", "other"
_DROP = re.compile(r"[^0-9a-z]+")
PERIOD_KEYS = frozenset(
    {"date", "day", "week", "weekstart", "weekof", "month", "monthstart", "period", "periodstart", "quarter", "year"}
)
METRIC_KEYS = frozenset({"metric", "measure", "statistic", "stat"})
CHANNEL_KEYS = frozenset({"channel", "channelname", "channels", "spendchannel", "marketingchannel"})
# SQL twin of ``key`` for values inside a column (a wide table's metric names).
KEY_SQL = "regexp_replace(lower(replace(CAST({} AS VARCHAR), '%', 'pct')), '[^0-9a-z]+', '', 'g')"


def key(header: str) -> str:
    """A header (or label) as compared: ``Share of Spend %`` -> ``shareofspendpct``."""
    return _DROP.sub("", header.replace("%", "pct").casefold())


@dataclass(frozen=True)
class Column:
    """A data column of a download: its warehouse name, the CSV header and DuckDB type."""

    name: str
    header: str
    type: str

    @property
    def key(self) -> str:
        return key(self.header)

    @property
    def numeric(self) -> bool:
        return self.type in ("BIGINT", "DOUBLE", "INTEGER", "HUGEINT", "FLOAT") or self.type.startswith("DECIMAL")


@dataclass(frozen=True)
class Layout:
    """How one download is laid out, with the columns that say so."""

    kind: str  # wide | long | other
    period: Column | None = None  # the date or period column, if any
    metric: Column | None = None  # wide: the column naming what each row measures
    channel: Column | None = None  # long: the channel column
    channels: tuple[tuple[Column, str], ...] = ()  # wide: each channel column and its label
    measures: tuple[Column, ...] = ()  # long: the numeric columns
    note: str = ""  # other: what was seen and what was expected

    def measure(self, *keys: str) -> Column | None:
        """The long layout's first measure column whose key is one of ``keys`` (in their order)."""
        for wanted in keys:
            for column in self.measures:
                if column.key == wanted:
                    return column
        return None


def recognize(columns: Sequence[Column], channels: Sequence[str] = ()) -> Layout:
    """The layout of a download with these data columns; ``channels``: the deployment's labels
    (without them, a wide table is one with a period column and numeric columns only)."""
    labels = {key(label): label for label in channels}
    period = next((c for c in columns if c.key in PERIOD_KEYS or c.type in ("DATE", "TIMESTAMP")), None)
    named = [c for c in columns if c.key in CHANNEL_KEYS] or [
        c for c in columns if c.key.endswith("channel") and not c.numeric
    ]
    if len(named) == 1:
        channel = named[0]
        measures = tuple(c for c in columns if c.numeric and c is not channel and c is not period)
        return Layout(LONG, period=period, channel=channel, measures=measures)
    metric = next((c for c in columns if c.key in METRIC_KEYS and not c.numeric), None)
    if labels:
        wide = tuple((c, labels[c.key]) for c in columns if c.key in labels)
    else:
        rest = [c for c in columns if c is not period and c is not metric and not c.key.startswith("total")]
        wide = (
            tuple((c, c.header) for c in rest) if period is not None and rest and all(c.numeric for c in rest) else ()
        )
    if wide and (period is not None or metric is not None):
        return Layout(WIDE, period=period, metric=metric, channels=wide)
    seen = ", ".join(c.header for c in columns) or "no columns"
    expected = (
        f"one column per channel ({', '.join(channels)}) beside a date, period or metric column"
        if channels
        else "a date or period column with one numeric column per channel"
    )
    return Layout(OTHER, note=f"saw {seen}; expected a channel column, or {expected}")
