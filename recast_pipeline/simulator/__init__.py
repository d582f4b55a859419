"""A faithful local Recast Insights API (see ../../shared/RECAST_API.md), for tests and offline work.

``serve_in_thread(SimulatorConfig(...))`` runs it on 127.0.0.1; ``create_app`` gives the ASGI app;
``recast-pipeline simulator`` serves it from the command line.
"""

from .app import create_app
from .config import SimulatorConfig, default_data_end
from .faults import FaultSettings
from .readings import Readings
from .server import SimulatorServer, serve_in_thread

__all__ = ["FaultSettings", "Readings", "SimulatorConfig", "SimulatorServer", "create_app", "default_data_end",
           "serve_in_thread"]
