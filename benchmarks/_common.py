"""Helpers shared by the benchmark scripts (not a test module; pytest does not collect benchmarks/)."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as `.venv/bin/python benchmarks/<name>.py` from anywhere
    sys.path.insert(0, str(REPO))


def machine() -> str:
    """One line: cores, CPU model, RAM, Python."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, {ram} RAM, Python {platform.python_version()}, {platform.system()}"


def table(rows: list[tuple[str, str]]) -> str:
    """Two aligned columns: label, figure."""
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"  {label.ljust(width)}  {value}" for label, value in rows)
