"""Warehouse errors that tell the user what to do: who holds the file, which column conflicts."""

from __future__ import annotations


class WarehouseError(Exception):
    """Base class of warehouse failures."""


class WarehouseBusyError(WarehouseError):
    """The DuckDB file stayed locked by another process for the whole ``lock_timeout``."""

    def __init__(self, path: str, waited_seconds: float, holder: str | None, detail: str = ""):
        self.path = path
        self.waited_seconds = waited_seconds
        self.holder = holder
        self.detail = detail
        who = holder or "another process"
        message = f"warehouse {path} is busy: {who} kept it locked; gave up after waiting {waited_seconds:.1f} s"
        super().__init__(f"{message} ({detail})" if detail else message)

    def __reduce__(self):
        return (type(self), (self.path, self.waited_seconds, self.holder, self.detail))


class SchemaConflictError(WarehouseError):
    """A column's new type cannot be stored in the existing column without losing data."""

    def __init__(
        self,
        schema: str,
        table: str,
        column: str,
        old_type: str,
        new_type: str,
        download_key: str | None = None,
        old_source: str = "the warehouse",
    ):
        self.schema = schema
        self.table = table
        self.column = column
        self.old_type = old_type
        self.new_type = new_type
        self.download_key = download_key
        self.old_source = old_source
        new_source = f"download {download_key!r}" if download_key else "the new data"
        super().__init__(
            f"column {schema}.{table}.{column} is {old_type} in {old_source} but {new_type} in {new_source}; "
            "nothing was loaded. Fix the source, or drop or rename the column in the warehouse, then re-run."
        )

    def __reduce__(self):
        args = (self.schema, self.table, self.column, self.old_type, self.new_type, self.download_key, self.old_source)
        return (type(self), args)


class WarehouseConflictError(WarehouseError):
    """Concurrent DuckLake writers kept winning: the load was retried and gave up, nothing written."""

    def __init__(self, where: str, attempts: int, waited_seconds: float, detail: str = ""):
        self.where = where
        self.attempts = attempts
        self.waited_seconds = waited_seconds
        self.detail = detail
        message = (
            f"warehouse {where}: the load conflicted with other writers {attempts} time(s) in {waited_seconds:.1f} s "
            "and gave up; nothing of this partition was written, re-run it"
        )
        super().__init__(f"{message} ({detail})" if detail else message)

    def __reduce__(self):
        return (type(self), (self.where, self.attempts, self.waited_seconds, self.detail))
