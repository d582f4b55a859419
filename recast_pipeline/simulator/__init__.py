"""A faithful local Recast Insights API (see ../../shared/RECAST_API.md), for tests and offline work.

``serve_in_thread(SimulatorConfig(...))`` runs it on 127.0.0.1; ``create_app`` gives the ASGI app;
``recast-pipeline simulator`` serves it from the command line.
"""
