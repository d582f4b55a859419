"""Dagster's beta/preview notices that loading this code location would print, silenced one by one.

Why: every process that loads the code location (``dagster asset list``, ``dg check defs``, the
code server, each run worker) printed about 40 lines of ``BetaWarning``/``PreviewWarning`` about
Dagster's own internals: the components framework adds code references (beta classes) to every
definition, loads modules through preview functions, and copies sensors and checks with beta
parameters. None of it is something our users can act on. Each notice is ignored by its exact
category and whole message, only while the definitions are built (``quiet_dagster_notices``):
nothing is filtered globally, and a notice about anything else, ours included, still shows.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from typing import Iterator

import dagster as dg

_BETA = (
    "is currently in beta, and may have breaking changes in minor version releases, "
    "with behavior changes in patch releases."
)
_PREVIEW = (
    "is currently in preview, and may have breaking changes in patch version releases. "
    "This feature is not considered ready for production use."
)

# (category, exact message): what Dagster 1.13 says while the defs folder's definitions are built.
DAGSTER_NOTICES: tuple[tuple[type[Warning], str], ...] = (
    # the components framework tags every definition of a defs.yaml with its code reference
    (dg.BetaWarning, f"Class `LocalFileCodeReference` {_BETA}"),
    (dg.BetaWarning, f"Class `CodeReferencesMetadataValue` {_BETA}"),
    # ... loads a defs folder's Python modules through these
    (dg.PreviewWarning, f"Function `load_definitions_from_module` {_PREVIEW}"),
    (dg.PreviewWarning, f"Function `load_definitions_from_modules` {_PREVIEW}"),
    # ... and copies each sensor with every parameter set, beta ones included (we set neither)
    (dg.BetaWarning, f"Parameter `owners` of initializer `SensorDefinition.__init__` {_BETA}"),
    (
        dg.BetaWarning,
        f"Parameter `use_user_code_server` of initializer `AutomationConditionSensorDefinition.__init__` {_BETA}",
    ),
    # the repository turns those copied checks back into check definitions when its asset graph is built
    (dg.BetaWarning, f"Parameter `execution_type` of function `AssetsDefinition.__init__` {_BETA}"),
)


@contextlib.contextmanager
def quiet_dagster_notices() -> Iterator[None]:
    """Ignore exactly ``DAGSTER_NOTICES`` inside the block; the caller's warning filters come back after."""
    with warnings.catch_warnings():
        for category, message in DAGSTER_NOTICES:
            warnings.filterwarnings("ignore", message=re.escape(message) + r"\Z", category=category)
        yield
