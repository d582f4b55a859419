"""What opening a MotherDuck database needs: the location parsed, the token from the environment,
the ``motherduck`` extension found without downloading it, and messages without the token.

Why apart from ``targets.motherduck``: these are the parts that need no network and are tested here; the
target only decides how to open the warehouse with them.

* Location: ``md:<database>`` (or ``motherduck:<database>``), nothing else. The token never
  belongs in it (the Dagster UI shows the location as resource configuration): a
  ``?motherduck_token=`` is refused, and so is any other parameter (``saas_mode=true`` would
  forbid the reads of the landed Parquet files every load makes).
* Token: ``MOTHERDUCK_TOKEN`` (or ``motherduck_token``), which DuckDB's MotherDuck extension
  reads from the environment itself; we only check it is there, because without it the
  extension starts an interactive browser login that would wait for a person.
* Extension: from the ``duckdb-extension-motherduck`` wheel (``pip install -e ".[motherduck]"``),
  else from DuckDB's extension folder (``INSTALL motherduck`` run once, e.g. in the image build).
  DuckDB's autoinstall stays off: nothing is downloaded from the extension repository at run
  time. Loading it still contacts MotherDuck (it asks api.motherduck.com which version to run).
"""

from __future__ import annotations

import importlib.util
import os
import re

from recast_pipeline.config.settings import Settings
from recast_pipeline.landing.naming import quote_literal
from recast_pipeline.warehouse.errors import WarehouseError

PREFIXES = ("md:", "motherduck:")
WAREHOUSE_VARIABLE = "RECAST_WAREHOUSE"
# Our check, stricter than MotherDuck's: a name that needs no quoting anywhere (SQL, URLs, logs).
_DATABASE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_TOKEN_PARAMETER = re.compile(r"((?:motherduck_)?token\s*=\s*)[^&\s'\"]+", re.IGNORECASE)


class MotherDuckUnavailable(WarehouseError):
    """MotherDuck cannot be opened from here: no token, no extension, or no answer."""


def is_motherduck(location: str | os.PathLike) -> bool:
    return str(location).strip().lower().startswith(PREFIXES)


def database_name(location: str | os.PathLike) -> str:
    """The database of ``md:<database>``; a clear error, naming RECAST_WAREHOUSE, for anything else."""
    text = str(location).strip()
    rest = text[text.index(":") + 1 :] if is_motherduck(text) else ""
    if not is_motherduck(text):
        raise ValueError(f"{WAREHOUSE_VARIABLE}={redact(text)!r} is not a MotherDuck location (md:<database>)")
    if "?" in rest or "&" in rest:
        if _TOKEN_PARAMETER.search(rest):
            raise ValueError(
                f"{WAREHOUSE_VARIABLE}={redact(text)!r} carries a MotherDuck token: remove it and set "
                f"MOTHERDUCK_TOKEN instead (the location is shown in the Dagster UI, the variable is not)"
            )
        raise ValueError(
            f"{WAREHOUSE_VARIABLE}={redact(text)!r}: a MotherDuck location takes no parameters, only md:<database>"
        )
    if not rest:
        raise ValueError(f"{WAREHOUSE_VARIABLE}=md: needs a database, e.g. 'md:recast' (the warehouse is one database)")
    if not _DATABASE.fullmatch(rest):
        raise ValueError(
            f"{WAREHOUSE_VARIABLE}={text!r}: {rest!r} is not a database name we accept: a letter or '_' "
            f"first, then letters, digits or '_' (at most 63)"
        )
    return rest


def token() -> str | None:
    """The access token from the environment (never from the location), or None."""
    value = (Settings.from_env().motherduck_token or "").strip()
    return value or None


def require_token() -> None:
    """Fail before connecting: without a token the extension waits for a browser login."""
    if token() is None:
        raise MotherDuckUnavailable(
            "MotherDuck needs an access token in MOTHERDUCK_TOKEN (or motherduck_token); "
            f"{WAREHOUSE_VARIABLE} names only the database (md:<database>)"
        )


def redact(text: str) -> str:
    """``text`` without the environment's token and without any ``motherduck_token=...`` value."""
    secret = token()
    if secret:
        text = text.replace(secret, "***")
    return _TOKEN_PARAMETER.sub(r"\1***", text)


def wheel_extension() -> str | None:
    """The extension shipped in the ``duckdb-extension-motherduck`` wheel for this DuckDB, if installed."""
    import duckdb  # here, not at the top: the code location checks `md:` locations without loading DuckDB

    spec = importlib.util.find_spec("duckdb_extension_motherduck")
    if spec is None or not spec.origin:
        return None
    found = os.path.join(
        os.path.dirname(spec.origin), "extensions", f"v{duckdb.__version__}", "motherduck.duckdb_extension"
    )
    return found if os.path.exists(found) else None


def load_sql() -> str:
    """``LOAD`` of the wheel's file, else of the extension installed in DuckDB's extension folder."""
    shipped = wheel_extension()
    return f"LOAD {quote_literal(shipped)}" if shipped else "LOAD motherduck"


def unavailable(error: BaseException) -> MotherDuckUnavailable:
    """What to do when the extension did not load: install it, or reach MotherDuck."""
    import duckdb

    text = redact(str(error)).splitlines()
    first = text[0] if text else type(error).__name__
    if "not found" in first.lower() or "install it first" in " ".join(text).lower():
        return MotherDuckUnavailable(
            f"MotherDuck needs DuckDB's motherduck extension for DuckDB {duckdb.__version__}, which is not installed "
            f"here: pip install -e '.[motherduck]' (the duckdb-extension-motherduck wheel), or run "
            f"INSTALL motherduck once with network access (e.g. in the image build); nothing is downloaded at run time"
        )
    return MotherDuckUnavailable(
        f"could not load MotherDuck's extension (it asks api.motherduck.com which version to run; "
        f"this needs network access to MotherDuck): {first}"
    )
