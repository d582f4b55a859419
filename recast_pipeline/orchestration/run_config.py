"""Run-config classes built from the catalog: each report type's inputs with their defaults.

The launchpad shows one section per report type, so a user sets, say, the channels of
``compute_upper_funnel_details`` without touching the others. Dates never appear here: they come
from the partition. ``None`` means "the catalog default for the deployment" (e.g. all its channels).
"""

from typing import Any, List, Optional

import dagster as dg
from pydantic import Field, create_model

from recast_pipeline.recast.catalog import ReportType


class ChannelGroup(dg.Config):
    name: str = Field(description="Group name, shown in the group_summaries table")
    channels: List[str] = Field(description="Upper-funnel channel labels of the deployment")


class ReportInputs(dg.Config):
    """Inputs every report type accepts."""

    from_report_id: Optional[int] = Field(
        default=None,
        description="Start from this existing report's form (the vendor's workflow); partition dates replace its dates",
    )
    force_new_report: bool = Field(
        default=False, description="Create a new Recast report even when an identical fresh one exists"
    )


# catalog field kind -> (python type, default, description)
_FIELD_TYPES: dict[str, tuple[Any, Any, str]] = {
    "channels": (Optional[List[str]], None, "Channel labels; default: the deployment's channels"),
    "channel_groups": (
        Optional[List[ChannelGroup]],
        None,
        "Channel groups; default: one group of all upper-funnel channels",
    ),
    "granularity": (str, "weekly", "daily, weekly or monthly"),
    "int_range": (int, 14, "Days before the anchor date (1 to 90)"),
    "number": (float, 1.0, "Spend level"),
    "bool": (bool, True, ""),
    "bool_string": (bool, True, "Sent to Recast as the string 'true' or 'false'"),
}


def inputs_class(report_type: ReportType) -> type[ReportInputs]:
    """A Config class holding one report type's user-settable inputs."""
    fields: dict[str, Any] = {}
    for spec in report_type.fields:
        if spec.kind not in _FIELD_TYPES:
            continue  # dates: taken from the partition
        python_type, default, description = _FIELD_TYPES[spec.kind]
        if spec.default is not None and spec.kind not in ("channels", "channel_groups"):
            default = spec.default == "true" if spec.kind == "bool_string" else spec.default
        fields[spec.name] = (python_type, Field(default=default, description=spec.description or description))
    class_name = "".join(part.title() for part in report_type.name.split("_")) + "Inputs"
    return create_model(class_name, __base__=ReportInputs, __doc__=report_type.description, **fields)


def run_config_class(name: str, report_types: List[ReportType]) -> type[dg.Config]:
    """The op config of a multi-asset: a section per report type plus a run-wide force flag."""
    fields: dict[str, Any] = {
        "force_new_report": (
            bool,
            Field(default=False, description="Create new Recast reports for every selected asset"),
        )
    }
    for report_type in report_types:
        cls = inputs_class(report_type)
        fields[report_type.name] = (cls, Field(default_factory=cls, description=report_type.description))
    return create_model(name, __base__=dg.Config, **fields)


def form_overrides(inputs: ReportInputs) -> dict[str, Any]:
    """The inputs the user set, as form fields; the rest come from the catalog or the source report."""
    values = inputs.model_dump(exclude_unset=True, exclude={"from_report_id", "force_new_report"})
    return {name: value for name, value in values.items() if value is not None}
