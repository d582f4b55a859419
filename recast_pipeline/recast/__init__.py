"""The Recast Insights API layer: client, errors, batch runs, catalog, forms. No Dagster imports here or below."""

from recast_pipeline.recast.batch import ReportOutcome, ReportRequest, run_reports
from recast_pipeline.recast.catalog import ALIASES, REPORT_TYPES, ReportType, parse_download_key, resolve
from recast_pipeline.recast.client import RecastClient, Submission, active_by_dashboard
from recast_pipeline.recast.errors import (
    ApiError,
    AuthenticationError,
    ConfigurationError,
    ExpiredLinkError,
    IncompleteDownloadError,
    LostCreateError,
    NotFoundError,
    RateLimitedError,
    RecastError,
    ReportError,
    ReportFailedError,
    ReportTimeoutError,
    ServerError,
    TransportError,
    UnknownStatusError,
    ValidationError,
)
from recast_pipeline.recast.forms import (
    FieldError,
    FormError,
    build_form,
    form_from_report,
    month_window,
    normalize_form,
    validate_form,
)
from recast_pipeline.recast.ledger import CreateLedger, LedgerEntry
from recast_pipeline.recast.models import Deployment, Download, Kpi, Report
from recast_pipeline.recast.reuse import ReportIndex

__all__ = [
    "ALIASES",
    "REPORT_TYPES",
    "FieldError",
    "FormError",
    "ReportType",
    "build_form",
    "form_from_report",
    "active_by_dashboard",
    "month_window",
    "normalize_form",
    "parse_download_key",
    "resolve",
    "validate_form",
    "ApiError",
    "AuthenticationError",
    "ConfigurationError",
    "CreateLedger",
    "ExpiredLinkError",
    "LedgerEntry",
    "LostCreateError",
    "Deployment",
    "Download",
    "IncompleteDownloadError",
    "Kpi",
    "NotFoundError",
    "RateLimitedError",
    "RecastClient",
    "RecastError",
    "Report",
    "ReportError",
    "ReportFailedError",
    "ReportIndex",
    "ReportOutcome",
    "ReportRequest",
    "ReportTimeoutError",
    "ServerError",
    "Submission",
    "TransportError",
    "UnknownStatusError",
    "ValidationError",
    "run_reports",
]
