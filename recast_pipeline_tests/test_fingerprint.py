"""Form fingerprints and the name tag that carries them."""

from __future__ import annotations

from recast_pipeline.recast.fingerprint import (
    canonical_json,
    default_label,
    form_fingerprint,
    name_for,
    parse_tag,
    strip_tag,
    tagged_name,
)

FORM = {
    "deployment_id": 5716,
    "report_type": "compute_spend_summary",
    "start_date": "2024-01-01",
    "end_date": "2024-01-31",
}


def test_fingerprint_is_deterministic_short_hex():
    fp = form_fingerprint(FORM)
    assert fp == form_fingerprint(dict(FORM))
    assert len(fp) == 12 and int(fp, 16) >= 0


def test_key_order_does_not_matter():
    assert form_fingerprint(dict(reversed(list(FORM.items())))) == form_fingerprint(FORM)


def test_deployment_id_normalized_to_int():
    assert form_fingerprint({**FORM, "deployment_id": "5716"}) == form_fingerprint(FORM)
    assert form_fingerprint({**FORM, "deployment_id": 5716.0}) == form_fingerprint(FORM)
    assert '"deployment_id":5716' in canonical_json({**FORM, "deployment_id": " 5716 "})


def test_any_other_difference_changes_the_fingerprint():
    assert form_fingerprint({**FORM, "end_date": "2024-02-29"}) != form_fingerprint(FORM)
    assert form_fingerprint({**FORM, "deployment_id": 5717}) != form_fingerprint(FORM)
    channels = {**FORM, "channels": ["TV", "Radio"]}
    assert form_fingerprint({**FORM, "channels": ["Radio", "TV"]}) != form_fingerprint(channels)


def test_report_type_alias_kept_as_given():
    alias = {**FORM, "report_type": "compute_waterfall_summary"}
    assert '"compute_waterfall_summary"' in canonical_json(alias)
    assert form_fingerprint(alias) != form_fingerprint({**FORM, "report_type": "compute_insights_overview"})


def test_tagged_name_keeps_the_label_readable_and_parses_back():
    fp = form_fingerprint(FORM)
    name = tagged_name("spend summary 2024-01", fp)
    assert name == f"spend summary 2024-01 [rp:{fp}]"
    assert parse_tag(name) == fp
    assert strip_tag(name) == "spend summary 2024-01"


def test_retagging_a_copied_name_does_not_stack_tags():
    fp = form_fingerprint(FORM)
    name = tagged_name(tagged_name("copy", "0" * 12), fp)
    assert name == f"copy [rp:{fp}]"


def test_names_without_tag_parse_to_none():
    for name in (None, "", "Spend summary", "x [rp:short]", "[rp:0123456789ab] not at the end"):
        assert parse_tag(name) is None


def test_default_label_mentions_type_deployment_and_window():
    assert default_label(FORM) == "compute_spend_summary deployment 5716 2024-01-01..2024-01-31"
    assert name_for(FORM).startswith("compute_spend_summary deployment 5716 2024-01-01..2024-01-31 [rp:")
    anchor = {"report_type": "compute_spend_response_curves", "deployment_id": 1, "date": "2024-03-31", "num_days": 14}
    assert "2024-03-31 (14 days)" in default_label(anchor)
    assert name_for(FORM, "mine") == f"mine [rp:{form_fingerprint(FORM)}]"
    assert tagged_name("", form_fingerprint(FORM)) == f"[rp:{form_fingerprint(FORM)}]"
