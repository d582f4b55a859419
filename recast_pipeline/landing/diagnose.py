"""Malformed-CSV detection with messages a person can act on: which download, file and line.

Why: the fast converter (DuckDB) reports record numbers, not the physical line an editor shows,
and its wording changes between versions. When it rejects a file, this module re-reads it with
Python's strict ``csv`` module to name the exact line and the reason. It also catches what a CSV
parser happily accepts: an HTML error page served with status 200, or an empty body.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

_HEAD_BYTES = 1024
_NOT_CSV = (
    (b"<!doctype html", "an HTML page, not CSV"),
    (b"<html", "an HTML page, not CSV"),
    (b"<?xml", "an XML document, not CSV"),
    (b'{"', "a JSON document, not CSV"),
)
_DUCKDB_LINE = re.compile(r"Line: (\d+)")


class MalformedCsvError(ValueError):
    """A download that is not a well-formed CSV; nothing was published from it."""

    def __init__(self, path: str | Path, line: int | None, reason: str, download_key: str | None = None):
        self.path = str(path)
        self.line = line
        self.reason = reason
        self.download_key = download_key
        where = f"line {line}" if line is not None else "unknown line"
        key = f"download {download_key!r} " if download_key is not None else ""
        super().__init__(f"malformed CSV {key}({self.path}), {where}: {reason}")

    def __reduce__(self):
        return (type(self), (self.path, self.line, self.reason, self.download_key))


class _UndecodableLine(Exception):
    def __init__(self, line: int):
        self.line = line


def _text_lines(path: Path) -> Iterator[str]:
    """Physical lines decoded strictly as UTF-8 (BOM dropped), so errors keep their line."""
    with open(path, "rb") as raw:
        for number, data in enumerate(raw, start=1):
            try:
                text = data.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                raise _UndecodableLine(number) from None
            yield text


def check_head(path: Path, download_key: str | None = None) -> None:
    """Reject bodies that are obviously not CSV before any parsing."""
    with open(path, "rb") as raw:
        head = raw.read(_HEAD_BYTES)
    stripped = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not stripped:
        raise MalformedCsvError(path, 1, "empty file: no header row", download_key)
    lowered = stripped.lower()
    for prefix, reason in _NOT_CSV:
        if lowered.startswith(prefix):
            raise MalformedCsvError(path, 1, reason, download_key)


def read_header(path: Path, download_key: str | None = None) -> list[str]:
    """The header record (may span lines when quoted); raises when there is none."""
    previous = csv.field_size_limit(1 << 30)
    try:
        reader = csv.reader(_text_lines(path), strict=True)
        header = next(reader, None)
    except _UndecodableLine as exc:
        raise MalformedCsvError(path, exc.line, "not valid UTF-8 text", download_key) from None
    except csv.Error as exc:
        raise MalformedCsvError(path, 1, f"bad quoting in the header: {exc}", download_key) from None
    finally:
        csv.field_size_limit(previous)
    if not header or header == [""]:
        raise MalformedCsvError(path, 1, "the first line is empty: no header row", download_key)
    return header


def find_problem(path: Path, expected_fields: int) -> tuple[int, str] | None:
    """First malformed record as (physical line, reason), or None when Python finds none."""
    previous = csv.field_size_limit(1 << 30)
    reader = csv.reader(_text_lines(path), strict=True)
    last_line = 0
    try:
        for record in reader:
            start, last_line = last_line + 1, reader.line_num
            if record and len(record) != expected_fields:
                found = len(record)
                return start, f"{found} field{'' if found == 1 else 's'} where the header has {expected_fields}"
    except _UndecodableLine as exc:
        return exc.line, "not valid UTF-8 text"
    except csv.Error as exc:
        return last_line + 1, f"bad quoting: {exc}"
    finally:
        csv.field_size_limit(previous)
    return None


def describe_failure(path: Path, expected_fields: int, error: Exception, download_key: str | None) -> MalformedCsvError:
    """Turn a converter error into a MalformedCsvError naming the line (precise when possible)."""
    problem = find_problem(path, expected_fields)
    if problem is not None:
        return MalformedCsvError(path, problem[0], problem[1], download_key)
    message = str(error)
    found = _DUCKDB_LINE.search(message)
    lines = [part.strip() for part in message.splitlines() if part.strip()]
    reason = next(
        (part for part in lines[1:] if not part.startswith(("Original Line", "Possible", "*"))),
        lines[0] if lines else type(error).__name__,
    )
    line = int(found.group(1)) if found else None
    return MalformedCsvError(
        path, line, f"{reason} (record {line} as counted by the reader)" if line else reason, download_key
    )
