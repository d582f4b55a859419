"""Swap a folder in whole, so readers see the old partition or the new one, never half of either.

Why ctypes: Linux's ``renameat2(RENAME_EXCHANGE)`` swaps two paths atomically and Python has no
binding for it; elsewhere (or on filesystems without it) the old folder is renamed aside first,
so it is missing for an instant.
"""

from __future__ import annotations

import ctypes
import functools
import os
import uuid
from pathlib import Path

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


@functools.cache
def _renameat2():
    try:
        return ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where unsupported."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    return renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0


def swap_in(staged: Path, final: Path, trash: Path) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    if not final.exists():
        os.rename(staged, final)
    elif not _exchange(staged, final):  # fallback: the folder is missing for an instant
        os.rename(final, trash / uuid.uuid4().hex)
        os.rename(staged, final)
