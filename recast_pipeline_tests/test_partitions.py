from datetime import date

import dagster as dg
import pytest

from recast_pipeline.orchestration.partitions import Partitioning, PartitionTarget


def test_dated_keys_are_dashboard_by_month_and_never_depend_on_the_environment(monkeypatch):
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("recast_dashboards", ["revenue", "signups"])
    keys = {}
    for env in ({}, {"RECAST_DEPLOYMENT_IDS": "5716", "RECAST_DASHBOARDS": "revenue"}):
        for name in ("RECAST_DEPLOYMENT_IDS", "RECAST_DASHBOARDS"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        partitioning = Partitioning(date(2024, 1, 1))
        assert isinstance(partitioning.dated, dg.MultiPartitionsDefinition)
        keys[len(env)] = partitioning.dated.get_partition_keys(dynamic_partitions_store=instance)
    assert keys[0] == keys[2]
    assert "revenue|2024-03-01" in keys[0] and "signups|2024-03-01" in keys[0]


def test_keys_resolve_to_a_dashboard_and_month():
    partitioning = Partitioning(date(2024, 1, 1))
    assert partitioning.resolve("revenue|2024-03-01", dated=True) == PartitionTarget("revenue", date(2024, 3, 1))
    assert partitioning.resolve("revenue|2024-03-01", dated=True).storage_key == "2024-03-01"
    assert partitioning.resolve("revenue", dated=False) == PartitionTarget("revenue", None)
    assert partitioning.resolve("revenue", dated=False).storage_key == "revenue"
    assert partitioning.resolve("5716", dated=False).storage_key == "5716"  # a deployment without a dashboard
    assert partitioning.dated_key("signups", date(2024, 2, 1)) == "signups|2024-02-01"
    assert isinstance(partitioning.dashboards, dg.DynamicPartitionsDefinition)


@pytest.mark.parametrize("key", ["2024-03-15", "March", "revenue|2024-03-15", "revenue|2024-03-01|x", "|2024-03-01"])
def test_bad_dated_keys_are_named(key):
    with pytest.raises(ValueError, match="is not a Recast partition") as caught:
        Partitioning(date(2024, 1, 1)).resolve(key, dated=True)
    assert repr(key) in str(caught.value)


@pytest.mark.parametrize("key", ["", "revenue|2024-03-01"])
def test_bad_dashboard_keys_are_named(key):
    with pytest.raises(ValueError, match="is not a Recast partition"):
        Partitioning(date(2024, 1, 1)).resolve(key, dated=False)
