"""Names for columns, tables, schemas and files, made from untrusted text.

Why: CSV headers, download keys and report types come from the server and may hold anything
("../", quotes, ";", spaces, non-ASCII). None of it may reach SQL or the file system raw, and the
same text must always give the same name, so a re-load lands in the same table and folder.

Column rule (DESIGN.md): replace ``%`` by `` pct ``, lowercase, runs of anything but ``[a-z0-9]``
become ``_``, trim ``_``, prefix ``c_`` when the name starts with a digit, ``column_<n>`` (1-based
position) when nothing is left, suffix ``_2``, ``_3`` … on clashes. The lineage columns (and
any variable-part columns the caller names) count as taken, so a CSV header "Deployment ID"
becomes ``deployment_id_2`` and never overwrites lineage.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence

LINEAGE_COLUMNS = (
    "dashboard",
    "deployment_id",
    "model_date",
    "partition_key",
    "report_id",
    "download_key",
    "loaded_at",
)
RESERVED_SCHEMAS = frozenset(
    {"main", "recast_meta", "recast_marts", "information_schema", "pg_catalog", "temp", "system"}
)

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_PLAIN_SEGMENT = re.compile(r"[a-z0-9][a-z0-9_.-]{0,99}")
_MAX_NAME = 80
_HASH_CHARS = 12


def normalize_column(name: str, position: int | None = None) -> str:
    """One header -> identifier per DESIGN.md; empty results become ``column_<position>``."""
    text = _NOT_ALNUM.sub("_", name.replace("%", " pct ").lower()).strip("_")
    if not text:
        return f"column_{position}" if position is not None else "column"
    if text[0].isdigit():
        text = f"c_{text}"
    return text


def normalize_columns(names: Sequence[str], reserved: Iterable[str] = ()) -> list[str]:
    """All headers of a file -> unique identifiers, avoiding lineage and ``reserved`` names."""
    taken = set(LINEAGE_COLUMNS) | set(reserved)
    result = []
    for position, name in enumerate(names, start=1):
        base = normalize_column(name, position)
        candidate, suffix = base, 2
        while candidate in taken:
            candidate = f"{base}_{suffix}"
            suffix += 1
        taken.add(candidate)
        result.append(candidate)
    return result


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_CHARS]


def safe_name(text: str) -> str:
    """An identifier/file name for any text: normalized, plus a hash when that lost information.

    Only ``[a-z0-9_]``, never empty, never "." or "..", at most ~93 characters. Texts that are
    already clean identifiers come back unchanged; two different texts never share a name
    (up to the 48-bit hash).
    """
    base = normalize_column(text)
    if base == text and len(base) <= _MAX_NAME:
        return base
    return f"{base[:_MAX_NAME].rstrip('_')}_{_digest(text)}"


def safe_segment(text: str) -> str:
    """A path segment for values such as partition keys: kept as is when plainly safe
    (``2024-01-01``, ``5716``), else :func:`safe_name`. Never contains a path separator."""
    if _PLAIN_SEGMENT.fullmatch(text):
        return text
    return safe_name(text)


def table_identifier(logical_table: str) -> str:
    """The SQL table (and folder) name of a logical table: the column rule, readable first
    (too long a name, e.g. from a 300-character key, is cut and hashed: a folder name has a limit)."""
    if _NOT_ALNUM.sub("", logical_table.replace("%", " pct ").lower()):
        name = normalize_column(logical_table)
        if len(name) <= _MAX_NAME:
            return name
    return safe_name(logical_table)


def schema_name(report_type: str) -> str:
    """The DuckDB schema (and Parquet folder) of a report type; never a system schema."""
    name = normalize_column(report_type)
    return f"{name}_report" if name in RESERVED_SCHEMAS else name


def parquet_file_name(download_key: str) -> str:
    """The Parquet file name of one download key inside its partition folder."""
    return f"{safe_segment(download_key)}.parquet"


def quote_identifier(name: str) -> str:
    """SQL identifier quoting; used for every identifier even when already clean."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """SQL string literal quoting for values that cannot be bound as parameters (paths in COPY).

    A NUL character ends DuckDB's SQL text, so it travels as ``chr(0)`` between quoted parts."""
    quoted = "'" + text.replace("'", "''") + "'"
    return quoted.replace("\x00", "' || chr(0) || '") if "\x00" in text else quoted


def comment_literal(text: str) -> str:
    """A constant literal for ``COMMENT ON ... IS`` (which takes no expression): a NUL reads U+FFFD there."""
    return quote_literal(text.replace("\x00", "\ufffd"))
