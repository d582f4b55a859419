"""Tables and their CSV text, written the way Recast's R backend writes them.

``NA`` for missing values, ``TRUE``/``FALSE`` for logicals, minimal quoting (so a label with a comma
is quoted), ``\\n`` line ends, ISO dates. Big tables are produced lazily and rendered in chunks so
a million-row download streams with bounded memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import math
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Sequence, SupportsFloat

import numpy as np

CHUNK_ROWS = 2000


@dataclass
class Table:
    columns: list[str]
    rows: Iterable[Sequence[object]]
    big: bool = False  # stream it (no Content-Length) instead of rendering it in memory
    plain: bool = False  # rows hold only already-formatted str, int and float (fast path for big tables)


@dataclass(frozen=True)
class DownloadSpec:
    key: str
    description: str
    make_table: Callable[[], Table]
    measure: str | None = None  # what a wide table's channel columns hold (its long form's measure column)
    shapeable: bool = True  # served in the reading's layout and header style (``layouts.shape``)


def cell(value: object) -> object:
    """One value as R would write it."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None:
        return "NA"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return "NA"
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text  # R writes 5565, not 5565.0
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def iter_csv(table: Table) -> Iterator[str]:
    """The table as CSV text, in chunks of a few thousand rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.columns)
    rows = iter(table.rows)
    while True:
        batch = list(itertools.islice(rows, CHUNK_ROWS))
        if not batch:
            break
        writer.writerows(batch if table.plain else ([cell(v) for v in row] for row in batch))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def render_csv(table: Table) -> bytes:
    return "".join(iter_csv(table)).encode("utf-8")


def r2(x: SupportsFloat) -> float:
    """Money: cents."""
    return round(float(x), 2)


def r4(x: float) -> float | None:
    """Ratios (ROI, shares): four decimals; ``None`` (written ``NA``) when undefined."""
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else round(x, 4)


def ratio(num: float, den: float) -> float | None:
    return r4(num / den) if den else None


def percent(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None
