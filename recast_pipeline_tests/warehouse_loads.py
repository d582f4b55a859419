"""Test helper for the warehouse tests: stage CSV texts and load them as one report partition."""

from __future__ import annotations

import pytest

from recast_pipeline.landing.landed_types import Lineage
from recast_pipeline.landing.local_store import LandingArea
from recast_pipeline.warehouse.load_types import ReportLoad
from recast_pipeline.warehouse.warehouse import Warehouse

RT, DASH, DEP, MD = "compute_spend_summary", "revenue", 5716, "2024-05-31"


@pytest.fixture
def area(tmp_path):
    return LandingArea(tmp_path / "parquet")


@pytest.fixture
def warehouse(tmp_path):
    return Warehouse(tmp_path / "warehouse.duckdb", lock_timeout=10)


def load(area, warehouse, tmp_path, files, *, publish=True, **fields):
    """files: download key -> CSV text, or (CSV text, logical table, parts). ``fields``: ``staged``'s."""
    stage, report = staged(area, tmp_path, files, **fields)
    with stage:
        result = warehouse.load_partition(report, stage.tables)
        if publish:
            stage.publish()
    return result


def staged(
    area,
    tmp_path,
    files,
    *,
    report_id=1,
    key="2024-01-01",
    report_type=RT,
    dashboard=DASH,
    deployment_id=DEP,
    model_date=MD,
    descriptions=None,
    channels=(),
):
    """The stage of one report's partition with ``files`` landed in it, and its ``ReportLoad``."""
    lineage = Lineage(dashboard, deployment_id, model_date, key, report_id)
    stage = area.stage(report_type, dashboard, key)
    try:
        for number, (download_key, spec) in enumerate(files.items()):
            text, table, parts = spec if isinstance(spec, tuple) else (spec, None, None)
            path = tmp_path / f"download-{report_id}-{number}.csv"
            path.write_text(text)
            stage.land(path, download_key=download_key, table=table, parts=parts, lineage=lineage)
    except BaseException:
        stage.discard()
        raise
    report = ReportLoad(
        report_id,
        report_type,
        dashboard,
        deployment_id,
        model_date,
        key,
        name="spend [fp:abc]",
        status="success",
        form={"start_date": key},
        created_at="2024-02-01T10:00:00Z",
        finished_at="2024-02-01T10:03:00+00:00",
        queued_seconds=1.5,
        waited_seconds=180.0,
        descriptions=descriptions if descriptions is not None else {k: f"about {k}" for k in files},
        channels=tuple(channels),
    )
    return stage, report


def rows(warehouse, sql, params=None):
    return warehouse.query(sql, params)[1]
