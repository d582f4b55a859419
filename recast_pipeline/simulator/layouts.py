"""The same table served wide or long, with headers as written or restyled (readings ``layout``, ``headers``).

Why: Recast documents no CSV layout; a download may come *wide* (row keys, then one column per
channel named by its exact label) or *long* (row keys, a ``Channel`` column, measure columns),
and headers in any case and punctuation. The tables are written one way (``tables_*``); these
transforms turn a table into the other layout where both make sense, so tests prove the pipeline
reads either:

* wide -> long: the columns named by a channel label become a ``Channel`` column and one measure
  column (``DownloadSpec.measure``, else ``Value``), or, when a ``Metric`` column says what each row
  measures, one column per metric. ``Total ...`` columns (sums over the channels) are dropped; a
  table with any other numeric column that is not a channel (a KPI beside the channels) stays.
* long -> wide: a ``Channel`` column whose values are all channel labels, with the text and date
  columns as row keys (unique per channel), becomes one column per channel: with one measure
  column its values, with several a ``Metric`` column and a row per metric.
"""

from __future__ import annotations

import datetime as dt
from typing import Sequence, cast

from .csvout import Table

CHANNEL, METRIC, VALUE = "Channel", "Metric", "Value"


def shape(table: Table, layout: str, headers: str, channels: Sequence[str], measure: str | None) -> Table:
    """``table`` in the reading's layout and header style (big streamed tables are left as they are)."""
    if table.big:
        return table
    if layout == "long":
        table = to_long(table, channels, measure) or table
    elif layout == "wide":
        table = to_wide(table, channels) or table
    if headers == "restyled":
        table = Table([restyle(c) for c in table.columns], table.rows, table.big, table.plain)
    return table


def restyle(header: str) -> str:
    """``Spend ($)`` -> ``SPEND_($)``, ``Paid Social`` -> ``PAID_SOCIAL``: another case and punctuation."""
    return header.strip().upper().replace(" ", "_")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def to_long(table: Table, channels: Sequence[str], measure: str | None) -> Table | None:
    labels = set(channels)
    rows = [list(r) for r in table.rows]
    at = {name: i for i, name in enumerate(table.columns)}
    wide = [c for c in table.columns if c in labels]
    if not wide or CHANNEL in at:
        return None
    keys = [c for c in table.columns if c not in labels and not c.startswith("Total ") and c != METRIC]
    if any(_is_number(row[at[c]]) for c in keys for row in rows):
        return None  # a numeric column beside the channels that is not theirs: no long form
    if METRIC in at:
        metrics = list(dict.fromkeys(str(row[at[METRIC]]) for row in rows))
        grouped: dict[tuple, dict[str, dict[str, object]]] = {}
        for row in rows:
            cells = grouped.setdefault(tuple(row[at[k]] for k in keys), {})
            for c in wide:
                cells.setdefault(c, {})[str(row[at[METRIC]])] = row[at[c]]
        out = [[*key, c, *(values.get(m) for m in metrics)] for key, by in grouped.items() for c, values in by.items()]
        return Table([*keys, CHANNEL, *metrics], out)
    out = [[*(row[at[k]] for k in keys), c, row[at[c]]] for row in rows for c in wide]
    return Table([*keys, CHANNEL, measure or VALUE], out)


def to_wide(table: Table, channels: Sequence[str]) -> Table | None:
    if CHANNEL not in table.columns:
        return None
    rows = [list(r) for r in table.rows]
    at = {name: i for i, name in enumerate(table.columns)}
    if not rows or any(row[at[CHANNEL]] not in channels for row in rows):
        return None
    others = [c for c in table.columns if c != CHANNEL]
    keys = [c for c in others if all(isinstance(row[at[c]], (str, dt.date)) or row[at[c]] is None for row in rows)]
    measures = [c for c in others if c not in keys]
    if not measures:
        return None
    present = [c for c in channels if any(row[at[CHANNEL]] == c for row in rows)]
    grouped: dict[tuple, dict[str, list]] = {}
    for row in rows:
        cells = grouped.setdefault(tuple(row[at[k]] for k in keys), {})
        if row[at[CHANNEL]] in cells:
            return None  # keys are not unique per channel: the wide form would lose rows
        cells[cast(str, row[at[CHANNEL]])] = row  # one of channels (checked above)
    if len(measures) == 1:
        m = at[measures[0]]
        out = [[*key, *(cells[c][m] if c in cells else None for c in present)] for key, cells in grouped.items()]
        return Table([*keys, *present], out)
    out = [
        [*key, name, *(cells[c][at[name]] if c in cells else None for c in present)]
        for key, cells in grouped.items()
        for name in measures
    ]
    return Table([*keys, METRIC, *present], out)
