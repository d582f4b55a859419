"""``recast-pipeline report``: the demo's reports (one per dashboard) are valid, self-contained HTML with
every section; the command reads a local file or a DuckLake and refuses what it cannot report on."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import dagster as dg
import pytest
from chart_helpers import DATA_URI, assert_sensible_png, pngs_in
from e2e_helpers import DEMO_TIMEOUT

from recast_pipeline.charts.html_report import SECTIONS, write_report
from recast_pipeline.cli.main import main
from recast_pipeline.orchestration.code_location import build_definitions
from recast_pipeline.orchestration.partitions import Partitioning
from recast_pipeline.orchestration.resources import RecastResource, RecastWarehouse
from recast_pipeline.warehouse.warehouse import Warehouse
from recast_pipeline_tests.dagster_helpers import MONTHLY_JOB, run_job

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
EXTERNAL = re.compile(r"(?:https?:|ftp:|//)[^\s\"'<>]*", re.I)


class Checked(HTMLParser):
    """Well-formed HTML: one doctype, every element closed in order; collects ids, attributes, images."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.ids, self.urls, self.tags, self.doctypes, self.errors = [], set(), [], [], 0, []

    def handle_decl(self, decl):
        self.doctypes += decl.lower() == "doctype html"

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.add(attributes["id"])
        self.urls += [value for name, value in attrs if name in ("src", "href", "action", "srcset", "poster") and value]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def assert_self_contained_report(page: str, dashboard: str) -> Checked:
    checked = Checked()
    checked.feed(page)
    checked.close()
    assert checked.doctypes == 1 and not checked.errors and not checked.stack, (checked.errors, checked.stack)
    assert checked.tags[:3] == ["html", "head", "meta"] and checked.tags.count("body") == 1
    assert set(SECTIONS) <= checked.ids
    assert {"script", "link", "iframe", "object"}.isdisjoint(checked.tags)
    assert EXTERNAL.findall(DATA_URI.sub("", page)) == []  # no http(s), protocol-relative or other URL anywhere
    assert all(url.startswith(("data:image/png;base64,", "#")) for url in checked.urls), checked.urls
    assert f"Recast report: {dashboard}" in page
    return checked


@pytest.mark.timeout(DEMO_TIMEOUT + 120)
def test_the_demo_writes_a_self_contained_report_per_dashboard_with_every_section(demo_project):
    for dashboard in ("revenue", "signups"):
        path = demo_project.folder / "data" / f"report-{dashboard}.html"
        assert f"Report for {dashboard}: {path.resolve()}" in demo_project.stdout
        page = path.read_text(encoding="utf-8")
        assert_self_contained_report(page, dashboard)
        images = pngs_in(page)
        assert len(images) >= 4  # spend, ROI per month, model fit, baseline (no refit in the demo)
        for png in images:
            assert_sensible_png(png)
        assert "No refit yet" in page and "compute_spend_summary" in page  # the refit note, the loads table


def test_the_command_writes_the_report_and_refuses_what_it_cannot_report_on(demo_project, tmp_path, capsys):
    warehouse = str(demo_project.folder / "data" / "warehouse.duckdb")
    out = tmp_path / "out" / "revenue.html"
    assert main(["report", "--dashboard", "revenue", "--months", "1", "--out", str(out), "--warehouse", warehouse]) == 0
    assert f"Report for revenue: {out.resolve()}" in capsys.readouterr().out
    page = out.read_text(encoding="utf-8")
    assert_self_contained_report(page, "revenue")
    assert (
        len(re.findall(r"<tr><td>\d{4}-\d{2}</td>", page.split('id="spend"')[1].split("</section>")[0])) == 1
    )  # --months 1
    assert main(["report", "--dashboard", "nowhere", "--out", str(out), "--warehouse", warehouse]) == 2
    assert "dashboard 'nowhere' has nothing loaded; the warehouse knows revenue, signups" in capsys.readouterr().err
    assert main(["report", "--dashboard", "revenue", "--warehouse", str(tmp_path / "none.duckdb")]) == 2
    assert "no warehouse at" in capsys.readouterr().err


def test_a_ducklake_warehouse_gets_its_charts_and_its_report(simulator_factory, tmp_path):
    sim = simulator_factory(latency=0.05)
    lake = f"ducklake:{tmp_path / 'recast.ducklake'}"
    recast = RecastResource(
        base_url=sim.base_url,
        client_slug=sim.client_slug,
        token=sim.token,
        poll_interval=0.2,
        ledger_path=str(tmp_path / "ledger.sqlite"),
    )
    store = RecastWarehouse(
        data_dir=str(tmp_path / "data"), warehouse_path=lake, ducklake_data_path=str(tmp_path / "lake-data")
    )
    defs = build_definitions(Partitioning(date(2024, 1, 1)), recast, store)
    instance = dg.DagsterInstance.ephemeral()
    selection = [dg.AssetKey(["recast", t]) for t in ("compute_spend_summary", "compute_insights_overview")]
    assert run_job(
        defs, MONTHLY_JOB, instance=instance, partition_key="revenue|2026-09-01", asset_selection=selection
    ).success
    [record] = instance.fetch_materializations(selection[1], limit=1).records
    [png] = pngs_in(record.asset_materialization.metadata["recast/chart/effects"].value)
    assert_sensible_png(png)
    out = write_report(Warehouse(lake), "revenue", tmp_path / "report.html")
    page = out.read_text(encoding="utf-8")
    assert_self_contained_report(page, "revenue")
    assert len(pngs_in(page)) == 2 and "no compute_in_sample_model_fit loaded" in page  # spend and ROI drawn; fit noted
