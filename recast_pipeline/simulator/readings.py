"""Readings of what RECAST_API.md leaves open ("What the documentation leaves open"): one knob each.

The simulator plays one reading per open question at a time, so tests can prove the pipeline
survives every one. Defaults are the friendliest documented behaviour; ``Readings.unfriendly()``
turns every knob to its harshest value at once. Faults (429, 5xx, ...) are not readings: see
``faults.py``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

CHOICES: dict[str, tuple[Any, ...]] = {
    "refresh": ("new_deployment", "in_place"),
    "prerendered_rerun": ("new_ids", "in_place"),
    "downloads": ("inline", "redirect"),
    "redirect_status": (302, 307),
    "unlisted_reports": ("listed", "hidden"),
    "names": ("verbatim", "truncated", "absent"),
    "form_scalars": ("as_sent", "strings"),
    "error_body": ("json", "rails", "plain"),
    # CSV layouts: as the report tables are written (a mix: ``tables_spend``'s docstring), or every
    # table that has channels served one way (``layouts.py``); headers as written or restyled.
    "layout": ("mixed", "wide", "long"),
    "headers": ("as_written", "restyled"),
    # A report's updated_at: moves when it finishes, never moves (== created_at), moves on every poll.
    "report_timestamps": ("on_finish", "static", "per_poll"),
    # Deployment list rows and details: every documented field, or only id and name (and the labels).
    "deployment_fields": ("full", "id_name"),
}
NAME_LIMIT = 40  # characters kept by names="truncated"
MAX_DASHBOARDS = 2000
INTEGER_KNOBS = ("redirect_status", "max_per_page", "dashboards")


@dataclass(frozen=True)
class Readings:
    """One reading per open question; invalid values raise ValueError naming the knob and its choices."""

    refresh: str = "new_deployment"
    prerendered_rerun: str = "new_ids"
    downloads: str = "inline"
    redirect_status: int = 302
    unlisted_reports: str = "listed"
    names: str = "verbatim"
    form_scalars: str = "as_sent"
    error_body: str = "json"
    layout: str = "mixed"
    headers: str = "as_written"
    report_timestamps: str = "on_finish"
    deployment_fields: str = "full"
    max_per_page: int = 100
    dashboards: int = 2  # how many dashboards the client has (agency scale: hundreds); only grows while serving

    def __post_init__(self) -> None:
        for name, allowed in CHOICES.items():
            value = getattr(self, name)
            if value not in allowed or isinstance(value, bool):
                raise ValueError(f"reading {name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
        for name, top in (("max_per_page", None), ("dashboards", MAX_DASHBOARDS)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1 or (top and value > top):
                raise ValueError(
                    f"reading {name} must be an integer >= 1{f' and <= {top}' if top else ''}; got {value!r}"
                )

    @classmethod
    def unfriendly(cls) -> Readings:
        """Every non-default reading at once (``refresh`` stays ``new_deployment``: it is one of two;
        ``layout`` long and ``report_timestamps`` per_poll stand for their two other values)."""
        return cls(
            prerendered_rerun="in_place",
            downloads="redirect",
            unlisted_reports="hidden",
            names="absent",
            form_scalars="strings",
            error_body="plain",
            layout="long",
            headers="restyled",
            report_timestamps="per_poll",
            deployment_fields="id_name",
            max_per_page=10,
        )

    @classmethod
    def coerce(cls, value: Readings | dict | None) -> Readings:
        """A Readings from a Readings, a dict of knobs, or None (the defaults)."""
        if value is None:
            return cls()
        if isinstance(value, Readings):
            return value
        if isinstance(value, dict):
            return cls().replace(**value)
        raise ValueError(f"readings must be a Readings or a dict of knobs; got {type(value).__name__}")

    def replace(self, **knobs: Any) -> Readings:
        """A copy with some knobs changed; unknown knobs raise ValueError listing the known ones."""
        known = [f.name for f in dataclasses.fields(self)]
        unknown = sorted(set(knobs) - set(known))
        if unknown:
            raise ValueError(f"unknown reading {unknown[0]!r}; known: {', '.join(known)}")
        return dataclasses.replace(self, **knobs)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def parse_reading(text: str) -> dict[str, Any]:
    """``"downloads=redirect"`` -> ``{"downloads": "redirect"}`` (integers where the knob takes one)."""
    name, sep, raw = text.partition("=")
    name, raw = name.strip(), raw.strip()
    if not sep or not name:
        raise ValueError(f"a reading is NAME=VALUE, e.g. downloads=redirect; got {text!r}")
    numeric = name in INTEGER_KNOBS
    if numeric and not raw.lstrip("-").isdigit():
        raise ValueError(f"reading {name} must be an integer; got {raw!r}")
    return {name: int(raw) if numeric else raw}


def add_reading_arguments(parser) -> None:
    """``--reading NAME=VALUE`` (repeatable) and ``--unfriendly``, for every command that starts a simulator."""
    parser.add_argument(
        "--reading",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="how an open question of the API is played, e.g. layout=long (repeatable); "
        + "; ".join(f"{k}: {'|'.join(map(str, v))}" for k, v in CHOICES.items())
        + "; max_per_page, dashboards: an integer >= 1",
    )
    parser.add_argument(
        "--unfriendly", action="store_true", help="every unfriendly reading at once (applied before --reading)"
    )
    parser.add_argument(
        "--dashboards",
        type=int,
        default=None,
        metavar="N",
        help="how many dashboards the client has (default 2; an agency: hundreds)",
    )


def readings_from_arguments(args) -> Readings:
    knobs: dict[str, Any] = {} if args.dashboards is None else {"dashboards": args.dashboards}
    for text in args.reading:
        knobs.update(parse_reading(text))
    return (Readings.unfriendly() if args.unfriendly else Readings()).replace(**knobs)
