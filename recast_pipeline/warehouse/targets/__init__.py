"""Where the warehouse lives: ``base.WarehouseTarget`` and one module per backend.

Why one interface: the load transaction, the readers and the checks are the same SQL wherever
the tables live; only opening a connection differs. Each target opens a *writer* (one
transaction per partition runs on it) and a *reader*, both with the warehouse as the current
database (``USE``), so every query in ``load``, ``meta``, ``history``, ``refit`` reads the same.
``by_location.open_target`` picks one from ``RECAST_WAREHOUSE``:

* ``local_file.LocalFile``: one DuckDB file (the default), one writing process at a time.
* ``ducklake.DuckLake``: a DuckLake catalog (Postgres or a DuckDB file) plus Parquet data files.
* ``motherduck.MotherDuck``: a database of the hosted service (``md:<database>``).
"""
