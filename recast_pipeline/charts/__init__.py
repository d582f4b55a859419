"""Charts of the warehouse: the plots Recast's downloads leave out (no Dagster here).

Why a package of its own: the data a chart needs is read from ``recast_marts`` (or, for the KPI
series no mart covers yet, from the raw tables through ``warehouse.layouts``) by plain SQL
(``queries``, ``series``); drawing (``draw``, ``draw_report``) is the only place that imports
matplotlib, so loading the code location or running ``recast-pipeline sql`` never pays for it.
``partition`` gives a partition's charts for the materialization, ``html_report`` the one-page
report per dashboard.
"""
