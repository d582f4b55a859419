"""Scanners for the canary token: raw file bytes, Dagster events, decoded DuckDB and Parquet values.

Raw bytes catch most leaks (logs, SQLite storage, JSON); compressed formats need decoding, so
DuckDB tables and Parquet files are also read back and searched value by value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import dagster as dg
import duckdb
import pyarrow.parquet as pq
from dagster_shared.serdes import serialize_value

from .helpers import CANARY_TOKEN


def leaks_in_files(root: Path, secret: str = CANARY_TOKEN) -> list[str]:
    """Files under ``root`` whose bytes contain the secret (raw bytes, any format)."""
    needle = secret.encode()
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            try:
                if needle in path.read_bytes():
                    found.append(str(path))
            except OSError:
                continue
    return found


def leaks_in_results(results: Iterable[dg.ExecuteInProcessResult], secret: str = CANARY_TOKEN) -> list[str]:
    """Dagster events (messages, metadata, errors, run config) that contain the secret."""
    found = []
    for result in results:
        if secret in serialize_value(result.dagster_run):
            found.append(f"run {result.run_id}: run record")
        for event in result.all_events:
            if secret in serialize_value(event):
                found.append(f"run {result.run_id}: {event.event_type_value}")
    return found


def leaks_in_duckdb(path: Path, secret: str = CANARY_TOKEN) -> list[str]:
    """Every text value (and JSON) of every table, decoded, searched for the secret."""
    found = []
    with duckdb.connect(str(path), read_only=True) as con:
        columns = con.execute(
            "SELECT c.table_schema, c.table_name, c.column_name FROM information_schema.columns c JOIN "
            "information_schema.tables t USING (table_schema, table_name) WHERE t.table_type = 'BASE TABLE'"
        ).fetchall()
        for schema, table, column in columns:
            hits = con.execute(
                f'SELECT count(*) FROM "{schema}"."{table}" WHERE CAST("{column}" AS VARCHAR) LIKE ?', [f"%{secret}%"]
            ).fetchone()[0]
            if hits:
                found.append(f"{schema}.{table}.{column}")
            if secret in f"{schema}.{table}.{column}":
                found.append(f"identifier {schema}.{table}.{column}")
    return found


def leaks_in_parquet(root: Path, secret: str = CANARY_TOKEN) -> list[str]:
    """Decoded Parquet values and file metadata (compression hides bytes from a raw scan)."""
    found = []
    for path in root.rglob("*.parquet"):
        parquet = pq.ParquetFile(path)
        if secret in repr(parquet.metadata.metadata) or secret in str(parquet.schema_arrow):
            found.append(f"{path}: metadata")
        if secret in repr(parquet.read().to_pylist()):
            found.append(f"{path}: values")
    return found
