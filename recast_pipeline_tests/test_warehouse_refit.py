"""recast_meta.refit_changes: per dashboard, month and channel, how ROI, impact and spend moved in a refit.

CSV layouts as the simulator writes them (``simulator/tables_effects.py``, ``tables_spend.py``).
"""

from warehouse_loads import area, load, rows, warehouse  # noqa: F401 (fixtures)

from recast_pipeline.warehouse.warehouse import Warehouse

OLD, NEW, NEWER = (5715, "2024-04-30"), (5716, "2024-05-31"), (5716, "2024-06-30")
MARCH = "2024-03-01"


def insights(values):
    """values: (effect, metric) -> {channel: median}."""
    files = {}
    for (effect, metric), by_channel in values.items():
        body = "".join(f"{c},1000.0,{v},{v},{v},{v}\n" for c, v in by_channel.items())
        files[f"summaries-{effect}-{metric}"] = (
            "Channel,Spend ($),Mean,Median,5%,95%\n" + body,
            "summaries",
            {"effect": effect, "metric": metric},
        )
    return files


def spend(by_channel):
    body = "".join(f"{c},{s},50.0,{s / 31},31\n" for c, s in by_channel.items())
    return {"tables-total": "Channel,Spend ($),Share of Spend %,Avg Daily Spend ($),Days With Spend\n" + body}


def load_version(area, warehouse, tmp_path, version, roi, impact, spent, key=MARCH, dashboard="revenue"):
    deployment_id, model_date = version
    common = dict(key=key, dashboard=dashboard, deployment_id=deployment_id, model_date=model_date)
    load(
        area,
        warehouse,
        tmp_path,
        insights({("total", "roi"): roi, ("total", "impact_unshifted"): impact}),
        report_type="compute_insights_overview",
        report_id=deployment_id + len(model_date),
        **common,
    )
    load(
        area,
        warehouse,
        tmp_path,
        spend(spent),
        report_type="compute_spend_summary",
        report_id=deployment_id + 1,
        **common,
    )


def changes(warehouse, where="true"):
    return rows(
        warehouse,
        f"SELECT measure, channel, partition_key, previous_deployment_id, previous_model_date, deployment_id, "
        f"model_date, before, after, abs_change, rel_change FROM recast_meta.refit_changes WHERE {where} "
        "ORDER BY ALL",
    )


def test_the_view_exists_and_is_empty_before_any_refit(area, warehouse, tmp_path):
    assert warehouse.refit_changes("revenue") == []  # no file yet
    load(area, warehouse, tmp_path, {"tables-daily": "Date,Spend\n2024-01-01,1\n"})
    assert changes(warehouse) == [] and warehouse.refit_changes("revenue") == []
    load_version(area, warehouse, tmp_path, OLD, {"TV": 2.0}, {"TV": 2000.0}, {"TV": 1000.0})
    assert changes(warehouse) == []


def test_a_refit_lists_before_and_after_per_channel_and_month(area, warehouse, tmp_path):
    load_version(
        area,
        warehouse,
        tmp_path,
        OLD,
        {"Linear TV": 2.0, "Radio": 1.0},
        {"Linear TV": 2000.0, "Radio": 500.0},
        {"Linear TV": 1044800.0, "Radio": 500.0},
    )
    load_version(
        area,
        warehouse,
        tmp_path,
        NEW,
        {"Linear TV": 1.5, "Radio": 1.0},
        {"Linear TV": 1500.0, "Radio": 550.0},
        {"Linear TV": 1044800.0, "Radio": 400.0},
    )
    assert changes(warehouse, "channel = 'Linear TV'") == [
        ("spend", "Linear TV", MARCH, 5715, "2024-04-30", 5716, "2024-05-31", 1044800.0, 1044800.0, 0.0, 0.0),
        (
            "total_impact_unshifted",
            "Linear TV",
            MARCH,
            5715,
            "2024-04-30",
            5716,
            "2024-05-31",
            2000.0,
            1500.0,
            -500.0,
            -0.25,
        ),
        ("total_roi", "Linear TV", MARCH, 5715, "2024-04-30", 5716, "2024-05-31", 2.0, 1.5, -0.5, -0.25),
    ]
    assert {row[0] for row in rows(warehouse, "SELECT DISTINCT dashboard FROM recast_meta.refit_changes")} == {
        "revenue"
    }
    assert {row[0] for row in rows(warehouse, "SELECT DISTINCT report_type FROM recast_meta.refit_changes")} == {
        "compute_insights_overview",
        "compute_spend_summary",
    }


def test_largest_changes_of_the_latest_refit_come_first(area, warehouse, tmp_path):
    load_version(
        area,
        warehouse,
        tmp_path,
        OLD,
        {"TV": 2.0, "Radio": 1.0},
        {"TV": 100.0, "Radio": 100.0},
        {"TV": 10.0, "Radio": 10.0},
    )
    load_version(
        area,
        warehouse,
        tmp_path,
        NEW,
        {"TV": 1.0, "Radio": 1.1},
        {"TV": 100.0, "Radio": 300.0},
        {"TV": 10.0, "Radio": 10.0},
    )
    load_version(area, warehouse, tmp_path, OLD, {"TV": 5.0}, {"TV": 5.0}, {"TV": 5.0}, dashboard="signups")
    load_version(area, warehouse, tmp_path, NEW, {"TV": 50.0}, {"TV": 50.0}, {"TV": 50.0}, dashboard="signups")
    top = warehouse.refit_changes("revenue", limit=2)
    assert [(c["measure"], c["channel"], c["rel_change"]) for c in top] == [
        ("total_impact_unshifted", "Radio", 2.0),
        ("total_roi", "TV", -0.5),
    ]
    assert (
        top[0]["previous_deployment_id"] == 5715
        and top[0]["model_date"] == "2024-05-31"
        and top[0]["dashboard"] == "revenue"
    )
    load_version(
        area,
        warehouse,
        tmp_path,
        NEWER,
        {"TV": 1.0, "Radio": 1.0},
        {"TV": 110.0, "Radio": 300.0},
        {"TV": 10.0, "Radio": 10.0},
    )
    latest = warehouse.refit_changes("revenue")
    assert {(c["previous_model_date"], c["model_date"]) for c in latest} == {("2024-05-31", "2024-06-30")}
    assert latest[0]["measure"] == "total_impact_unshifted" and latest[0]["channel"] == "TV"
    assert len(changes(warehouse, "dashboard = 'revenue'")) == 12  # both refits stay queryable


def test_a_channel_that_appears_in_the_new_model_has_no_before(area, warehouse, tmp_path):
    load_version(area, warehouse, tmp_path, OLD, {"TV": 2.0}, {"TV": 1.0}, {"TV": 1.0})
    load_version(area, warehouse, tmp_path, NEW, {"TV": 2.0, "Podcasts": 3.0}, {"TV": 1.0}, {"TV": 1.0})
    assert changes(warehouse, "channel = 'Podcasts'") == [
        ("total_roi", "Podcasts", MARCH, 5715, "2024-04-30", 5716, "2024-05-31", None, 3.0, None, None)
    ]


def test_without_history_there_is_nothing_to_compare(area, tmp_path):
    warehouse = Warehouse(tmp_path / "w.duckdb", history_versions=0)
    load_version(area, warehouse, tmp_path, OLD, {"TV": 2.0}, {"TV": 1.0}, {"TV": 1.0})
    load_version(area, warehouse, tmp_path, NEW, {"TV": 1.0}, {"TV": 1.0}, {"TV": 1.0})
    assert warehouse.refit_changes("revenue") == []
