"""CSV -> typed Parquet with lineage columns, streamed with bounded memory, in DuckDB alone.

Why DuckDB and not pyarrow's CSV reader: pyarrow's streaming reader fixes types from its first
block and fails on a later mismatch, and DuckDB's parallel reader made the whole path
(CSV -> Parquet -> warehouse) about 1.5x faster in our measurements. Every cell is read as text
and typed by the strict rules of ``inference``: one guarded ``COPY (SELECT casts + lineage) TO
parquet`` in the usual case, a whole-file type check and a second COPY only when a late value
does not fit the sampled type. Columns without a value in the sample are written as text and
typed afterwards from the Parquet file (a column read, not a second CSV pass); only when such a
column turns out numeric or a date is the Parquet rewritten from itself. Memory is bounded by
DuckDB's ``memory_limit`` (spilling beside the output) and by row groups of at most
``ROW_GROUP_BYTES``. Rows of files larger than one read buffer may be reordered (order is not
preserved, for speed); every row keeps its values. The file is written under a temporary name
and renamed into place, so a failure leaves nothing at ``parquet_path``; the column types are
read back from the file by DuckDB (no pyarrow import on this path).
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb

from recast_pipeline.landing.diagnose import MalformedCsvError, check_head, describe_failure, read_header
from recast_pipeline.landing.inference import (
    NULL_TYPE,
    decide_types,
    guarded_casts,
    is_retype_error,
    sample_types,
    settle_sparse_columns,
)
from recast_pipeline.landing.landed_types import LandedColumn, LandedTable, Lineage, ParquetFile
from recast_pipeline.landing.naming import LINEAGE_COLUMNS, normalize_columns, quote_identifier, quote_literal

__all__ = ["csv_to_parquet", "LandedColumn", "LandedTable", "Lineage", "MalformedCsvError", "ParquetFile"]

# Row groups bounded in bytes, not only rows: wide CSVs (hundreds of channel columns) would
# otherwise buffer ~120k rows per column per thread and blow far past the memory limit.
ROW_GROUP_BYTES = "16MB"
_PARQUET_OPTIONS = f"(FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE_BYTES {quote_literal(ROW_GROUP_BYTES)})"


def _source(csv_path: Path, width: int) -> str:
    """DuckDB's strict CSV reader with every column as text, named c0, c1, ... by position."""
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width))
    return (
        f"read_csv({quote_literal(str(csv_path))}, header=true, columns={{{columns}}}, "
        "nullstr=['NA', ''], auto_detect=false, strict_mode=true, delim=',', quote='\"', escape='\"')"
    )


_per_thread = threading.local()


def _idle_connections() -> dict[tuple[str, int | None], duckdb.DuckDBPyConnection]:
    """This thread's in-memory DuckDBs between conversions, by (memory limit, threads)."""
    if not hasattr(_per_thread, "idle"):
        _per_thread.idle = {}
    return _per_thread.idle


@contextmanager
def _connection(work_dir: Path, memory_limit: str, threads: int | None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A private in-memory DuckDB whose spill files (if any) live beside the output.

    Why kept per thread: opening one costs about 10 ms on an idle machine and ten times that in a
    busy process (it gives up the GIL many times), and a month close converts thousands of small
    CSVs. Each conversion points it at its own spill folder; one that spilled is closed (DuckDB
    cannot move a used spill folder), and the folder goes with it."""
    settings = (memory_limit, threads)
    spill = work_dir / f".duckdb-spill-{uuid.uuid4().hex}"
    con = _idle_connections().pop(settings, None)
    if con is None:
        config: dict[str, str | bool | int | float | list[str]] = {  # duckdb.connect's config
            "memory_limit": memory_limit,
            "preserve_insertion_order": False,  # faster, and needed for byte-bounded row groups
        }
        if threads:
            config["threads"] = threads
        con = duckdb.connect(config=config)
        con.execute("SET enable_progress_bar = false")  # never draw on a step's stdout
    reusable = False
    try:
        con.execute(f"SET temp_directory = {quote_literal(str(spill))}")
        yield con
        reusable = not spill.exists()
    finally:
        if reusable:
            _idle_connections()[settings] = con
        else:
            con.close()
        shutil.rmtree(spill, ignore_errors=True)


def csv_to_parquet(
    csv_path: str | Path,
    parquet_path: str | Path,
    *,
    download_key: str,
    lineage: Lineage,
    parts: Mapping[str, str] | None = None,
    memory_limit: str = "512MB",
    threads: int | None = None,
) -> ParquetFile:
    """Convert one downloaded CSV into a typed Parquet file with lineage and part columns.

    Raises MalformedCsvError (key, file, line, reason) for HTML pages, empty bodies, ragged rows,
    bad quoting or bad UTF-8; in that case ``parquet_path`` is left untouched.
    """
    csv_path, parquet_path = Path(csv_path), Path(parquet_path)
    parts = dict(parts or {})
    check_head(csv_path, download_key)
    header = read_header(csv_path, download_key)
    part_names = normalize_columns(list(parts))
    names = normalize_columns(header, reserved=part_names)
    parquet_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = parquet_path.with_name(f".{parquet_path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with _connection(parquet_path.parent, memory_limit, threads) as con:
            source = _source(csv_path, len(header))
            copy = functools.partial(
                _copy, con, source, temporary, names, part_names, list(parts.values()), download_key, lineage
            )
            try:
                types = sample_types(con, source, len(header))
                try:
                    rows = copy(types)
                except (duckdb.InvalidInputException, duckdb.ConversionException) as exc:
                    if not is_retype_error(exc):
                        raise
                    decided = decide_types(con, source, types)
                    if decided == types:  # not a misfit after all: report the converter's error
                        raise
                    types = decided
                    rows = copy(types)
            except (duckdb.InvalidInputException, duckdb.ConversionException) as exc:
                raise describe_failure(csv_path, len(header), exc, download_key) from None
            types = _settle_sparse(con, temporary, names, types)
            written = con.execute(f"DESCRIBE SELECT * FROM {_read_parquet(temporary)}").fetchall()
        os.replace(temporary, parquet_path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    originals = dict(zip(names, header))
    kinds = {**{name: "part" for name in part_names}, **{name: "lineage" for name in LINEAGE_COLUMNS}}
    null_names = {name for name, kind in zip(names, types) if kind == NULL_TYPE}
    columns = tuple(
        LandedColumn(
            name=name,
            original=originals.get(name),
            duckdb_type=duckdb_type,
            kind=kinds.get(name, "data"),
            all_null=name in null_names,
        )
        for name, duckdb_type, *_ in written
    )
    return ParquetFile(path=parquet_path, rows=rows, columns=columns)


def _read_parquet(path: Path) -> str:
    """The file's own columns: the ``dashboard=``/``partition_key=`` folders above it must not
    replace its values (DuckDB would read them as hive partitions, a key as a DATE)."""
    return f"read_parquet({quote_literal(str(path))}, hive_partitioning = false)"


def _settle_sparse(con, written: Path, names: list[str], types: list[str]) -> list[str]:
    """Type the columns that had no value in the sample from the written file; rewrite it from
    itself (plain casts: every value was checked) only when one of them is not text after all."""
    sparse = [i for i, kind in enumerate(types) if kind == NULL_TYPE]
    if not sparse:
        return types
    file = _read_parquet(written)
    columns = ", ".join(f"{quote_identifier(names[i])} AS c{i}" for i in sparse)
    settled = settle_sparse_columns(con, f"(SELECT {columns} FROM {file})", types)
    retyped = {names[i]: settled[i] for i in sparse if settled[i] not in (NULL_TYPE, "VARCHAR")}
    if retyped:
        replace = ", ".join(
            f"CAST({quote_identifier(name)} AS {kind}) AS {quote_identifier(name)}" for name, kind in retyped.items()
        )
        rewritten = written.with_name(f"{written.name}.retyped")
        try:
            con.execute(
                f"COPY (SELECT * REPLACE ({replace}) FROM {file}) TO {quote_literal(str(rewritten))} {_PARQUET_OPTIONS}"
            )
            os.replace(rewritten, written)
        finally:
            rewritten.unlink(missing_ok=True)
    return settled


def _copy(con, source, target, names, part_names, part_values, download_key, lineage, types) -> int:
    select = [f"{expression} AS {quote_identifier(name)}" for expression, name in zip(guarded_casts(types), names)]
    constants = [(name, "VARCHAR", value) for name, value in zip(part_names, part_values)] + [
        ("dashboard", "VARCHAR", lineage.dashboard),
        ("deployment_id", "BIGINT", lineage.deployment_id),
        ("model_date", "VARCHAR", lineage.model_date),
        ("partition_key", "VARCHAR", lineage.partition_key),
        ("report_id", "BIGINT", lineage.report_id),
        ("download_key", "VARCHAR", download_key),
        ("loaded_at", "TIMESTAMPTZ", lineage.loaded_at.isoformat()),
    ]
    select += [f"CAST({_literal(value)} AS {kind}) AS {quote_identifier(name)}" for name, kind, value in constants]
    sql = f"COPY (SELECT {', '.join(select)} FROM {source}) TO {quote_literal(str(target))} {_PARQUET_OPTIONS}"
    return int(con.execute(sql).fetchone()[0])


def _literal(value: str | int | None) -> str:
    """Lineage values inlined as SQL literals: binding parameters makes DuckDB 1.5's Python client
    import pandas, numpy and pyarrow (about 0.4 s per process) just to check their types."""
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(int(value))
    return quote_literal(str(value))
