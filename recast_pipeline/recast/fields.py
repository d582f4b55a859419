"""The input fields report forms take: their kinds, defaults and the channel labels they accept.

Kinds (``FieldSpec.kind``): ``date`` (``YYYY-MM-DD``), ``bool`` (JSON boolean), ``bool_string``
(the *string* ``"true"``/``"false"``, as the API insists), ``int_range`` (integer 1..90),
``number``, ``granularity`` (``daily``/``weekly``/``monthly``), ``channels`` (list of channel
labels), ``channel_groups`` (list of ``{"name", "channels"}``).

Channel fields take their default and their accepted labels from the deployment; which of its
label lists is named by ``default_labels`` / ``allowed_labels`` and read with ``labels_for``.

Public API: ``FieldSpec``, ``FIELD_KINDS``, ``GRANULARITIES``, ``SPEND_CHANNELS``,
``UPPER_FUNNEL_CHANNELS``, ``labels_for(deployment, source)``, ``DEFAULT_GROUP_NAME`` and the
shared specs (``START_DATE`` … ``CHANNEL_GROUPS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from recast_pipeline.recast.api_types import Deployment

FIELD_KINDS = frozenset(
    {"date", "bool", "bool_string", "int_range", "number", "granularity", "channels", "channel_groups"}
)
GRANULARITIES = ("daily", "weekly", "monthly")
NUM_DAYS_RANGE = (1, 90)

SPEND_CHANNELS = "spend_channels"
UPPER_FUNNEL_CHANNELS = "upper_funnel_channels"
DEFAULT_GROUP_NAME = "All upper funnel"


@dataclass(frozen=True)
class FieldSpec:
    """One required input of a report type (``deployment_id`` and ``report_type`` excluded).

    ``default`` is the catalog default for scalar kinds (None: the partition window sets it, e.g.
    dates). Channel kinds default to the deployment's ``default_labels`` list and accept only
    labels from its ``allowed_labels`` list.
    """

    name: str
    kind: str
    description: str
    default: Any = None
    default_labels: str | None = None
    allowed_labels: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in FIELD_KINDS:
            raise ValueError(f"unknown field kind {self.kind!r} for {self.name!r}")


def labels_for(deployment: Deployment, source: str) -> tuple[str, ...]:
    """The deployment's labels named by ``source`` (``SPEND_CHANNELS`` or ``UPPER_FUNNEL_CHANNELS``).

    A deployment that lists no upper-funnel labels has every spend channel that is not
    lower-funnel in the upper funnel, so those are used instead of an empty list.
    """
    if source == SPEND_CHANNELS:
        return deployment.spend_channels
    if source == UPPER_FUNNEL_CHANNELS:
        if deployment.upper_funnel_channels:
            return deployment.upper_funnel_channels
        lower = set(deployment.lower_funnel_channels)
        return tuple(label for label in deployment.spend_channels if label not in lower)
    raise ValueError(f"unknown channel label source {source!r}")


START_DATE = FieldSpec("start_date", "date", "First day of the date range (YYYY-MM-DD); set by the partition's month.")
END_DATE = FieldSpec(
    "end_date", "date", "Last day of the date range (YYYY-MM-DD), after start_date; set by the partition's month."
)
DATE_RANGE = (START_DATE, END_DATE)
ANCHOR_DATE = FieldSpec(
    "date", "date", "Anchor date (YYYY-MM-DD): the curves use the num_days before it; the partition's last day."
)
NUM_DAYS = FieldSpec("num_days", "int_range", "Days before the anchor date to average over, 1 to 90.", default=14)
CHANNELS = FieldSpec(
    "channels",
    "channels",
    "Channel labels of the deployment to include (exact spelling); default: all spend channels.",
    default_labels=SPEND_CHANNELS,
    allowed_labels=SPEND_CHANNELS,
)
UPPER_FUNNEL_DEFAULT_CHANNELS = FieldSpec(
    "channels",
    "channels",
    "Channel labels of the deployment to include (exact spelling); default: the upper-funnel channels.",
    default_labels=UPPER_FUNNEL_CHANNELS,
    allowed_labels=SPEND_CHANNELS,
)
CHANNEL_GROUPS = FieldSpec(
    "channel_groups",
    "channel_groups",
    'Channel groups, a list of {"name": ..., "channels": [upper-funnel labels]}; '
    f'default: one group "{DEFAULT_GROUP_NAME}" of every upper-funnel channel.',
    default_labels=UPPER_FUNNEL_CHANNELS,
    allowed_labels=UPPER_FUNNEL_CHANNELS,
)
INCLUDE_LOWER_FUNNEL_EFFECTS = FieldSpec(
    "include_lower_funnel_effects",
    "bool_string",
    'Whether to add the effects channels have through lower-funnel channels: the string "true" or "false".',
    default="true",
)
INCLUDE_SPIKES = FieldSpec(
    "include_spikes", "bool", "Whether the baseline includes spikes (promotions, holidays).", default=True
)
GRANULARITY = FieldSpec(
    "granularity", "granularity", "Time grain of the output: daily, weekly or monthly.", default="weekly"
)
SPEND = FieldSpec("spend", "number", "The fixed spend level at which channels are compared.", default=1.0)
PREVIOUS_START_DATE = FieldSpec("previous_start_date", "date", "First day of the earlier period (YYYY-MM-DD).")
PREVIOUS_END_DATE = FieldSpec(
    "previous_end_date", "date", "Last day of the earlier period (YYYY-MM-DD), strictly before period_start_date."
)
PERIOD_START_DATE = FieldSpec(
    "period_start_date", "date", "First day of the period compared (YYYY-MM-DD); the partition's month."
)
PERIOD_END_DATE = FieldSpec(
    "period_end_date", "date", "Last day of the period compared (YYYY-MM-DD); the partition's month."
)
TWO_PERIODS = (PREVIOUS_START_DATE, PREVIOUS_END_DATE, PERIOD_START_DATE, PERIOD_END_DATE)
