"""Layout recognition: wide, long or other, from the headers and the deployment's channel labels."""

from __future__ import annotations

import pytest

from recast_pipeline.warehouse.layouts import LONG, OTHER, WIDE, Column, key, recognize

CHANNELS = ("Paid Social", "Podcasts, Audio", "Affiliate & Partners", "Share 50% Promo")


def columns(*spec: tuple[str, str]) -> list[Column]:
    return [Column(f"c{i}", header, kind) for i, (header, kind) in enumerate(spec)]


def test_keys_ignore_case_spacing_and_punctuation_but_read_percent():
    assert key("Spend ($)") == key("SPEND_($)") == key(" spend ") == "spend"
    assert key("Podcasts, Audio") == key("PODCASTS,_AUDIO") == key("podcasts-audio")
    assert key("5%") == "5pct" and key("Share 50% Promo") == "share50pctpromo"


@pytest.mark.parametrize("style", [str, str.upper, lambda h: h.lower().replace(" ", "_")])
def test_wide_is_a_period_column_and_one_column_per_channel(style):
    cols = columns(
        (style("Date"), "DATE"), *((style(c), "DOUBLE") for c in CHANNELS), (style("Total Spend ($)"), "DOUBLE")
    )
    layout = recognize(cols, CHANNELS)
    assert layout.kind == WIDE and layout.period is cols[0] and layout.metric is None
    assert [label for _, label in layout.channels] == list(CHANNELS)  # the labels, not the headers


def test_wide_with_a_metric_column_and_no_period():
    cols = columns(("Metric", "VARCHAR"), ("Paid Social", "DOUBLE"), ("Affiliate & Partners", "DOUBLE"))
    layout = recognize(cols, CHANNELS)
    assert layout.kind == WIDE and layout.metric is cols[0] and layout.period is None


@pytest.mark.parametrize("channel_header", ["Channel", "CHANNEL", "channel_name", "Spend Channel"])
def test_long_is_a_channel_column_and_measure_columns(channel_header):
    cols = columns(("Week Start", "DATE"), (channel_header, "VARCHAR"), ("SPEND_($)", "DOUBLE"), ("Share %", "DOUBLE"))
    layout = recognize(cols, CHANNELS)
    assert layout.kind == LONG and layout.channel is cols[1] and layout.period is cols[0]
    assert layout.measure("spend") is cols[2] and layout.measure("sharepct") is cols[3]


def test_without_labels_a_wide_table_is_a_period_and_numeric_columns():
    cols = columns(("Date", "DATE"), ("TV", "DOUBLE"), ("Radio", "BIGINT"), ("Total", "DOUBLE"))
    layout = recognize(cols)
    assert layout.kind == WIDE and [label for _, label in layout.channels] == ["TV", "Radio"]


@pytest.mark.parametrize(
    "spec",
    [
        (("Parameter", "VARCHAR"), ("Value", "DOUBLE")),
        (("Date", "DATE"), ("Unknown Channel", "DOUBLE")),
        (("Lower Funnel Channel", "VARCHAR"), ("Upper Funnel Channel", "VARCHAR"), ("Spend", "DOUBLE")),
    ],
)
def test_anything_else_is_other_and_says_what_was_seen(spec):
    layout = recognize(columns(*spec), CHANNELS)
    assert layout.kind == OTHER
    assert all(header in layout.note for header, _ in spec) and "Paid Social" in layout.note
