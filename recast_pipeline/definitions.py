"""The Dagster code location: ``recast_pipeline.definitions.defs``."""

import dagster as dg

defs = dg.Definitions()
