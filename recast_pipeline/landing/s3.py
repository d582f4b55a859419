"""S3 and S3-compatible object storage: settings from the AWS variables, ``s3://`` URLs, a filesystem.

Why here: the landing area (Parquet on S3) and the warehouse (DuckLake data, reading landed files)
both reach the same store with the same credentials. The credentials are read from the usual AWS
variables when a connection or filesystem is made and handed straight to it: never logged, never
stored, never part of a ``repr`` or a message.

The filesystem is ``pyarrow.fs.S3FileSystem`` (pyarrow is a dependency anyway; it does multipart
uploads, retries and server-side copies). The installed pyarrow ignores ``AWS_ENDPOINT_URL``, so
endpoint and scheme are passed to it explicitly, from the same settings DuckDB gets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from recast_pipeline.config.settings import Settings, is_object_store
from recast_pipeline.landing.naming import quote_literal

if TYPE_CHECKING:  # pyarrow is imported on first use: most processes never touch S3
    from pyarrow import fs

S3_SCHEME = "s3://"
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")


@dataclass(frozen=True)
class S3Location:
    """``s3://bucket/prefix`` split: ``prefix`` without leading or trailing slashes (may be empty)."""

    bucket: str
    prefix: str

    @classmethod
    def parse(cls, url: str, what: str = "S3 URL") -> S3Location:
        text = str(url).strip()
        if not is_object_store(text):
            raise ValueError(f"{what} must start with s3://, got {text!r}")
        bucket, _, prefix = text[len(S3_SCHEME) :].partition("/")
        if not _BUCKET.match(bucket):
            raise ValueError(f"{what} {text!r}: {bucket!r} is not a valid bucket name")
        parts = [part for part in prefix.split("/") if part]
        if any(part in (".", "..") for part in parts):
            raise ValueError(f"{what} {text!r}: '.' and '..' are not allowed in the prefix")
        return cls(bucket, "/".join(parts))

    def join(self, *parts: str) -> S3Location:
        return S3Location(self.bucket, "/".join(p.strip("/") for p in (self.prefix, *parts) if p.strip("/")))

    @property
    def path(self) -> str:
        """``bucket/key`` as pyarrow's filesystem names it."""
        return f"{self.bucket}/{self.prefix}" if self.prefix else self.bucket

    @property
    def url(self) -> str:
        return S3_SCHEME + self.path


@dataclass(frozen=True)
class S3Settings:
    """The AWS variables an S3 client needs; ``endpoint`` for S3-compatible stores."""

    key_id: str
    secret: str
    session_token: str
    region: str
    endpoint: str  # host[:port], empty for AWS itself
    use_ssl: bool

    @classmethod
    def from_env(cls) -> S3Settings:
        aws = Settings.from_env().aws
        url = aws.endpoint_url
        parsed = urlparse(url) if "://" in url else urlparse(f"https://{url}") if url else None
        return cls(
            key_id=aws.access_key_id,
            secret=aws.secret_access_key,
            session_token=aws.session_token,
            region=aws.region,
            endpoint=parsed.netloc if parsed else "",
            use_ssl=parsed is None or parsed.scheme != "http",
        )

    def __repr__(self) -> str:  # never print the keys
        return f"S3Settings(region={self.region!r}, endpoint={self.endpoint!r})"

    __str__ = __repr__

    def secret_sql(self, name: str) -> str:
        """A temporary (in-memory) DuckDB secret of this connection only."""
        options = {"TYPE": "s3", "REGION": self.region, "USE_SSL": "true" if self.use_ssl else "false"}
        if self.key_id:
            options.update(KEY_ID=self.key_id, SECRET=self.secret)
        if self.session_token:
            options["SESSION_TOKEN"] = self.session_token
        if self.endpoint:  # S3-compatible stores (MinIO, moto, R2 ...) want path-style URLs
            options.update(ENDPOINT=self.endpoint, URL_STYLE="path")
        body = ", ".join(
            f"{key} {value}" if key in ("TYPE", "USE_SSL") else f"{key} {quote_literal(value)}"
            for key, value in options.items()
        )
        return f"CREATE OR REPLACE TEMPORARY SECRET {name} ({body})"

    def filesystem(self) -> fs.S3FileSystem:
        """A pyarrow S3 filesystem; without keys it falls back to the AWS default chain (instance roles ...)."""
        from pyarrow import fs

        options: dict[str, object] = {"region": self.region, "scheme": "https" if self.use_ssl else "http"}
        if self.endpoint:
            options["endpoint_override"] = self.endpoint
        if self.key_id:
            options.update(access_key=self.key_id, secret_key=self.secret, session_token=self.session_token or None)
        return fs.S3FileSystem(**options)
