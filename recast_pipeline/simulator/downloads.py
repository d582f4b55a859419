"""Serving a download: the table's CSV, optionally damaged the ways real downloads get damaged.

Small tables are rendered in memory and sent with ``Content-Length``; big ones (the clean-data
panel) are generated in a worker thread and streamed chunked, so memory stays bounded and the
event loop keeps answering polls. A truncated download announces its full length (or streams
chunked) and then closes the connection midway.
"""

from __future__ import annotations

import itertools
import time
from typing import Iterator

from starlette.concurrency import iterate_in_threadpool
from starlette.responses import Response

from .csvout import DownloadSpec, Table, iter_csv
from .layouts import shape
from .reporttypes import is_dynamic
from .responses import error
from .views import status_of

CSV_TYPE = "text/csv; charset=utf-8"
HOSTILE_KEYS = (
    "../../etc/x",
    "a/b",
    'it\'s "q"; DROP TABLE x;--',
    "naïve café",
    "/etc/passwd",
    "C:\\Windows\\win.ini",
    "..\\..\\up",
    "..",
    "nul\x00byte",
    "k" * 300,
    "tables\u2010daily",
    "ｔａｂｌｅｓ－ｄａｉｌｙ",
    "tаbles-daily",  # hyphen U+2010, fullwidth, Cyrillic a
)
HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
    b"<body><h1>Bad Gateway</h1><p>The upstream report service did not respond.</p></body></html>\n"
)


# Headers that collide after normalization, shadow lineage columns, are SQL keywords or SQL text.
HOSTILE_HEADERS = [
    "Channel",
    "channel",
    "CHANNEL ",
    "Spend ($)",
    "Spend %",
    "spend_pct",
    "select",
    'x"; DROP TABLE recast_meta.reports; --',
    "",
    "Deployment ID",
    "loaded_at",
    "1st",
    "naïve",
]
HOSTILE_ROWS = [
    ["Paid Social", "a", "b", 1.5, 10.0, 0.1, "s", "v", "e", 1, "l", 1, "n"],
    ["Linear TV", "c", "d", 2.25, 20.0, 0.2, "t", "w", "f", 2, "m", 2, "o"],
]


def hostile_downloads() -> list[DownloadSpec]:
    table = lambda: Table(list(HOSTILE_HEADERS), [list(row) for row in HOSTILE_ROWS])  # noqa: E731
    return [DownloadSpec(key, "An unusual key", table, shapeable=False) for key in HOSTILE_KEYS]


def schema_variant(table: Table, variant: int, model_version: int) -> Table:
    """Schema drift: 1 appends a column, 2 drops the last column, 3 writes the first numeric column as text."""
    if variant == 1:
        return Table(
            [*table.columns, "Model Version"], ([*row, model_version] for row in table.rows), table.big, table.plain
        )
    if variant == 2 and len(table.columns) > 1:
        return Table(table.columns[:-1], (list(row)[:-1] for row in table.rows), table.big, table.plain)
    if variant == 3:
        rows = iter(table.rows)
        first = next(rows, None)
        if first is None:
            return table
        numeric = [i for i, v in enumerate(first) if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if not numeric:
            return Table(table.columns, itertools.chain([first], rows), table.big, table.plain)
        col = numeric[0]

        def as_text(row):
            row = list(row)
            if isinstance(row[col], (int, float)) and not isinstance(row[col], bool):
                row[col] = f"{row[col]:,.2f} units"
            return row

        return Table(table.columns, (as_text(r) for r in itertools.chain([first], rows)), table.big, table.plain)
    return table


def malform(chunk: str, mode: str, first: bool) -> str:
    """Damage CSV text: ragged rows or an unbalanced quote (applied per chunk)."""
    lines = chunk.split("\n")
    start = 1 if first else 0  # keep the header intact
    if mode == "ragged":
        for i in range(start, len(lines)):
            if lines[i] and (i - start) % 4 == 1:
                lines[i] += ",EXTRA"
            elif lines[i] and (i - start) % 4 == 3 and "," in lines[i]:
                lines[i] = lines[i].rsplit(",", 1)[0]
    elif mode == "bad_quote":
        body = [i for i in range(start, len(lines)) if lines[i]]
        if body:
            i = body[len(body) // 2]
            lines[i] = '"' + lines[i].replace('"', "")
    return "\n".join(lines)


class CsvResponse:
    """An ASGI response for one download, with the damage the fault settings ask for."""

    def __init__(self, table: Table, malformed: str | None, truncate: bool, html_type: str = "text/html"):
        self.table, self.malformed, self.truncate, self.html_type = table, malformed, truncate, html_type
        self.status_code = 200

    def _chunks(self) -> Iterator[str]:
        for i, chunk in enumerate(iter_csv(self.table)):
            yield malform(chunk, self.malformed, i == 0) if self.malformed in ("ragged", "bad_quote") else chunk

    async def __call__(self, scope, receive, send) -> None:
        if self.malformed == "html":
            await self._send_bytes(send, HTML_PAGE, self.html_type)
        elif self.table.big:
            await self._stream(send)
        else:
            await self._send_bytes(send, "".join(self._chunks()).encode("utf-8"), CSV_TYPE)

    async def _send_bytes(self, send, body: bytes, content_type: str) -> None:
        headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        if self.truncate:  # half the body, then return: the server closes the connection mid-body
            await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
            return
        await send({"type": "http.response.body", "body": body, "more_body": False})

    async def _stream(self, send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", CSV_TYPE.encode())]})
        sent = 0
        async for chunk in iterate_in_threadpool(self._chunks()):
            await send({"type": "http.response.body", "body": chunk.encode("utf-8"), "more_body": True})
            sent += 1
            if self.truncate and sent >= 3:
                return
        if not self.truncate:
            await send({"type": "http.response.body", "body": b"", "more_body": False})


def find_download(sim, report, key: str) -> tuple[DownloadSpec | None, Response | None]:
    """(the download, None), or (None, the 409/404 answer) when the report has no such download now."""
    status = status_of(report, sim.faults.settings.force_status, time.monotonic())
    if status != "success":
        return None, error(409, "conflict", f"report {report.id} has no downloads while its status is {status!r}")
    specs = [*sim.store.downloads(report)]
    if sim.faults.settings.hostile_keys and is_dynamic(report.report_type):
        specs += hostile_downloads()
    spec = next((d for d in specs if d.key == key), None)
    if spec is None:
        return None, error(404, "not_found", f"report {report.id} has no download with key {key!r}")
    return spec, None


def csv_response(sim, report, spec: DownloadSpec, scope) -> CsvResponse:
    """The CSV of one download with the download faults (schema drift, malformed, truncated) applied."""
    settings, readings = sim.faults.settings, sim.store.readings
    table = spec.make_table()
    if spec.shapeable:
        channels = sim.store.registry.get(report.deployment_id).spec.channels
        table = shape(table, readings.layout, readings.headers, channels, spec.measure)
    table = schema_variant(table, settings.schema_variant, report.model_version)
    malformed = settings.malformed_mode if sim.faults.fires("malformed", "download") else None
    truncate = sim.faults.fires("truncate", "download")
    scope["sim.fault"] = "truncate" if truncate else (f"malformed:{malformed}" if malformed else None)
    return CsvResponse(table, malformed, truncate, settings.malformed_content_type)
