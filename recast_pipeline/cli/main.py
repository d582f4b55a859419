"""The ``recast-pipeline`` command line: each subcommand lives in the module it drives.

A failing command prints one line naming the variable, file or statement, and exits with status 2
(``cli_errors.py``); ``--debug`` (before or after the subcommand) prints the traceback as well.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# subcommand name -> module exposing ``add_arguments(parser)`` and ``run(args) -> int``
SUBCOMMANDS = {
    "demo": ("recast_pipeline.cli.demo", "run every report asset end to end on the embedded simulator"),
    "dev": ("recast_pipeline.cli.dev", "open the Dagster UI on the demo's instance, pointed at the simulator"),
    "dashboards": (
        "recast_pipeline.cli.dashboards",
        "list Recast's dashboards; `sync` adds them as Dagster partitions",
    ),
    "doctor": (
        "recast_pipeline.cli.doctor",
        "check credentials, token, dashboards, Dagster instance, pool, data dir, warehouse, extensions",
    ),
    "simulator": ("recast_pipeline.cli.simulator", "serve a faithful local Recast API"),
    "sql": ("recast_pipeline.cli.sql", "run read-only SQL against the DuckDB warehouse"),
    "report": ("recast_pipeline.cli.report", "write a one-page HTML report of a dashboard (charts) from the warehouse"),
    "report-types": ("recast_pipeline.cli.report_types", "list the report types and their inputs"),
}


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    """Only the chosen subcommand's module is imported, so ``sql`` does not pay for Dagster."""
    parser = argparse.ArgumentParser(
        prog="recast-pipeline", description=(__doc__ or "").split("\n\n")[0]
    )  # no docstrings under python -OO
    parser.add_argument("--debug", action="store_true", help="print the traceback of an error, not just its line")
    subparsers = parser.add_subparsers(dest="command", required=True)
    chosen = next((arg for arg in argv if not arg.startswith("-")), None)
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        if name == chosen:
            module = importlib.import_module(module_name)
            module.add_arguments(sub)
            sub.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    try:
        return int(args._module.run(args) or 0)
    except Exception as exc:  # noqa: BLE001 - every failure becomes one line (cli_errors.explain)
        from recast_pipeline.cli.errors import report

        return report(exc, args.debug, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
