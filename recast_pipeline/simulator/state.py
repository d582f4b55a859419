"""The simulator's memory: reports, their lazily computed statuses, and model refreshes.

Statuses are a function of time (no background workers): a report is ``ready`` for the first fifth
of its run time, ``processing`` until the run time has passed, then ``success`` (or ``error`` where
the real API fails). Run times are deterministic per (seed, report id). A pre-rendered report re-run
in place starts a new run (running again for the report latency, then ``success``). What a report's
``updated_at`` shows is a reading (``report_timestamps``, ``shown_updated_at``). All methods are
thread-safe because the HTTP thread and test code (through the server handle) share one store.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .config import SimulatorConfig
from .csvout import DownloadSpec
from .data import ModelData, model_data, stable_seed
from .deployments import DeploymentSpec
from .history import history_rows
from .readings import Readings
from .registry import TICK, DeploymentRecord, Registry, later
from .reporttypes import build_downloads, dashboard_form, fails_on, prerendered_types

FIRST_REPORT_ID = 1001
READY_FRACTION = 0.2


@dataclass
class SimReport:
    id: int
    name: str
    report_type: str
    form: dict[str, Any]
    deployment_id: int
    model_version: int
    prerendered: bool
    created_at: dt.datetime
    started: float  # time.monotonic() when the current run began
    duration: float
    final_status: str  # "success" or "error"
    show_in_ui: bool = True
    queued: float = 0.0  # seconds it waited for a free slot (``capacity``) before it started computing
    run_at: dt.datetime | None = None  # wall time the current run began (created_at until a re-run)
    shown_at: dt.datetime | None = None  # the last updated_at shown under report_timestamps=per_poll
    _downloads: list[DownloadSpec] | None = field(default=None, repr=False)

    def status_at(self, now: float) -> tuple[str, float]:
        """(status, seconds after the run began when that status began)."""
        elapsed = now - self.started
        if elapsed >= self.duration:
            return self.final_status, self.duration
        ready_until = self.duration * READY_FRACTION
        return ("ready", 0.0) if elapsed < ready_until else ("processing", ready_until)

    def updated_at(self, now: float) -> dt.datetime:
        """When the status last changed (or the report last re-ran): ``report_timestamps=on_finish``."""
        status, began = self.status_at(now)
        queued = self.queued if status != "ready" else 0.0  # leaving the queue is not a status change
        return (self.run_at or self.created_at) + dt.timedelta(seconds=queued + began)


def _millis(moment: dt.datetime) -> dt.datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


class Store:
    def __init__(self, config: SimulatorConfig, readings: Readings | None = None):
        self.config = config
        self.readings = readings or Readings()  # the server replaces it as a whole when a knob changes
        self.registry = Registry(config, self.readings.dashboards)
        self._lock = threading.RLock()
        self._reports: dict[int, SimReport] = {}
        self._next_id = FIRST_REPORT_ID
        self._prerendered: dict[str, list[int]] = {}  # dashboard -> its current pre-rendered report ids
        self._seed_history(config.history_reports)
        for record in self.registry.active():
            self._prerendered[record.dashboard] = self._prerender(record)

    def set_readings(self, readings: Readings) -> None:
        """Play other readings from now on; a larger ``dashboards`` adds dashboards (with their
        pre-rendered reports), a smaller one is refused (a client's dashboards do not vanish)."""
        if readings.dashboards < self.readings.dashboards:
            raise ValueError(f"reading dashboards can only grow while serving ({self.readings.dashboards} now)")
        with self._lock:
            for record in self.registry.grow(readings.dashboards):
                self._prerendered[record.dashboard] = self._prerender(record)
            self.readings = readings

    # -- deployments -------------------------------------------------------------------------
    def deployment(self, deployment_id: int) -> DeploymentSpec | None:
        record = self.registry.get(deployment_id)
        return record.spec if record else None

    def deployment_ids(self) -> tuple[int, ...]:
        """The active deployments' ids."""
        return tuple(r.id for r in self.registry.active())

    def model_version(self, deployment_id: int) -> int:
        record = self.registry.get(deployment_id)
        assert record is not None  # a known deployment: ids come from the registry or a validated form
        return record.version

    def model(self, deployment_id: int, version: int | None = None) -> ModelData:
        record = self.registry.get(deployment_id)
        assert record is not None  # a known deployment: ids come from the registry or a validated form
        version = record.version if version is None else version
        return model_data(record.spec, self.config.seed, version, record.end_date)

    def refresh_model(self, dashboard_or_deployment_id: int | str) -> dict[str, Any]:
        """A model refresh of one dashboard, played the way the readings say; ValueError for an unknown one."""
        dashboard = self.registry.dashboard_of(dashboard_or_deployment_id)
        readings = self.readings
        with self._lock:
            before, now_active = self.registry.refresh(dashboard, readings.refresh)
            if readings.prerendered_rerun == "in_place" and self._prerendered.get(dashboard):
                ids = self._rerun(self._prerendered[dashboard], now_active)
            else:
                ids = self._prerender(now_active)
            self._prerendered[dashboard] = ids
        return {
            "dashboard_slug": dashboard,
            "deployment_id": now_active.id,
            "previous_deployment_id": before.id,
            "model_date": now_active.model_date.isoformat(),
            "model_version": now_active.version,
            "prerendered_report_ids": ids,
        }

    def refresh_all(self) -> list[dict[str, Any]]:
        return [self.refresh_model(dashboard) for dashboard in self.registry.dashboards()]

    # -- reports -------------------------------------------------------------------------------
    def _duration(self, report_id: int) -> float:
        u = random.Random(stable_seed(self.config.seed, "latency", report_id)).uniform(-1.0, 1.0)
        return max(0.0, self.config.latency + self.config.jitter * u)

    def create(
        self, form: dict[str, Any], name: str | None, prerendered: bool = False, show_in_ui: bool = True
    ) -> SimReport:
        report_type = str(form["report_type"])
        record = self.registry.get(int(form["deployment_id"]))
        assert record is not None  # the form was validated against the registry
        with self._lock:
            report_id, now = self._next_id, time.monotonic()
            self._next_id += 1
            report = SimReport(
                id=report_id,
                name=name if name is not None else report_type,
                report_type=report_type,
                form=dict(form),
                deployment_id=record.id,
                model_version=record.version,
                prerendered=prerendered,
                created_at=later(None),
                started=now if prerendered else self._start_slot(now),
                duration=0.0 if prerendered else self._duration(report_id),
                final_status="error" if fails_on(report_type, record.spec) else "success",
                show_in_ui=show_in_ui,
            )
            report.queued = report.started - now
            self._reports[report_id] = report
            return report

    def _unfinished_ends(self, now: float) -> list[float]:
        return sorted(r.started + r.duration for r in self._reports.values() if r.started + r.duration > now)

    def _start_slot(self, now: float) -> float:
        """When a new report starts computing: now, or (``capacity``) when enough earlier ones ended."""
        capacity = self.config.capacity
        ends = self._unfinished_ends(now) if capacity else []
        return now if not capacity or len(ends) < capacity else ends[len(ends) - capacity]

    def saturated(self) -> bool:
        """Whether ``queue_limit`` reports are computing or queued (a create is refused with 429)."""
        limit = self.config.queue_limit
        with self._lock:
            return limit is not None and len(self._unfinished_ends(time.monotonic())) >= limit

    def _seed_history(self, count: int) -> None:
        """Old finished reports (``history_reports``), older and lower-numbered than anything made later."""
        records = self.registry.active()
        models = {r.id: self.model(r.id) for r in records}
        for fields in history_rows(records, models, count):
            report = SimReport(
                id=self._next_id, started=time.monotonic() - 1.0, duration=0.0, final_status="success", **fields
            )
            self._reports[report.id] = report
            self._next_id += 1

    def _prerender(self, record: DeploymentRecord) -> list[int]:
        md = self.model(record.id)
        return [
            self.create(dashboard_form(t, md), f"Dashboard: {t}", prerendered=True).id
            for t in prerendered_types(record.spec)
        ]

    def _rerun(self, report_ids: list[int], record: DeploymentRecord) -> list[int]:
        """Re-run pre-rendered reports in place on the now-active deployment: same ids, new run."""
        md, now = self.model(record.id), time.monotonic()
        for report_id in report_ids:
            report = self._reports[report_id]
            report.run_at = later(report.updated_at(now))
            report.form = dashboard_form(report.report_type, md)
            report.deployment_id, report.model_version = record.id, record.version
            report.started, report.duration, report._downloads = now, self._duration(report_id), None
            report.final_status = "error" if fails_on(report.report_type, record.spec) else "success"
        return list(report_ids)

    def shown_updated_at(self, report: SimReport, now: float) -> dt.datetime:
        """The ``updated_at`` an answer shows: when the status last changed (``on_finish``), always
        ``created_at`` (``static``), or a new moment on every answer, later than the last (``per_poll``)."""
        reading = self.readings.report_timestamps
        if reading == "static":
            return report.created_at
        if reading == "per_poll":
            with self._lock:  # whole milliseconds, as shown: each answer's stamp is visibly later
                previous, stamp = _millis(report.shown_at or report.created_at), _millis(later(None))
                report.shown_at = stamp if stamp > previous else previous + TICK
                return report.shown_at
        return report.updated_at(now)

    def get(self, report_id: int) -> SimReport | None:
        with self._lock:
            return self._reports.get(report_id)

    def listing(self, report_type: str | None, include_prerendered: bool) -> list[SimReport]:
        """Newest first (by id), as observed on the real list; ``unlisted_reports=hidden`` drops reports
        created with ``show_in_ui`` false or missing."""
        hide_unlisted = self.readings.unlisted_reports == "hidden"
        with self._lock:
            reports = list(self._reports.values())
        reports = [
            r
            for r in reports
            if (include_prerendered or not r.prerendered) and (r.prerendered or r.show_in_ui or not hide_unlisted)
        ]
        if report_type is not None:
            reports = [r for r in reports if r.report_type == report_type]
        return sorted(reports, key=lambda r: r.id, reverse=True)

    def finish_running(self) -> dict[int, float]:
        """End every report still computing or queued now (ids -> when), whatever its latency: how a
        test holds reports (a long ``latency``) and releases them, instead of racing a clock."""
        with self._lock:
            now = time.monotonic()
            ended = {}
            for report in self._reports.values():
                if report.started + report.duration > now:
                    report.started = min(report.started, now)
                    report.duration = now - report.started
                    ended[report.id] = now
            return ended

    def made(self, report_type: str | None = None) -> list[SimReport]:
        """Every report the server holds that a client created (listed or not), newest first: for tests."""
        with self._lock:
            reports = [r for r in self._reports.values() if not r.prerendered]
        return sorted((r for r in reports if report_type in (None, r.report_type)), key=lambda r: r.id, reverse=True)

    def downloads(self, report: SimReport) -> list[DownloadSpec]:
        """The report's downloads, built once per run (tables themselves are made on each download)."""
        with self._lock:
            if report._downloads is None:
                md = self.model(report.deployment_id, report.model_version)
                report._downloads = build_downloads(report.report_type, md, report.form, self.config)
            return report._downloads
