from recast_pipeline.orchestration.run_config import form_overrides, inputs_class, run_config_class
from recast_pipeline.recast.catalog import REPORT_TYPES


def test_each_type_exposes_its_inputs_with_catalog_defaults():
    fixed = inputs_class(REPORT_TYPES["compute_fixed_spend_performance"])()
    assert fixed.spend == 1.0
    assert fixed.include_lower_funnel_effects is True
    assert fixed.channels is None  # the deployment's channels, resolved at run time
    assert fixed.force_new_report is False and fixed.from_report_id is None
    assert inputs_class(REPORT_TYPES["compute_share_of_spend_vs_effect"])().granularity == "weekly"
    assert inputs_class(REPORT_TYPES["compute_spend_response_curves"])().num_days == 14
    assert inputs_class(REPORT_TYPES["compute_baseline_summary"])().include_spikes is True
    # dates come from the partition, never from config
    assert "start_date" not in inputs_class(REPORT_TYPES["compute_spend_summary"]).model_fields


def test_only_what_the_user_set_overrides_the_form():
    cls = inputs_class(REPORT_TYPES["compute_grouped_channel_summaries"])
    inputs = cls(channel_groups=[{"name": "Social", "channels": ["Paid Social"]}], include_lower_funnel_effects=False)
    assert form_overrides(inputs) == {
        "channel_groups": [{"name": "Social", "channels": ["Paid Social"]}],
        "include_lower_funnel_effects": False,
    }
    assert form_overrides(cls()) == {}


def test_run_config_has_one_section_per_report_type():
    types = [REPORT_TYPES["compute_spend_summary"], REPORT_TYPES["compute_upper_funnel_details"]]
    config = run_config_class("TestConfig", types)()
    assert config.force_new_report is False
    assert config.compute_upper_funnel_details.channels is None
    assert set(type(config).model_fields) == {
        "force_new_report",
        "compute_spend_summary",
        "compute_upper_funnel_details",
    }
