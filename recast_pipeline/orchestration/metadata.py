"""Materialization metadata a user reads in the UI: which Recast report, with what form, how long."""

from __future__ import annotations

from typing import Any, Sequence

import dagster as dg

from recast_pipeline.config.settings import is_object_store
from recast_pipeline.landing.naming import quote_literal

RECAST_APP_URL = "https://app.getrecast.com/clients/{slug}/reports/{report_id}"


def report_url(client_slug: str, report_id: int) -> str:
    return RECAST_APP_URL.format(slug=client_slug, report_id=report_id)


def report_metadata(partitions: Sequence, client_slug: str) -> dict[str, Any]:
    """Report-level metadata of one asset's output (warehouse facts are added by the IO manager)."""
    first = partitions[0]
    metadata: dict[str, Any] = {
        "recast/report_id": first.report.id if len(partitions) == 1 else None,
        "recast/report_url": dg.MetadataValue.url(report_url(client_slug, first.report.id)),
        "recast/form": dg.MetadataValue.json(dict(first.job.form)),
        "recast/dashboard": first.job.dashboard if len({p.job.dashboard for p in partitions}) == 1 else None,
        "recast/deployment_id": first.job.deployment_id
        if len({p.job.deployment_id for p in partitions}) == 1
        else None,
        "recast/model_date": first.job.model_date if len({p.job.model_date for p in partitions}) == 1 else None,
        "recast/reports": dg.MetadataValue.json(
            {
                str(p.job.tag): {
                    "report_id": p.report.id,
                    "dashboard": p.job.dashboard,
                    "deployment_id": p.job.deployment_id,
                    "model_date": p.job.model_date,
                    "reused": p.reused,
                    "prerendered": p.report.prerendered,
                    "queued_s": round(p.queued_seconds, 2),
                    "waited_s": round(p.waited_seconds, 2),
                    "landed_s": round(p.landed_seconds, 2),
                }
                for p in partitions
            }
        ),
        "recast/reports_reused": sum(1 for p in partitions if p.reused),
        "recast/queued_seconds": round(max(p.queued_seconds for p in partitions), 2),
        "recast/waited_seconds": round(max(p.waited_seconds for p in partitions), 2),
    }
    return {key: value for key, value in metadata.items() if value is not None}


def failure_summary(failures: Sequence) -> str:
    lines = [f"{len(failures)} Recast report(s) failed; the other partitions of their assets were loaded:"]
    for failure in failures:
        report = f"report {failure.report_id}" if failure.report_id else "no report"
        lines.append(
            f"- {failure.job.report_type} [{failure.job.tag}] ({report}): {failure.error}\n  form: "
            f"{dict(failure.job.form)}"
        )
    return "\n".join(lines)


PREVIEW_ROWS = 5


def warehouse_metadata(
    results: Sequence, partitions: Sequence, database: str, table_rows: dict[str, int]
) -> dict[str, Any]:
    """What the load put where: every DuckDB table (qualified with the database), its rows and columns.

    ``dagster/table_name`` and ``dagster/row_count`` name the asset's main table (its first
    download's) and that table's rows over all partitions; ``recast/table_rows`` gives every table.
    ``recast/layouts``: how each download came (wide, long, other); ``recast/unread_by_marts``: the
    downloads ``recast_marts`` could not read, and what was seen.
    Rows per partition are ``dagster/partition_row_count``, set on each partition by the asset.
    """
    row_counts: dict[str, int] = {}
    download_rows: dict[str, int] = {}
    for result in results:
        for load in result.downloads:
            row_counts[load.qualified_name] = row_counts.get(load.qualified_name, 0) + load.rows
            download_rows[f"{result.partition_key}: {load.download_key}"] = load.rows
    layouts = {f"{r.partition_key}: {key}": layout for r in results for key, layout in r.layouts.items()}
    unread = {f"{r.partition_key}: {key}": why for r in results for key, why in r.unread.items()}
    metadata: dict[str, Any] = {
        "recast/layouts": dg.MetadataValue.json(layouts),
        **({"recast/unread_by_marts": dg.MetadataValue.json(unread)} if unread else {}),
        "recast/duckdb_tables": dg.MetadataValue.json(sorted(row_counts)),
        "recast/row_counts": dg.MetadataValue.json(row_counts),
        "recast/table_rows": dg.MetadataValue.json(table_rows),
        "recast/download_rows": dg.MetadataValue.json(download_rows),
        "recast/lock_wait_seconds": round(max((r.lock_wait_seconds for r in results), default=0.0), 3),
    }
    tables = {table.table: table for p in partitions for table in p.stage.tables}
    for name, table in sorted(tables.items()):
        metadata[f"recast/column_schema/{name}"] = _schema(table)
    main = next((table for p in partitions for table in p.stage.tables), None)
    if main is not None:
        qualified = f"{database}.{results[0].schema}.{main.table}"
        metadata["dagster/table_name"] = qualified
        metadata["dagster/row_count"] = table_rows.get(qualified, 0)
        metadata["dagster/column_schema"] = _schema(main)
        metadata["recast/preview"] = dg.MetadataValue.md(_markdown_preview(main.final_path))
    return metadata


REFIT_ROWS = 10


def refit_metadata(warehouse, results: Sequence) -> dict[str, Any]:
    """After a load that replaced another model version's rows: how the refit moved the numbers."""
    dashboards = sorted({r.dashboard for r in results if r.superseded_rows})
    changes = [row for dashboard in dashboards for row in warehouse.refit_changes(dashboard, limit=REFIT_ROWS)]
    if not changes:
        return {}
    columns = ["dashboard", "partition_key", "measure", "channel", "before", "after", "rel_change"]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_md_cell(_rounded(row.get(c))) for c in columns) + " |" for row in changes]
    return {
        "recast/refit_changes": dg.MetadataValue.md("\n".join(lines)),
        "recast/superseded_rows": sum(r.superseded_rows for r in results),
    }


def _rounded(value: object) -> object:
    return round(value, 4) if isinstance(value, float) else value


def _schema(table) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name=c.name, type=c.duckdb_type, description=c.original or c.kind) for c in table.columns
        ]
    )


def partition_rows(partitions: Sequence) -> dict[str, int]:
    """Rows each partition brings (what its load leaves in the warehouse), by Dagster partition key."""
    return {str(p.job.tag): sum(table.rows for table in p.stage.tables) for p in partitions}


def _markdown_preview(parquet_path) -> str:
    """The file's first rows as a Markdown table, read by DuckDB (already loaded in a run; pyarrow
    would add about 0.4 s of imports to every run for a few rows)."""
    import duckdb

    with duckdb.connect() as con:
        if is_object_store(parquet_path):  # landed on object storage (RECAST_DATA_DIR=s3://...)
            from recast_pipeline.warehouse.lake_access import enable_s3

            enable_s3(con)
        cursor = con.execute(
            f"SELECT * FROM read_parquet({quote_literal(str(parquet_path))}, hive_partitioning = false) LIMIT "
            f"{PREVIEW_ROWS}"
        )
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    if not rows:  # a download with a header and no rows (e.g. no lower-funnel channel)
        return "(no rows)"
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_md_cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def _md_cell(value: object) -> str:
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")
