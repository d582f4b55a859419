"""The Dagster code location: ``recast_pipeline.definitions.defs``.

Loaded from the project's defs folder (``[tool.dg.project]`` in pyproject.toml names it:
``recast_pipeline/defs``), where ``recast/defs.yaml`` instantiates ``RecastComponent``; ``dg`` and
``dagster dev`` load the same object. Everything is configured from DESIGN.md's environment
variables; the token reaches Dagster only as ``EnvVar`` (the UI shows the variable's name, never
its value). ``build_definitions`` stays the Python entry point.
"""

from pathlib import Path

import dagster as dg

from recast_pipeline.orchestration.partitions import Partitioning
from recast_pipeline.orchestration.resources import RecastResource

defs = dg.load_from_defs_folder(path_within_project=Path(__file__).resolve().parent)

# What the demo and `recast-pipeline dashboards` read: the same settings the component falls back to.
partitioning = Partitioning.from_env()
recast = RecastResource.from_env()
