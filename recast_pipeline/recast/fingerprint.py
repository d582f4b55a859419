"""Deterministic form fingerprints, carried in the report ``name``.

Why: a report create cannot be made idempotent on Recast's side, so we make it findable. Every
report we create is named ``"<readable label> [rp:<12 hex>]"``; the hex is a hash of the
canonical form. A crashed or retried run lists reports, reads the tag back, and resumes the
report it already created instead of paying for a second one. The readable part keeps the report
recognisable in the Recast UI.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Mapping

from recast_pipeline.recast.forms import normalize_form

FINGERPRINT_CHARS = 12
TAG_PREFIX = "rp:"
_TAG = re.compile(r"\s*\[" + re.escape(TAG_PREFIX) + rf"([0-9a-f]{{{FINGERPRINT_CHARS}}})\]\s*$")
MAX_LABEL_CHARS = 200


def canonical_form(form: Mapping[str, Any]) -> dict[str, Any]:
    """The form as compared for identity: scalars in the catalog's types (``normalize_form``:
    a read-back ``"14"`` equals the 14 we sent), everything else as given.

    Report type aliases (``compute_waterfall_summary``) are deliberately kept: the API may treat
    them differently, so an alias form is not assumed identical to its canonical twin.
    """
    return normalize_form(form)


def canonical_json(form: Mapping[str, Any]) -> str:
    """Sorted keys, no whitespace, UTF-8 kept: the same form always gives the same text."""
    return json.dumps(canonical_form(form), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def form_fingerprint(form: Mapping[str, Any]) -> str:
    """Short hex digest of the canonical form (48 bits: collisions are not a practical concern)."""
    return hashlib.sha256(canonical_json(form).encode("utf-8")).hexdigest()[:FINGERPRINT_CHARS]


def default_label(form: Mapping[str, Any]) -> str:
    """A readable label from the form: report type, deployment and its dates."""
    parts = [str(form.get("report_type") or "report")]
    if form.get("deployment_id") is not None:
        parts.append(f"deployment {form['deployment_id']}")
    if form.get("start_date") and form.get("end_date"):
        parts.append(f"{form['start_date']}..{form['end_date']}")
    elif form.get("period_start_date") and form.get("period_end_date"):
        parts.append(f"{form['period_start_date']}..{form['period_end_date']}")
    elif form.get("date"):
        parts.append(f"{form['date']} ({form.get('num_days', '?')} days)")
    return " ".join(parts)


def strip_tag(name: str) -> str:
    """The name without a trailing fingerprint tag (so re-submitting a copied name does not stack tags)."""
    return _TAG.sub("", name or "")


def tagged_name(label: str | None, fingerprint: str) -> str:
    """``"<label> [rp:<fingerprint>]"`` with the label trimmed to a sane length."""
    if not re.fullmatch(rf"[0-9a-f]{{{FINGERPRINT_CHARS}}}", fingerprint):
        raise ValueError(f"not a fingerprint: {fingerprint!r}")
    label = " ".join(strip_tag(label or "").split())[:MAX_LABEL_CHARS]
    tag = f"[{TAG_PREFIX}{fingerprint}]"
    return f"{label} {tag}" if label else tag


def name_for(form: Mapping[str, Any], label: str | None = None) -> str:
    """The name we send when creating a report for ``form``."""
    return tagged_name(label or default_label(form), form_fingerprint(form))


def parse_tag(name: str | None) -> str | None:
    """The fingerprint carried by a report name, or None for reports we did not create."""
    match = _TAG.search(name or "")
    return match.group(1) if match else None
