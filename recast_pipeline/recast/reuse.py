"""Find an existing report that can stand in for a new one.

Why: a report costs Recast minutes of compute and the user a wait. Before creating one we look for
an identical report that is still computing (a crashed or retried run resumes it) or that
succeeded on the model version the new form is for. Errored reports are never reused.

Lookup order: reports made earlier in this batch; the create ledger (no list at all); then the
report list, by our fingerprint tag in the name, or, for reports whose name carries no tag (made
in the UI, pre-rendered, or a name truncated or left out), by the same canonical form.

"Same model version": the report's form names the deployment the new form names (forms are
built for the dashboard's active deployment), and it was computed at or after that deployment's
latest refresh (``Deployment.refreshed_at``: ``updated_at``, else ``model_date``). Nothing older
can be reused, so the list is read newest-first only down to that cutoff, once it has been seen to
really be newest-first (otherwise it is read to the end). For types with no inputs, whose
pre-rendered reports may be re-run in place far down the list, the rest of the list is read only
when nothing above the cutoff matched.

A deployment that does not say when it was refreshed (some accounts show only ``id`` and ``name``)
has no cutoff: then the list is read only down to the reuse horizon (``reuse_horizon_days`` before
now, ``RECAST_REUSE_HORIZON_DAYS``) and only reports made since count, so what a lookup costs never
grows with the account's history; the create ledger still finds every report we made, however old.

When a report was computed (``computed_at``): its ``created_at``; a pre-rendered report re-run in
place counts from its ``updated_at``, where that can be trusted. The vendor does not say what
``updated_at`` means. Where it never moves (equals ``created_at``), a re-run in place is not seen:
the report counts from its create, so a new report is made rather than a stale one reused. Where
it moves on every read, it says nothing: a list row and the detail read after it that show the same
status but different ``updated_at`` give that away, and the report counts from its create too.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Iterator, Mapping, Protocol

from recast_pipeline.recast.api_types import RUNNING_STATUSES, Deployment, Report, parse_timestamp
from recast_pipeline.recast.catalog import resolve
from recast_pipeline.recast.errors import LostCreateError, NotFoundError
from recast_pipeline.recast.fingerprint import canonical_form, form_fingerprint, parse_tag
from recast_pipeline.recast.ledger import CreateLedger

USABLE_STATUSES = RUNNING_STATUSES | {"success"}


class ReportSource(Protocol):
    """What reuse needs from a client (``RecastClient`` is one); keeps this module free of it."""

    client_slug: str
    ledger: CreateLedger | None
    reuse_horizon_days: float

    def iter_reports(self, report_type: str | None = None, include_prerendered: bool = False) -> Iterable[Report]: ...

    def get_report(self, report_id: int) -> Report: ...

    def get_deployment(self, deployment_id: int) -> Deployment: ...


def computed_at(report: Report, earlier: Report | None = None) -> datetime | None:
    """When the report's numbers were made: ``created_at``, or for a pre-rendered report (re-run in
    place) its ``updated_at`` unless ``earlier``, a read before this one, shows the same status with
    another ``updated_at`` (a timestamp that moves on every read tells nothing)."""
    created = parse_timestamp(report.created_at)
    updated = parse_timestamp(report.updated_at) if report.prerendered else None
    if earlier is not None and earlier.status == report.status and earlier.updated_at != report.updated_at:
        updated = None
    return max((t for t in (created, updated) if t is not None), default=None)


def is_fresh(report: Report, cutoff: datetime | None, earlier: Report | None = None) -> bool:
    if cutoff is None:
        return True
    made = computed_at(report, earlier)
    return made is not None and made >= cutoff


class _Listing:
    """One report type's rows, read lazily newest-first and kept for the whole batch."""

    def __init__(self, rows: Iterable[Report], deep: bool = False) -> None:
        self._rows: Iterator[Report] = iter(rows)
        self.rows: list[Report] = []
        self._done = False
        self._ordered = True
        self.deep = deep  # re-runs in place may hide below the cutoff: read on when nothing matched

    def until(self, cutoff: datetime | None) -> list[Report]:
        """Rows down to the first one created before ``cutoff`` (all of them when it cannot be relied on)."""
        while not self._done and not (cutoff is not None and self._ordered and self._past(cutoff)):
            row = next(self._rows, None)
            if row is None:
                self._done = True
            else:
                self._ordered = self._ordered and _descending(self.rows[-1] if self.rows else None, row)
                self.rows.append(row)
        return self.rows

    def _past(self, cutoff: datetime) -> bool:
        created = parse_timestamp(self.rows[-1].created_at) if len(self.rows) >= 2 else None
        return created is not None and created < cutoff


def _descending(previous: Report | None, row: Report) -> bool:
    created = parse_timestamp(row.created_at)
    if created is None:
        return False
    if previous is None:
        return True
    before = parse_timestamp(previous.created_at)
    return before is not None and (created, row.id) < (before, previous.id)


class ReportIndex:
    """Reuse candidates for a whole batch: each report type listed at most once, newest-first.

    Build one per batch (``ReportIndex(client, deployments=[...])``: pass the deployments you
    already hold, with their version, to save a GET each), call ``find(form)`` per request and
    ``remember(form, id)`` after creating a report so identical requests later share it.
    ``now``: the wall clock the reuse horizon is counted back from (read once, when built).
    """

    def __init__(
        self, source: ReportSource, deployments: Iterable[Deployment] = (), now: Callable[[], datetime] | None = None
    ) -> None:
        self._source = source
        self._since = (now or _utc_now)() - timedelta(days=float(source.reuse_horizon_days))
        self._deployments: dict[int, Deployment | None] = {}
        self._listings: dict[str | None, _Listing] = {}
        self._details: dict[int, Report] = {}
        self._created: dict[str, int] = {}
        for deployment in deployments:
            self.add_deployment(deployment)

    def add_deployment(self, deployment: Deployment) -> None:
        self._deployments[deployment.id] = deployment

    def cutoff(self, deployment_id: Any) -> datetime | None:
        """When the deployment's latest model version appeared (None: unknown, nothing is cut)."""
        if not isinstance(deployment_id, int):
            return None
        if deployment_id not in self._deployments:
            try:
                self._deployments[deployment_id] = self._source.get_deployment(deployment_id)
            except NotFoundError:
                self._deployments[deployment_id] = None
        deployment = self._deployments[deployment_id]
        return deployment.refreshed_at if deployment is not None else None

    def remember(self, form: Mapping[str, Any], report_id: int) -> None:
        """Record a report created in this batch so identical requests reuse it."""
        self._created[form_fingerprint(form)] = int(report_id)

    def find(self, form: Mapping[str, Any]) -> Report | None:
        """A usable identical report (fresh detail), or None. Raises ``LostCreateError`` for a
        ledger intent whose create got no answer and whose report cannot be found."""
        fingerprint = form_fingerprint(form)
        deployment_id = canonical_form(form).get("deployment_id")
        if fingerprint in self._created:
            report = self._get(self._created[fingerprint], refresh=True)
            if report is not None and report.status in USABLE_STATUSES:
                return report
        cutoff = self.cutoff(deployment_id)
        ledger = self._source.ledger
        entry = ledger.lookup(self._source.client_slug, fingerprint) if ledger is not None else None
        if entry is not None and entry.pending:
            found = self.find_lost(form, entry.intent_at)
            if found is None:
                raise LostCreateError(fingerprint, form.get("report_type"), "an earlier run sent it and got no answer")
            assert ledger is not None  # the entry came from it
            ledger.record(self._source.client_slug, fingerprint, found)
            return self._get(found, refresh=True)
        if entry is not None:
            assert entry.report_id is not None  # not pending
            report = self._get(entry.report_id, refresh=True)
            # the id must still name this form (a ledger may outlive the server it recorded, e.g. a simulator)
            same_form = report is not None and (not report.form or form_fingerprint(report.form) == fingerprint)
            if same_form and report is not None and self._usable(report, deployment_id, cutoff):
                return report
        return self._from_list(form, fingerprint, deployment_id, cutoff)

    def find_lost(self, form: Mapping[str, Any], since: datetime) -> int | None:
        """The newest report a lost create of ``form`` may have made: ours, running or created since ``since``."""
        fingerprint = form_fingerprint(form)
        listing = _Listing(self._source.iter_reports(report_type=form.get("report_type")))
        rows = [r for r in listing.until(since) if r.status != "error"]
        recent = [r for r in rows if r.running or (parse_timestamp(r.created_at) or since) >= since]
        for row in sorted(recent, key=_newest_first):
            if self._matches(row, fingerprint):
                return row.id
        return None

    # -- internals ------------------------------------------------------------------------------

    def _get(self, report_id: int, *, refresh: bool = False) -> Report | None:
        if refresh or report_id not in self._details:
            try:
                self._details[report_id] = self._source.get_report(report_id)
            except NotFoundError:
                return None
        return self._details[report_id]

    def _usable(self, report: Report, deployment_id: Any, cutoff: datetime | None, row: Report | None = None) -> bool:
        same_model = report.deployment_id == deployment_id if report.form else True
        return report.status in USABLE_STATUSES and same_model and is_fresh(report, cutoff, row)

    def _matches(self, row: Report, fingerprint: str) -> bool:
        tag = parse_tag(row.name)
        if tag is not None:
            return tag == fingerprint
        detail = self._get(row.id)
        return detail is not None and form_fingerprint(detail.form) == fingerprint

    def _listing(self, report_type: str | None) -> _Listing:
        if report_type not in self._listings:
            entry = resolve(report_type)
            deep = entry is not None and entry.no_inputs and entry.prerendered
            rows = self._source.iter_reports(report_type=report_type, include_prerendered=True)
            self._listings[report_type] = _Listing(rows, deep)
        return self._listings[report_type]

    def _from_list(
        self, form: Mapping[str, Any], fingerprint: str, deployment_id: Any, cutoff: datetime | None
    ) -> Report | None:
        listing = self._listing(form.get("report_type"))
        since = self._since if cutoff is None else cutoff  # no refresh time known: the horizon bounds the list
        found = self._first_match(listing.until(since), fingerprint, deployment_id, since)
        if found is None and listing.deep and cutoff is not None:
            found = self._first_match(listing.until(None), fingerprint, deployment_id, cutoff)
        return found

    def _first_match(
        self, rows: list[Report], fingerprint: str, deployment_id: Any, cutoff: datetime | None
    ) -> Report | None:
        candidates = [r for r in rows if r.status in USABLE_STATUSES and is_fresh(r, cutoff)]
        for row in sorted(candidates, key=_preferred_first):
            cached = row.id in self._details
            if not self._matches(row, fingerprint):
                continue
            report = self._get(row.id, refresh=cached or parse_tag(row.name) is not None)
            if report is not None and self._usable(report, deployment_id, cutoff, row):
                return report
        return None


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _newest_first(row: Report) -> tuple:
    created = parse_timestamp(row.created_at)
    return (-(created.timestamp()) if created else float("inf"), -row.id)


def _preferred_first(row: Report) -> tuple:
    """Finished reports first (no wait), then the newest."""
    return (0 if row.status == "success" else 1, *_newest_first(row))
