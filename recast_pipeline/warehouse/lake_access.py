"""What opening a DuckLake needs besides DuckDB: its extensions from the installed wheels, the
object store's credentials from the AWS variables, and messages without the catalog's password.

Why apart from ``target``: these are the parts that touch the environment and the installed
packages; ``target`` only decides how to open the warehouse.
"""

from __future__ import annotations

import importlib.util
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import duckdb

from recast_pipeline.landing.naming import quote_literal
from recast_pipeline.warehouse.errors import WarehouseError

_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def redact(text: str) -> str:
    """A libpq conninfo (or a message quoting it) without its password."""
    return _PASSWORD.sub(r"\1***", text)


@dataclass(frozen=True)
class S3Settings:
    """The AWS variables DuckDB's S3 client needs; ``endpoint`` for S3-compatible stores."""

    key_id: str
    secret: str
    session_token: str
    region: str
    endpoint: str  # host[:port], empty for AWS itself
    use_ssl: bool

    @classmethod
    def from_env(cls) -> "S3Settings":
        url = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or ""
        parsed = urlparse(url) if "://" in url else urlparse(f"https://{url}") if url else None
        return cls(
            key_id=os.environ.get("AWS_ACCESS_KEY_ID", ""),
            secret=os.environ.get("AWS_SECRET_ACCESS_KEY", ""),
            session_token=os.environ.get("AWS_SESSION_TOKEN", ""),
            region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
            endpoint=parsed.netloc if parsed else "",
            use_ssl=parsed is None or parsed.scheme != "http",
        )

    def __repr__(self) -> str:  # never print the keys
        return f"S3Settings(region={self.region!r}, endpoint={self.endpoint!r})"

    def secret_sql(self, name: str) -> str:
        """A temporary (in-memory) secret of this connection only."""
        options = {"TYPE": "s3", "REGION": self.region, "USE_SSL": "true" if self.use_ssl else "false"}
        if self.key_id:
            options.update(KEY_ID=self.key_id, SECRET=self.secret)
        if self.session_token:
            options["SESSION_TOKEN"] = self.session_token
        if self.endpoint:  # S3-compatible stores (MinIO, moto, R2 ...) want path-style URLs
            options.update(ENDPOINT=self.endpoint, URL_STYLE="path")
        body = ", ".join(
            f"{key} {value}" if key in ("TYPE", "USE_SSL") else f"{key} {quote_literal(value)}" for key, value in options.items()
        )
        return f"CREATE OR REPLACE TEMPORARY SECRET {name} ({body})"


# DuckDB derives an extension's entry point from the file name; the postgres wheel ships
# postgres.duckdb_extension but the extension calls itself postgres_scanner.
_CANONICAL = {"postgres": "postgres_scanner"}


def loadable_extension(name: str) -> Path:
    """A path ``LOAD`` accepts for the wheel's extension: the file itself, or a link to it under
    the extension's canonical name (in a per-user folder of the temp directory)."""
    shipped = extension_file(name)
    canonical = _CANONICAL.get(name)
    if canonical is None:
        return shipped
    folder = Path(tempfile.gettempdir()) / f"recast-duckdb-extensions-{os.getuid()}" / f"v{duckdb.__version__}"
    link = folder / f"{canonical}.duckdb_extension"
    if not (link.is_symlink() and link.resolve() == shipped.resolve()):
        folder.mkdir(parents=True, exist_ok=True)
        fresh = folder / f".{canonical}.{os.getpid()}.{threading.get_ident()}"
        fresh.unlink(missing_ok=True)
        fresh.symlink_to(shipped)
        os.replace(fresh, link)  # atomic: concurrent processes never see a half-made link
    return link


def extension_file(name: str) -> Path:
    """The extension binary shipped in the ``duckdb-extension-<name>`` wheel for this DuckDB."""
    spec = importlib.util.find_spec(f"duckdb_extension_{name}")
    version = f"v{duckdb.__version__}"
    if spec is not None and spec.origin:
        found = Path(spec.origin).parent / "extensions" / version / f"{name}.duckdb_extension"
        if found.exists():
            return found
    raise WarehouseError(
        f"DuckLake needs the DuckDB extension {name!r} for DuckDB {duckdb.__version__}: install the project's "
        f"dependencies (pip install -e .), which bring the duckdb-extension-{name} wheel matching DuckDB"
    )
