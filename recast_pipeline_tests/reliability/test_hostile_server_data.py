"""Group 10: download keys and CSV headers written by an attacker (or a careless server)."""

from __future__ import annotations

from .helpers import UNCERTAINTY, Pipeline, failure_text

MONTH = "2026-09-01"
SCHEMA = "compute_channel_uncertainty_drivers"
# What the simulator's hostile_keys fault serves (written out here: a test owns its expectations).
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
    "\uff54\uff41\uff42\uff4c\uff45\uff53\uff0d\uff44\uff41\uff49\uff4c\uff59",
    "t\u0430bles-daily",
)
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


def _tree(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_hostile_keys_and_headers_stay_inside_the_data_folder_and_load_as_quoted_tables(sim, tmp_path):
    sandbox = tmp_path / "sandbox"
    data_dir = sandbox / "deep" / "data"
    data_dir.mkdir(parents=True)
    sim.set_faults(hostile_keys=True)
    pipeline = Pipeline(sim, data_dir)
    outside_before = _tree(tmp_path)

    result = pipeline.run(UNCERTAINTY, month=MONTH)

    assert result.success, failure_text(result)
    # nothing escaped: every new path is under the data folder, every file resolves inside it
    new_outside = [p for p in _tree(tmp_path) if p not in outside_before and not p.startswith("sandbox/deep/data")]
    assert new_outside == []
    assert all(p.resolve().is_relative_to(data_dir.resolve()) for p in data_dir.rglob("*"))
    assert not (tmp_path / "etc").exists() and not (sandbox / "etc").exists()

    # the injected SQL did not run: the meta table it names is still there, with this load in it
    assert pipeline.rows("SELECT count(*) FROM recast_meta.reports") == [(1,)]
    loaded = dict(
        pipeline.rows("SELECT download_key, table_name FROM recast_meta.downloads WHERE report_type = ?", [SCHEMA])
    )
    assert set(HOSTILE_KEYS) <= set(loaded)  # each key kept verbatim as data
    tables = [loaded[key] for key in HOSTILE_KEYS]
    assert len(set(tables)) == len(tables)  # lookalikes and keys that normalize alike never share a table
    for key, table in zip(HOSTILE_KEYS, tables):
        assert all(c.isascii() and (c.isalnum() or c == "_") for c in table) and 0 < len(table) <= 128, table
        rows = pipeline.rows(f'SELECT download_key, channel, "select" FROM "{SCHEMA}"."{table}" ORDER BY channel')
        assert rows == [(key, "Linear TV", "t"), (key, "Paid Social", "s")]

    table = loaded[HOSTILE_KEYS[0]]
    columns = dict(
        pipeline.rows(
            "SELECT column_name, original_header FROM recast_meta.columns WHERE schema_name = ? AND table_name = ?",
            [SCHEMA, table],
        )
    )
    data_columns = {c: h for c, h in columns.items() if h is not None}
    assert sorted(data_columns.values()) == sorted(HOSTILE_HEADERS)  # every header kept, none overwritten
    assert {
        "channel",
        "channel_2",
        "channel_3",
        "spend",
        "spend_pct",
        "spend_pct_2",
        "select",
        "deployment_id_2",
        "loaded_at_2",
        "c_1st",
    } <= set(data_columns)
    lineage = pipeline.rows(f'SELECT DISTINCT deployment_id, partition_key FROM "{SCHEMA}"."{table}"')
    assert lineage == [(5716, MONTH)]  # the "Deployment ID" and "loaded_at" headers did not shadow lineage
    checks = {
        e.event_specific_data.check_name: e.event_specific_data.passed
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }
    assert checks["downloads_loaded"] is True

    again = pipeline.run(UNCERTAINTY, month=MONTH, config={"force_new_report": True})
    assert again.success, failure_text(again)
    reloaded = dict(pipeline.rows("SELECT download_key, table_name FROM recast_meta.downloads"))
    assert reloaded == loaded  # the same text always gives the same table: a re-load replaces, never forks
    for key in HOSTILE_KEYS:
        assert pipeline.rows(f'SELECT count(*) FROM "{SCHEMA}"."{loaded[key]}"') == [(2,)]
