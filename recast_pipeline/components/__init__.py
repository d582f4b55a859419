"""dg component types of this project (listed by ``dg list components``)."""

from recast_pipeline.components.recast import RecastComponent

__all__ = ["RecastComponent"]
