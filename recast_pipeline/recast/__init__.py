"""The Recast Insights API layer: client, errors, batch runs. No Dagster imports here or below."""

from recast_pipeline.recast.batch import ReportOutcome, ReportRequest, run_reports
from recast_pipeline.recast.client import RecastClient, Submission
from recast_pipeline.recast.errors import (
    ApiError,
    AuthenticationError,
    ConfigurationError,
    IncompleteDownloadError,
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
from recast_pipeline.recast.models import Deployment, Download, Kpi, Report
from recast_pipeline.recast.reuse import ReportIndex

__all__ = [
    "ApiError",
    "AuthenticationError",
    "ConfigurationError",
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
