"""Bring a warehouse file written by an older version up to today's lineage columns.

Why: partitions used to be named by deployment; they are now ``(dashboard, partition_key)``
and every row records its model version. Files from before lack ``dashboard`` and
``model_date``; the load transaction adds them (``ADD COLUMN IF NOT EXISTS``) to every table that
has the old lineage, and fills the old rows' ``dashboard`` with their deployment id as text
(DESIGN.md: a deployment without a dashboard stands for the dashboard named by its id). The old
rows' ``model_date`` stays NULL: it was never recorded.
"""

from __future__ import annotations

from recast_pipeline.landing.naming import quote_identifier
from recast_pipeline.warehouse.catalog import table_columns

_OUTDATED = """
SELECT c.schema_name, c.table_name
FROM duckdb_columns() c JOIN duckdb_tables() t ON t.table_oid = c.table_oid
WHERE c.database_name = current_database()
GROUP BY ALL
HAVING bool_or(c.column_name = 'deployment_id') AND bool_or(c.column_name = 'partition_key')
   AND NOT bool_or(c.column_name = 'dashboard')
ORDER BY ALL
"""


def add_partition_columns(con) -> list[str]:
    """Migrate every table with the old lineage; returns the tables changed ("schema.table").

    A file whose ``recast_meta.reports`` has ``dashboard`` is current (the old version always wrote
    it, and a migration changes every table in one transaction), so it costs one look-up.
    """
    if "dashboard" in table_columns(con, "recast_meta", "reports"):
        return []
    changed = []
    for schema, table in con.execute(_OUTDATED).fetchall():
        target = f"{quote_identifier(schema)}.{quote_identifier(table)}"
        con.execute(f"ALTER TABLE {target} ADD COLUMN IF NOT EXISTS dashboard VARCHAR")
        con.execute(f"ALTER TABLE {target} ADD COLUMN IF NOT EXISTS model_date VARCHAR")
        con.execute(f"UPDATE {target} SET dashboard = CAST(deployment_id AS VARCHAR) WHERE dashboard IS NULL")
        changed.append(f"{schema}.{table}")
    return changed
