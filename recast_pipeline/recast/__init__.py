"""The Recast Insights API layer: client, errors, batch runs, catalog, forms. No Dagster imports here or below."""

from typing import TYPE_CHECKING

from recast_pipeline.lazy_exports import lazy_exports

if TYPE_CHECKING:  # what type checkers and readers see; at run time each name loads on first use
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

# Public names, imported on first use (PEP 562): the code location needs only the catalog at
# definition time; the HTTP client (and httpx) loads when a run or tick first uses it.
_EXPORTS = {
    "ReportOutcome": ("batch", "ReportOutcome"),
    "ReportRequest": ("batch", "ReportRequest"),
    "run_reports": ("batch", "run_reports"),
    "ALIASES": ("catalog", "ALIASES"),
    "REPORT_TYPES": ("catalog", "REPORT_TYPES"),
    "ReportType": ("catalog", "ReportType"),
    "parse_download_key": ("catalog", "parse_download_key"),
    "resolve": ("catalog", "resolve"),
    "RecastClient": ("client", "RecastClient"),
    "Submission": ("client", "Submission"),
    "active_by_dashboard": ("client", "active_by_dashboard"),
    "ApiError": ("errors", "ApiError"),
    "AuthenticationError": ("errors", "AuthenticationError"),
    "ConfigurationError": ("errors", "ConfigurationError"),
    "ExpiredLinkError": ("errors", "ExpiredLinkError"),
    "IncompleteDownloadError": ("errors", "IncompleteDownloadError"),
    "LostCreateError": ("errors", "LostCreateError"),
    "NotFoundError": ("errors", "NotFoundError"),
    "RateLimitedError": ("errors", "RateLimitedError"),
    "RecastError": ("errors", "RecastError"),
    "ReportError": ("errors", "ReportError"),
    "ReportFailedError": ("errors", "ReportFailedError"),
    "ReportTimeoutError": ("errors", "ReportTimeoutError"),
    "ServerError": ("errors", "ServerError"),
    "TransportError": ("errors", "TransportError"),
    "UnknownStatusError": ("errors", "UnknownStatusError"),
    "ValidationError": ("errors", "ValidationError"),
    "FieldError": ("forms", "FieldError"),
    "FormError": ("forms", "FormError"),
    "build_form": ("forms", "build_form"),
    "form_from_report": ("forms", "form_from_report"),
    "month_window": ("forms", "month_window"),
    "normalize_form": ("forms", "normalize_form"),
    "validate_form": ("forms", "validate_form"),
    "CreateLedger": ("ledger", "CreateLedger"),
    "LedgerEntry": ("ledger", "LedgerEntry"),
    "Deployment": ("models", "Deployment"),
    "Download": ("models", "Download"),
    "Kpi": ("models", "Kpi"),
    "Report": ("models", "Report"),
    "ReportIndex": ("reuse", "ReportIndex"),
}
__all__ = list(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
