"""What the open DuckDB file holds: tables, columns, and qualified names (small shared look-ups).

Why a module: the load, the history, the comments and the refit view all ask the same questions
of the catalog; one place keeps them consistent (this database only). ``duckdb_columns()`` answers
in about a quarter of the time ``information_schema`` takes, and loads ask often.
"""

from __future__ import annotations

from recast_pipeline.landing.naming import quote_identifier


def qualified(schema: str, table: str) -> str:
    return f"{quote_identifier(schema)}.{quote_identifier(table)}"


def existing_tables(con, schema: str) -> dict[str, dict[str, str]]:
    """Base tables of ``schema``: table -> {column: type}, columns in table order."""
    rows = con.execute(
        "SELECT c.table_name, c.column_name, c.data_type FROM duckdb_columns() c "
        "JOIN duckdb_tables() t ON t.table_oid = c.table_oid "
        "WHERE c.database_name = current_database() AND c.schema_name = ? ORDER BY c.table_name, c.column_index",
        [schema],
    ).fetchall()
    tables: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, {})[column] = data_type
    return tables


def table_columns(con, schema: str, table: str) -> dict[str, str]:
    """{column: type} of one table or view; empty when it does not exist."""
    rows = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = ? AND table_name = ? ORDER BY column_index",
        [schema, table],
    ).fetchall()
    return dict(rows)


def has_table(con, schema: str, table: str) -> bool:
    return bool(table_columns(con, schema, table))


def has_column(con, schema: str, table: str, column: str) -> bool:
    return column in table_columns(con, schema, table)


def is_lakehouse(con) -> bool:
    """Whether the current database is a DuckLake (it alters column types only by widening)."""
    row = con.execute("SELECT type FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return row is not None and row[0] == "ducklake"
