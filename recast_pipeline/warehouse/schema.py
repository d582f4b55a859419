"""Schema evolution: how a table must change so a new load fits, decided before writing.

Rules (dlt-like, never losing data):
* a missing table is created from the Parquet columns (data, then parts, then lineage);
* a column the table lacks is added (older rows read NULL); a column the new files lack stays
  NULL in the new rows (inserts go BY NAME);
* BIGINT arriving in a DOUBLE column is cast; DOUBLE arriving in a BIGINT column widens the
  column to DOUBLE (lossless); any typed value arriving in a VARCHAR column that already holds
  text is stored as its text;
* a column with no value left (all NULL once this partition's old rows are gone) takes the new
  type; a column without values in the new files keeps the table's type;
* anything else (DATE vs BIGINT, text arriving in a numeric column) is a SchemaConflictError
  naming schema.table.column and both types, raised before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from recast_pipeline.landing.landed_types import LandedTable
from recast_pipeline.landing.naming import quote_identifier, quote_literal
from recast_pipeline.warehouse.errors import SchemaConflictError

_KIND_ORDER = {"data": 0, "part": 1, "lineage": 2}


@dataclass(frozen=True)
class ColumnSpec:
    """A column as the new load brings it (merged over every file of the table)."""

    name: str
    type: str
    kind: str
    all_null: bool
    original: str | None
    download_key: str


@dataclass
class TablePlan:
    table: str
    incoming: list[ColumnSpec]
    create: bool = False
    added: list[ColumnSpec] = field(default_factory=list)
    altered: list[tuple[str, str, str]] = field(default_factory=list)  # column, old type, new type
    types: dict[str, str] = field(default_factory=dict)  # column -> type after the change


def _join(a: ColumnSpec, b: ColumnSpec, schema: str, table: str) -> ColumnSpec:
    """One column seen in two files of the same load."""
    if b.all_null or a.type == b.type:
        return a
    if a.all_null:
        return ColumnSpec(a.name, b.type, a.kind, False, a.original or b.original, b.download_key)
    if {a.type, b.type} == {"BIGINT", "DOUBLE"}:
        return ColumnSpec(a.name, "DOUBLE", a.kind, False, a.original, a.download_key)
    raise SchemaConflictError(
        schema, table, a.name, a.type, b.type, b.download_key, old_source=f"download {a.download_key!r}"
    )


def merge_incoming(schema: str, table: str, landed: Sequence[LandedTable]) -> list[ColumnSpec]:
    merged: dict[str, ColumnSpec] = {}
    for item in landed:
        for column in item.columns:
            spec = ColumnSpec(
                column.name, column.duckdb_type, column.kind, column.all_null, column.original, item.download_key
            )
            merged[column.name] = _join(merged[column.name], spec, schema, table) if column.name in merged else spec
    return sorted(merged.values(), key=lambda spec: _KIND_ORDER[spec.kind])  # stable: file order kept


def plan_table(
    schema: str,
    table: str,
    incoming: list[ColumnSpec],
    existing: Mapping[str, str] | None,
    is_empty: Callable[[str], bool],
) -> TablePlan:
    """What must change in ``schema.table`` (``existing``: column -> type, None if missing)."""
    plan = TablePlan(table=table, incoming=incoming)
    if existing is None:
        plan.create = True
        plan.types = {spec.name: "VARCHAR" if spec.all_null else spec.type for spec in incoming}
        return plan
    plan.types = dict(existing)
    for spec in incoming:
        old = existing.get(spec.name)
        if old is None:
            plan.added.append(spec)
            plan.types[spec.name] = "VARCHAR" if spec.all_null else spec.type
        elif spec.all_null or old == spec.type or (old, spec.type) == ("DOUBLE", "BIGINT"):
            continue
        elif (old, spec.type) == ("BIGINT", "DOUBLE") or is_empty(spec.name):
            plan.altered.append((spec.name, old, spec.type))
            plan.types[spec.name] = spec.type
        elif old != "VARCHAR":
            raise SchemaConflictError(schema, table, spec.name, old, spec.type, spec.download_key)
    return plan


def ddl(schema: str, plan: TablePlan, *, lakehouse: bool = False) -> list[str]:
    """``lakehouse``: the target is a DuckLake (see ``retype_sql``)."""
    target = f"{quote_identifier(schema)}.{quote_identifier(plan.table)}"
    if plan.create:
        columns = ", ".join(f"{quote_identifier(name)} {kind}" for name, kind in plan.types.items())
        return [f"CREATE TABLE {target} ({columns})"]
    statements = [
        f"ALTER TABLE {target} ADD COLUMN {quote_identifier(spec.name)} {plan.types[spec.name]}" for spec in plan.added
    ]
    for name, old, new in plan.altered:
        # A widening casts the values; any other change only happens to a column without values.
        statements += retype_sql(target, name, old, new, empty=(old, new) != ("BIGINT", "DOUBLE"), lakehouse=lakehouse)
    return statements


def retype_sql(target: str, name: str, old: str, new: str, *, empty: bool, lakehouse: bool) -> list[str]:
    """Statements changing a column's type: an ``empty`` column's values are dropped, others are cast.

    DuckLake (``lakehouse``) alters a type in place only by widening: there an empty column is
    added again, and values are carried over through a new column that takes the old one's name.
    """
    column = quote_identifier(name)
    if not lakehouse or (old, new) == ("BIGINT", "DOUBLE"):
        using = f" USING CAST(NULL AS {new})" if empty else ""
        return [f"ALTER TABLE {target} ALTER COLUMN {column} SET DATA TYPE {new}{using}"]
    if empty:
        return [f"ALTER TABLE {target} DROP COLUMN {column}", f"ALTER TABLE {target} ADD COLUMN {column} {new}"]
    carried = quote_identifier(f"{name}__retyped")
    return [
        f"ALTER TABLE {target} ADD COLUMN {carried} {new}",
        f"UPDATE {target} SET {carried} = CAST({column} AS {new})",
        f"ALTER TABLE {target} DROP COLUMN {column}",
        f"ALTER TABLE {target} RENAME COLUMN {carried} TO {column}",
    ]


def insert_sql(schema: str, plan: TablePlan, landed: LandedTable) -> str:
    """INSERT of one Parquet file by name, every column cast to the table's type.

    Hive partitioning is off: the file's own ``dashboard`` and ``partition_key`` values are the
    truth, not the folder names above it (``safe_segment`` may have rewritten them).
    """
    target = f"{quote_identifier(schema)}.{quote_identifier(plan.table)}"
    select = ", ".join(
        f"CAST({quote_identifier(column.name)} AS {plan.types[column.name]}) AS {quote_identifier(column.name)}"
        for column in landed.columns
    )
    source = f"read_parquet({quote_literal(str(landed.path))}, hive_partitioning = false)"
    return f"INSERT INTO {target} BY NAME SELECT {select} FROM {source}"
