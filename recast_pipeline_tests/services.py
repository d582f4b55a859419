"""Servers the lakehouse tests start themselves on loopback: a throwaway Postgres and an S3 stand-in.

Why home-grown for Postgres: it is a few ``initdb``/``pg_ctl`` calls on Debian's binaries
(``/usr/lib/postgresql/<version>/bin``, or ``RECAST_TEST_PG_BIN``), with trust authentication on
127.0.0.1 only and no fsync; as root (CI containers) the server runs as the ``postgres`` user,
since Postgres refuses root. Tests skip, saying why, only when no Postgres binaries exist.
S3 is ``moto`` in server mode (``ThreadedMotoServer``) on a free loopback port.

Use as fixtures: ``from services import postgres, pg_database, s3  # noqa: F401``.
"""

from __future__ import annotations

import logging
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_BIN_ENV = "RECAST_TEST_PG_BIN"
S3_KEYS = {"AWS_ACCESS_KEY_ID": "recast-test-key", "AWS_SECRET_ACCESS_KEY": "recast-test-secret-value"}


def pg_bin() -> Path | None:
    """A folder holding ``initdb`` and ``pg_ctl``: the variable's, Debian's newest, or the PATH's."""
    candidates = [Path(os.environ[PG_BIN_ENV])] if os.environ.get(PG_BIN_ENV) else []
    candidates += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    found = shutil.which("initdb")
    if found:
        candidates.append(Path(found).parent)
    return next((c for c in candidates if (c / "initdb").exists() and (c / "pg_ctl").exists()), None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalPostgres:
    """A Postgres cluster in a temporary folder, listening on 127.0.0.1 only (trust auth)."""

    user = "recast"

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="recast-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._as_user: list[str] = []
        if os.geteuid() == 0:  # Postgres refuses to run as root
            account = _unprivileged_account()
            os.chown(self.root, account.pw_uid, account.pw_gid)
            self._as_user = ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups"]

    def _run(self, program: str, *args: str) -> None:
        command = [*self._as_user, str(self.bin_dir / program), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(
                f"{program} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}"
            )

    def start(self) -> LocalPostgres:
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            self.user,
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        )
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        return self

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def create_database(self, name: str | None = None) -> str:
        name = name or f"t_{uuid.uuid4().hex[:12]}"
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, name)
        return name

    def conninfo(self, database: str) -> str:
        """libpq key/value form, as DuckDB's postgres extension and DuckLake take it."""
        return f"dbname={database} host=127.0.0.1 port={self.port} user={self.user}"


def _unprivileged_account() -> pwd.struct_passwd:
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root without a 'postgres' or 'nobody' account to run Postgres as")


@pytest.fixture(scope="session")
def postgres():
    """One Postgres per test session (each test takes its own database: ``pg_database``)."""
    bin_dir = pg_bin()
    if bin_dir is None:
        pytest.skip(f"no Postgres binaries (initdb, pg_ctl): install Debian's postgresql or set {PG_BIN_ENV}")
    server = LocalPostgres(bin_dir).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_database(postgres) -> str:
    """A fresh, empty database: its libpq conninfo."""
    return postgres.conninfo(postgres.create_database())


@dataclass(frozen=True)
class S3Server:
    endpoint: str  # http://127.0.0.1:port
    bucket: str

    @property
    def env(self) -> dict[str, str]:
        """The AWS variables a process needs to reach this server (fake keys)."""
        return {**S3_KEYS, "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": self.endpoint}

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=S3_KEYS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_KEYS["AWS_SECRET_ACCESS_KEY"],
        )

    def keys(self, prefix: str = "") -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


@pytest.fixture(scope="session")
def s3_server():
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    service = S3Server(f"http://{host}:{port}", "recast-lake")
    service.client().create_bucket(Bucket=service.bucket)
    try:
        yield service
    finally:
        server.stop()


@pytest.fixture
def s3(s3_server, monkeypatch) -> S3Server:
    """The S3 stand-in, with this process's AWS variables pointing at it."""
    for name, value in s3_server.env.items():
        monkeypatch.setenv(name, value)
    return s3_server
