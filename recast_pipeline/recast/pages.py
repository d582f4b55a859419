"""Read a paginated list endpoint to its end, whatever ``per_page`` the server really allows.

Why one paginator: reports, deployments and KPIs are all paginated the same way, and each list
read short is a silent bug (a deployment never discovered, a report created twice). The server may
cap ``per_page`` without saying so, or leave ``pagination`` out: then the ``per_page`` it reports,
or failing that the first page's row count, is the page size. The walk ends on the last page
(``total_pages``/``total_count``), on a short or empty page, or on a page that brings no new id,
so it never stops early and never loops forever. Consumers may stop iterating at any time: no
further page is fetched.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Mapping

GetJson = Callable[..., Any]
DEFAULT_PER_PAGE = 100


def iter_rows(
    get_json: GetJson, path: str, params: Mapping[str, Any] | None = None, per_page: int = DEFAULT_PER_PAGE
) -> Iterator[Mapping[str, Any]]:
    """Every row of every page of ``path`` (each id once), fetched lazily page by page."""
    seen: set[str] = set()
    page, page_size = 1, None
    while True:
        body = get_json(path, params={**(params or {}), "page": page, "per_page": per_page})
        rows = _rows(body)
        fresh = 0
        for row in rows:
            key = str(row.get("id")) if isinstance(row, Mapping) else repr(row)
            if key not in seen:
                seen.add(key)
                fresh += 1
                yield row
        pagination = body.get("pagination") if isinstance(body, Mapping) else None
        pagination = pagination if isinstance(pagination, Mapping) else {}
        page_size = _int(pagination.get("per_page")) or page_size or len(rows)
        if not fresh or _last_page(page, len(rows), len(seen), page_size, pagination):
            return
        page += 1


def _last_page(page: int, count: int, seen: int, page_size: int, pagination: Mapping[str, Any]) -> bool:
    total_count, total_pages = _int(pagination.get("total_count")), _int(pagination.get("total_pages"))
    if total_count is not None:
        return seen >= total_count
    if total_pages is not None:
        return page >= total_pages
    return count < page_size


def _rows(body: Any) -> list[Any]:
    rows = body.get("data") if isinstance(body, Mapping) else body
    return list(rows) if isinstance(rows, list) else []


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None
