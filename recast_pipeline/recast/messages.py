"""The problems a 422 body lists, whatever its shape (JSON of any layout, Rails errors, plain text).

Why its own module: the vendor does not document the body, so the reading is a heuristic worth
testing on its own, apart from the session that sends requests.
"""

from __future__ import annotations

import json
from typing import Any


def server_messages(text: str) -> list[str]:
    """The problems a 422 body lists, as ``"field: message"`` strings, whatever the body's shape."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return [" ".join(text.split())[:500]] if text and text.strip() else []
    found: list[str] = []
    _collect_messages(data, "", found)
    if not found and isinstance(data, dict) and isinstance(data.get("error"), str):
        found.append(data["error"])
    return list(dict.fromkeys(found))


def _collect_messages(value: Any, field: str, found: list[str]) -> None:
    if isinstance(value, str):
        found.append(_prefixed(field, value))
    elif isinstance(value, list):
        for item in value:
            _collect_messages(item, field, found)
    elif isinstance(value, dict):
        for wrapper in ("errors", "details", "detail"):
            if value.get(wrapper):  # a structured list beats the summary message beside it
                _collect_messages(value[wrapper], field, found)
                return
        named = value.get("field") or value.get("loc") or value.get("name")
        text = value.get("message") or value.get("msg")
        if isinstance(text, str):
            label = ".".join(map(str, named)) if isinstance(named, list) else (str(named) if named else field)
            found.append(_prefixed(label, text))
            return
        for key, item in value.items():
            if key not in ("status", "code", "status_code", "type", "error"):
                _collect_messages(item, f"{field}.{key}" if field else key, found)


def _prefixed(field: str, message: str) -> str:
    """``"field: message"``, unless the message already starts with the field's name."""
    return message if not field or message.startswith(field) else f"{field}: {message}"
