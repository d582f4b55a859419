"""What a ``recast-pipeline`` command prints when it fails: one line, exit status 2.

Why: a newcomer's mistakes (a variable unset or malformed, no warehouse yet, the DuckDB file held
by another process, a typo in SQL, a refused token) printed Python tracebacks of 40 lines, the
useful sentence at the bottom, often wrapped by Dagster's own exceptions. Each failure now prints
the sentence that names the variable, file or statement; ``--debug`` adds the traceback.
"""

from __future__ import annotations

import re
import traceback
from typing import Iterator

EXIT_ERROR = 2
_PASSWORD = re.compile(r"(?i)\b(password\s*=\s*)(?!\*\*\*)('[^']*'|[^\s'\",;)]+)")  # a conninfo's, unless masked


class CommandError(Exception):
    """A failure a command explains itself, in one line (no traceback needed to understand it)."""


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    """``exc`` and the exceptions it was raised from or while handling, outermost first."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)


def _explained(exc: BaseException) -> bool:
    """Errors whose message was written for the user with its context: a command's, the client's, the warehouse's."""
    from recast_pipeline.recast.errors import RecastError
    from recast_pipeline.warehouse.errors import WarehouseError

    return isinstance(exc, (CommandError, RecastError, WarehouseError))


def _plain(exc: BaseException) -> bool:
    """Errors that say what went wrong but not where from: the settings' ValueErrors, DuckDB's, files'."""
    module = type(exc).__module__ or ""
    return isinstance(exc, OSError) or module.startswith(("duckdb", "_duckdb", "filelock")) or type(exc) is ValueError


def explain(exc: BaseException) -> str:
    """The one line to print: the outermost error explained for the user (a command's own first, then
    the client's or the warehouse's, which name the request or the file), else the innermost plain one
    (a setting's ValueError beneath Dagster's component-loading wrappers), else the outermost."""
    chain = list(_chain(exc))
    chosen = next((e for e in chain if isinstance(e, CommandError)), None)
    chosen = chosen or next((e for e in chain if _explained(e)), None)
    chosen = chosen or next((e for e in reversed(chain) if _plain(e)), None)
    if chosen is None:
        text = f"{type(exc).__name__}: {exc} (unexpected; run with --debug for the traceback)"
    else:
        text = str(chosen) or type(chosen).__name__
        if type(chosen).__module__.startswith(("duckdb", "_duckdb")):
            text = text.strip().splitlines()[0]  # DuckDB adds the statement and a caret on lines of their own
    return one_line(text)


def one_line(text: str) -> str:
    """Lines joined, whitespace collapsed, and no secret: the token's value and passwords are masked."""
    from recast_pipeline.recast.errors import redact

    lines = [" ".join(line.split()) for line in str(text).splitlines()]
    text = "; ".join(line for line in lines if line)
    return _PASSWORD.sub(r"\1***", redact(text, [s for s in _secrets() if len(s) >= 4]))


def _secrets() -> tuple[str, ...]:
    """The secrets set in the environment; none when a malformed variable is the error being explained."""
    from recast_pipeline.config.settings import Settings

    try:
        return Settings.from_env().secrets()
    except ValueError:
        return ()


def report(exc: BaseException, debug: bool, stream) -> int:
    """Print the error (with its traceback under ``--debug``) and return the exit status."""
    if debug:
        traceback.print_exception(exc, file=stream)
    print(f"error: {explain(exc)}", file=stream)
    return EXIT_ERROR
