"""Staging folders of crashed landings: who owns one, and removing those whose owner is gone.

Each staging folder records its host and process (``.owner``). A folder older than ``stale_after``
whose process on this host is gone is removed (a landing that waits long keeps its folder fresh);
folders of other hosts are trusted until ``abandoned_after``.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
from pathlib import Path

STAGING_DIR = ".staging"
_OWNER = ".owner"


def _owner_alive(directory: Path) -> bool:
    """Whether the process that created a staging folder still runs (owners on other hosts are
    assumed alive; a folder without an owner file counts as abandoned)."""
    try:
        host, pid = (directory / _OWNER).read_text().split()
    except (OSError, ValueError):
        return False
    if host != socket.gethostname():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError):
        return True
    return True


def write_owner(directory: Path) -> None:
    (directory / _OWNER).write_text(f"{socket.gethostname()} {os.getpid()}")


def remove_stale_folders(parent: Path, stale_after: float, abandoned_after: float) -> list[Path]:
    """Delete the folders under ``parent`` older than ``stale_after`` whose owning process of this
    host is gone (or of any owner after ``abandoned_after``)."""
    removed: list[Path] = []
    if not parent.is_dir():
        return removed
    now = time.time()
    for entry in parent.iterdir():
        try:
            age = now - entry.stat().st_mtime
            if entry.is_dir() and age > stale_after and (age > abandoned_after or not _owner_alive(entry)):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
        except FileNotFoundError:
            continue
    return removed
