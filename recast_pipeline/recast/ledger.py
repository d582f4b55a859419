"""A durable record of every report create, keyed by ``(client_slug, form fingerprint)``.

Why: the report list may not show API-created reports, and names may come back truncated or not at
all, so neither can be relied on to find a report we created. The ledger can: an *intent* row is
written before the POST and the report id the moment the create returns, so a crashed, retried or
re-run process resumes or reuses its report without listing anything. An intent with no id is a
create whose answer may have been lost: the caller looks for it before deciding anything.

SQLite (stdlib) in WAL mode, one short transaction per call and a busy timeout, so several
processes (Dagster steps, a backfill and a sensor) can share one file safely.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

BUSY_TIMEOUT_S = 30.0
_SCHEMA = """
CREATE TABLE IF NOT EXISTS creates (
    client_slug   TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    report_type   TEXT,
    deployment_id INTEGER,
    intent_at     TEXT NOT NULL,
    report_id     INTEGER,
    created_at    TEXT,
    PRIMARY KEY (client_slug, fingerprint)
)
"""


@dataclass(frozen=True)
class LedgerEntry:
    """One create: ``report_id`` is None while its answer is pending (or was lost)."""

    client_slug: str
    fingerprint: str
    report_type: str | None
    deployment_id: int | None
    intent_at: datetime
    report_id: int | None
    created_at: datetime | None

    @property
    def pending(self) -> bool:
        return self.report_id is None


class CreateLedger:
    """``intend`` before a create, ``record`` when it returns, ``forget`` when provably nothing was made."""

    def __init__(self, path: str | Path, *, now: Callable[[], datetime] | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._now = now or (lambda: datetime.now(timezone.utc))
        with closing(self._connect()) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)

    def __repr__(self) -> str:
        return f"CreateLedger({str(self.path)!r})"

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        db.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        return db

    def _write(self, sql: str, args: tuple) -> None:
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(sql, args)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def intend(self, client_slug: str, fingerprint: str, report_type: str | None, deployment_id: int | None) -> None:
        """A create is about to be sent (replaces any earlier entry for the same form)."""
        self._write(
            "INSERT OR REPLACE INTO creates (client_slug, fingerprint, report_type, deployment_id, intent_at, "
            "report_id, created_at) VALUES (?, ?, ?, ?, ?, NULL, NULL)",
            (client_slug, fingerprint, report_type, deployment_id, self._now().isoformat()),
        )

    def record(self, client_slug: str, fingerprint: str, report_id: int) -> None:
        """The create returned (or its report was found): remember the id for good."""
        now = self._now().isoformat()
        self._write(
            "INSERT INTO creates (client_slug, fingerprint, intent_at, report_id, created_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (client_slug, fingerprint) DO UPDATE SET report_id = excluded.report_id, "
            "created_at = excluded.created_at",
            (client_slug, fingerprint, now, int(report_id), now),
        )

    def forget(self, client_slug: str, fingerprint: str) -> None:
        """The create provably made nothing (refused, never sent): drop a pending intent."""
        self._write(
            "DELETE FROM creates WHERE client_slug = ? AND fingerprint = ? AND report_id IS NULL",
            (client_slug, fingerprint),
        )

    def lookup(self, client_slug: str, fingerprint: str) -> LedgerEntry | None:
        with closing(self._connect()) as db:
            row = db.execute(
                "SELECT client_slug, fingerprint, report_type, deployment_id, intent_at, report_id, created_at "
                "FROM creates WHERE client_slug = ? AND fingerprint = ?",
                (client_slug, fingerprint),
            ).fetchone()
        if row is None:
            return None
        return LedgerEntry(
            row[0],
            row[1],
            row[2],
            row[3],
            datetime.fromisoformat(row[4]),
            row[5],
            datetime.fromisoformat(row[6]) if row[6] else None,
        )
