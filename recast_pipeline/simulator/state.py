"""The simulator's memory: reports, their lazily computed statuses, and model versions.

Statuses are a function of time (no background workers): a report is ``ready`` for the first fifth
of its run time, ``processing`` until the run time has passed, then ``success`` (or ``error`` where
the real API fails). Run times are deterministic per (seed, report id). All methods are thread-safe
because the HTTP thread and test code (through the server handle) share one store.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

from .config import SimulatorConfig
from .csvout import DownloadSpec
from .data import ModelData, model_data, stable_seed
from .deployments import DEPLOYMENTS, DEPLOYMENTS_BY_ID, DeploymentSpec
from .reporttypes import build_downloads, dashboard_form, fails_on, prerendered_types

FIRST_REPORT_ID = 1001
READY_FRACTION = 0.2


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


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
    started: float  # time.monotonic() at creation
    duration: float
    final_status: str  # "success" or "error"
    _downloads: list[DownloadSpec] | None = field(default=None, repr=False)

    def status_at(self, now: float) -> tuple[str, float]:
        """(status, seconds after creation when that status began)."""
        elapsed = now - self.started
        if elapsed >= self.duration:
            return self.final_status, self.duration
        ready_until = self.duration * READY_FRACTION
        return ("ready", 0.0) if elapsed < ready_until else ("processing", ready_until)


class Store:
    def __init__(self, config: SimulatorConfig):
        self.config = config
        self._lock = threading.RLock()
        self._reports: dict[int, SimReport] = {}
        self._next_id = FIRST_REPORT_ID
        self._versions = {d.id: 1 for d in DEPLOYMENTS}
        self._refreshed_at = {d.id: dt.datetime.now(dt.timezone.utc) for d in DEPLOYMENTS}
        for dep in DEPLOYMENTS:
            self._prerender(dep)

    # -- deployments -------------------------------------------------------------------------
    def deployment(self, deployment_id: int) -> DeploymentSpec | None:
        return DEPLOYMENTS_BY_ID.get(deployment_id)

    def deployment_ids(self) -> tuple[int, ...]:
        return tuple(d.id for d in DEPLOYMENTS)

    def model_version(self, deployment_id: int) -> int:
        with self._lock:
            return self._versions[deployment_id]

    def model(self, deployment_id: int, version: int | None = None) -> ModelData:
        dep = DEPLOYMENTS_BY_ID[deployment_id]
        version = self.model_version(deployment_id) if version is None else version
        return model_data(dep, self.config.seed, version, self.config.data_end)

    def deployment_json(self, dep: DeploymentSpec) -> dict[str, Any]:
        with self._lock:
            version, refreshed = self._versions[dep.id], self._refreshed_at[dep.id]
        return {
            "id": dep.id,
            "name": dep.name,
            "model_version": version,
            "model_refreshed_at": iso(refreshed),
            "spend_channels_labels": list(dep.channels),
            "upper_funnel_channel_labels": list(dep.upper_funnel),
            "lower_funnel_channel_labels": list(dep.lower_funnel),
        }

    def refresh_model(self, deployment_id: int) -> dict[str, Any]:
        """A model refresh: new version, new numbers, fresh pre-rendered reports."""
        dep = DEPLOYMENTS_BY_ID[deployment_id]
        with self._lock:
            self._versions[dep.id] += 1
            self._refreshed_at[dep.id] = dt.datetime.now(dt.timezone.utc)
            ids = self._prerender(dep)
            return {"deployment_id": dep.id, "model_version": self._versions[dep.id], "prerendered_report_ids": ids}

    # -- reports -------------------------------------------------------------------------------
    def _duration(self, report_id: int) -> float:
        u = random.Random(stable_seed(self.config.seed, "latency", report_id)).uniform(-1.0, 1.0)
        return max(0.0, self.config.latency + self.config.jitter * u)

    def create(self, form: dict[str, Any], name: str | None, prerendered: bool = False) -> SimReport:
        report_type = str(form["report_type"])
        deployment_id = int(form["deployment_id"])
        dep = DEPLOYMENTS_BY_ID[deployment_id]
        with self._lock:
            report_id = self._next_id
            self._next_id += 1
            report = SimReport(
                id=report_id,
                name=name if name is not None else report_type,
                report_type=report_type,
                form=dict(form),
                deployment_id=deployment_id,
                model_version=self._versions[deployment_id],
                prerendered=prerendered,
                created_at=dt.datetime.now(dt.timezone.utc),
                started=time.monotonic(),
                duration=0.0 if prerendered else self._duration(report_id),
                final_status="error" if fails_on(report_type, dep) else "success",
            )
            self._reports[report_id] = report
            return report

    def _prerender(self, dep: DeploymentSpec) -> list[int]:
        md = self.model(dep.id)
        ids = []
        for report_type in prerendered_types(dep):
            form = dashboard_form(report_type, md)
            ids.append(self.create(form, f"Dashboard: {report_type}", prerendered=True).id)
        return ids

    def get(self, report_id: int) -> SimReport | None:
        with self._lock:
            return self._reports.get(report_id)

    def listing(self, report_type: str | None, include_prerendered: bool) -> list[SimReport]:
        """Newest first, like the real list."""
        with self._lock:
            reports = list(self._reports.values())
        reports = [r for r in reports if include_prerendered or not r.prerendered]
        if report_type is not None:
            reports = [r for r in reports if r.report_type == report_type]
        return sorted(reports, key=lambda r: r.id, reverse=True)

    def downloads(self, report: SimReport) -> list[DownloadSpec]:
        """The report's downloads, built once (tables themselves are made on each download)."""
        with self._lock:
            if report._downloads is None:
                md = self.model(report.deployment_id, report.model_version)
                report._downloads = build_downloads(report.report_type, md, report.form, self.config)
            return report._downloads

    def report_json(self, report: SimReport, status: str, updated_after: float, full: bool,
                    extra_downloads: Sequence[DownloadSpec] = ()) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": report.id,
            "name": report.name,
            "report_type": report.report_type,
            "status": status,
            "prerendered": report.prerendered,
        }
        if full:
            data["form"] = report.form
        data["created_at"] = iso(report.created_at)
        data["updated_at"] = iso(report.created_at + dt.timedelta(seconds=updated_after))
        if full and status == "success":
            downloads = [*self.downloads(report), *extra_downloads]
            data["results"] = {"downloads": [{"key": d.key, "description": d.description} for d in downloads]}
        return data
