"""Self-documenting tables: comments any SQL client shows (``duckdb_tables()``, ``duckdb_columns()``).

Why: analysts browse the file from DBeaver, the DuckDB CLI, R or a notebook; what a table is
(Recast's download description, the report type) and what a column was called in the CSV must be
visible there, not only in ``recast_meta``. Written inside the load transaction, so a table and
its comments always change together.

* ``COMMENT ON TABLE``: the download description(s), report type and download key(s);
* ``COMMENT ON COLUMN``: data columns name their CSV header, part columns the download key part,
  lineage columns what they mean;
* schemas: DuckDB cannot comment on a schema yet, so ``recast_meta.schemas`` says what each one holds.
"""

from __future__ import annotations

from collections.abc import Sequence

from recast_pipeline.landing.landed_types import LandedTable
from recast_pipeline.landing.naming import comment_literal, quote_identifier
from recast_pipeline.warehouse.catalog import qualified
from recast_pipeline.warehouse.meta import META_SCHEMA

LINEAGE = {
    "dashboard": "Recast dashboard (dashboard_slug, or a deployment id as text when it has none); "
    "with partition_key, the partition these rows belong to",
    "deployment_id": "Recast deployment (model) that computed these rows; with model_date, the model version",
    "model_date": "model_date of that deployment when these rows were computed; with deployment_id, the model version",
    "partition_key": "The partition within the dashboard: the month's first day for monthly report types, else the "
    "dashboard",
    "report_id": "Recast report these rows were downloaded from (see recast_meta.reports)",
    "download_key": "Recast download key of the CSV these rows came from (see recast_meta.downloads)",
    "loaded_at": "When the pipeline loaded these rows (UTC)",
    "superseded_at": "When a re-load from another model version replaced these rows in the live table (UTC)",
}
_SCHEMAS_DDL = f"""
CREATE TABLE IF NOT EXISTS {META_SCHEMA}.schemas (schema_name VARCHAR, report_type VARCHAR, kind VARCHAR,
comment VARCHAR);
COMMENT ON TABLE {META_SCHEMA}.schemas IS 'What each schema of this warehouse holds (DuckDB has no schema comments)';
"""


def table_comment(report_type: str, landed: Sequence[LandedTable], descriptions) -> str:
    """Recast's description and where the table comes from, e.g. 'Daily spend by channel (wide).
    Recast report compute_spend_summary, download tables-daily.'"""
    keys = sorted({item.download_key for item in landed})
    described = [descriptions.get(key) for key in keys if descriptions.get(key)]
    if len(keys) == 1:
        lead = f"{described[0]}. " if described else ""
        return f"{lead}Recast report {report_type}, download {keys[0]}."
    parts = sorted({name for item in landed for name in item.parts})
    example = f" E.g. {keys[0]}: {descriptions[keys[0]]}." if descriptions.get(keys[0]) else ""
    by = f", one per {', '.join(parts)} (columns)" if parts else ""
    return f"Recast report {report_type}: {len(keys)} downloads{by}.{example}"


def _column_comment(name: str, kind: str | None, original: str | None, example_key: str | None) -> str | None:
    if kind == "data" and original is not None:
        return f"CSV column {original}"
    if kind == "part":
        return (
            f"Part of the download key ({name}), e.g. in {example_key}"
            if example_key
            else f"Part of the download key ({name})"
        )
    return LINEAGE.get(name)


def document_table(con, schema: str, table: str, comment: str, *, columns_of: str | None = None) -> None:
    """Comment a table and each of its columns where the comment changed; ``columns_of`` names the
    live schema a history table mirrors (its headers are recorded there in ``recast_meta.columns``)."""
    current = con.execute(
        "SELECT comment FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = ? AND "
        "table_name = ?",
        [schema, table],
    ).fetchone()
    if current is None or current[0] != comment:
        con.execute(f"COMMENT ON TABLE {qualified(schema, table)} IS {comment_literal(comment)}")
    known = {
        name: (kind, original)
        for name, kind, original in con.execute(
            f"SELECT column_name, kind, original_header FROM {META_SCHEMA}.columns WHERE schema_name = ? AND "
            "table_name = ?",
            [columns_of or schema, table],
        ).fetchall()
    }
    example = con.execute(
        f"SELECT min(download_key) FROM {META_SCHEMA}.downloads WHERE schema_name = ? AND table_name = ?",
        [columns_of or schema, table],
    ).fetchone()[0]
    existing = con.execute(
        "SELECT column_name, comment FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = ? AND table_name = ?",
        [schema, table],
    ).fetchall()
    for name, old in existing:
        text = _column_comment(name, *known.get(name, (None, None)), example)
        if text is not None and text != old:
            con.execute(
                f"COMMENT ON COLUMN {qualified(schema, table)}.{quote_identifier(name)} IS {comment_literal(text)}"
            )


def document_schema(con, schema: str, report_type: str | None, kind: str, comment: str) -> None:
    con.execute(_SCHEMAS_DDL)
    con.execute(f"DELETE FROM {META_SCHEMA}.schemas WHERE schema_name = ?", [schema])
    con.execute(f"INSERT INTO {META_SCHEMA}.schemas VALUES (?, ?, ?, ?)", [schema, report_type, kind, comment])
