"""The Dagster code location: ``recast_pipeline.definitions.defs``.

Everything is configured from DESIGN.md's environment variables; the token reaches Dagster only
as ``EnvVar`` (the UI shows the variable's name, never its value).
"""

from recast_pipeline.orchestration.code_location import build_definitions
from recast_pipeline.orchestration.partitions import Partitioning
from recast_pipeline.orchestration.resources import RecastResource, RecastWarehouse

partitioning = Partitioning.from_env()
recast = RecastResource.from_env()
defs = build_definitions(partitioning, recast, RecastWarehouse.from_env())
