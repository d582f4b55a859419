from datetime import date

import dagster as dg
import pytest

from recast_pipeline.orchestration.partitions import Partitioning, PartitionTarget


def test_one_deployment_uses_the_design_keys():
    partitioning = Partitioning((5716,), date(2024, 1, 1))
    assert isinstance(partitioning.dated, dg.MonthlyPartitionsDefinition)
    assert partitioning.dated.get_partition_keys()[0] == "2024-01-01"
    assert partitioning.deployments.get_partition_keys() == ["5716"]
    assert partitioning.resolve("2024-03-01", dated=True) == PartitionTarget(5716, date(2024, 3, 1))
    assert partitioning.resolve("5716", dated=False) == PartitionTarget(5716, None)
    assert partitioning.resolve("2024-03-01", dated=True).storage_key == "2024-03-01"
    assert partitioning.resolve("5716", dated=False).storage_key == "5716"


def test_several_deployments_add_a_deployment_dimension():
    partitioning = Partitioning((5716, 5717), date(2024, 1, 1))
    keys = partitioning.dated.get_partition_keys()
    assert "5716|2024-01-01" in keys and "5717|2024-01-01" in keys
    assert partitioning.resolve("5717|2024-02-01", dated=True) == PartitionTarget(5717, date(2024, 2, 1))
    assert partitioning.dated_key(5717, date(2024, 2, 1)) == "5717|2024-02-01"
    assert partitioning.deployments.get_partition_keys() == ["5716", "5717"]


def test_no_deployment_configured_makes_the_deployment_dimension_dynamic():
    partitioning = Partitioning((), date(2024, 1, 1))
    assert isinstance(partitioning.deployments, dg.DynamicPartitionsDefinition)
    assert isinstance(partitioning.dated, dg.MultiPartitionsDefinition)


@pytest.mark.parametrize("key", ["2024-03-15", "March", "5716|2024-03-01|x"])
def test_bad_partition_keys_are_named(key):
    with pytest.raises(ValueError, match="is not a Recast partition"):
        Partitioning((5716,), date(2024, 1, 1)).resolve(key, dated=True)
    with pytest.raises(ValueError, match=key.replace("|", r"\|")):
        Partitioning((5716, 5717), date(2024, 1, 1)).resolve(key, dated=True)
