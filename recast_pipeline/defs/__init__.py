"""The project's defs folder: ``dg`` and ``recast_pipeline.definitions`` load it (one Recast component)."""
