"""In a real browser (Debian's ``chromium``, headless): the demo's report and an asset's event page in
the Dagster UI show their charts (every image decoded: ``naturalWidth > 0``).

Skipped, saying so, where chromium is not installed (``apt-get install chromium``): CI images may
lack it, and the rest of the suite checks the same HTML and metadata without a browser.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import pytest
from browser import Chromium, chromium_path
from e2e_helpers import DEMO_TIMEOUT, DagsterDev, clean_env

DEADLINE = 240.0
WEBSERVER = str(Path(sys.executable).with_name("dagster-webserver"))

pytestmark = [
    pytest.mark.skipif(
        chromium_path() is None,
        reason="chromium is not installed (Debian: apt-get install chromium); "
        "the report's HTML and the metadata are checked without a browser elsewhere",
    ),
    pytest.mark.timeout(DEMO_TIMEOUT + DEADLINE + 60),
]

IMAGES = """(() => {
  const images = [...document.images];
  if (document.readyState !== 'complete' || !images.length || !images.every(i => i.complete)) return null;
  return images.map(i => i.naturalWidth);
})()"""
# The event page lists metadata; a long Markdown entry opens in a dialog from its "[Show Markdown]" link.
SHOW_CHART = """(() => {
  const shown = [...document.querySelectorAll('[role=dialog] img')];
  if (shown.length) return shown.every(i => i.complete) ? shown.map(i => i.naturalWidth) : null;
  const rows = [...document.querySelectorAll('tr')].filter(r => r.innerText.includes('%s'));
  const link = rows.flatMap(r => [...r.querySelectorAll('*')])
    .find(e => e.children.length === 0 && e.textContent.trim() === '[Show Markdown]');
  if (link) link.click();
  return null;
})()"""


@pytest.fixture
def browser(tmp_path):
    started = Chromium(tmp_path / "profile")  # a fresh profile per test
    try:
        yield started
    finally:
        started.close()


def test_the_report_renders_every_image_in_a_browser(demo_project, tmp_path, browser):
    report = tmp_path / "report-revenue.html"
    shutil.copy(demo_project.folder / "data" / "report-revenue.html", report)
    browser.navigate(report.as_uri())
    widths = browser.evaluate_until(IMAGES, 60, "the report's images to load")
    assert len(widths) >= 4 and all(width > 0 for width in widths), widths


def test_an_assets_event_page_in_the_dagster_ui_renders_its_chart(demo_project, tmp_path, browser):
    project = demo_project.copy(tmp_path / "project")
    ui = DagsterDev(
        [WEBSERVER, "-w", "workspace.yaml"], project, clean_env(DAGSTER_HOME=str(project)), tmp_path / "webserver.log"
    )
    try:
        ui.wait_ready(time.monotonic() + DEADLINE)
        base = ui.url.removesuffix("/graphql")
        for asset, chart in (
            ("compute_spend_summary", "recast/chart/spend"),
            ("compute_insights_overview", "recast/chart/effects"),
        ):
            browser.navigate(f"{base}/assets/recast/{asset}?view=events")
            widths = browser.evaluate_until(SHOW_CHART % chart, 120, f"{chart} on {asset}'s event page\n{ui.tail()}")
            assert widths and all(width > 0 for width in widths), widths
    finally:
        ui.stop()
