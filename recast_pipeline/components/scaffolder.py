"""``dg scaffold defs recast_pipeline.components.RecastComponent <path> --client-slug acme --token-env ACME_PAT``.

Why its own scaffolder: the default one writes ``attributes: {}``, which loads nothing until the
user finds out which client block to write; this one writes the client block and the
``requirements.env`` that ``dg`` checks, naming the variable that holds the token, never a value.
"""

from __future__ import annotations

from typing import Optional

import dagster as dg
from dagster.components.component_scaffolding import scaffold_component
from pydantic import BaseModel, Field


class RecastScaffoldParams(BaseModel):
    client_slug: Optional[str] = Field(
        default=None, description="The Recast client slug (default: read RECAST_CLIENT_SLUG)"
    )
    token_env: str = Field(default="RECAST_PAT", description="The environment variable that holds the Recast token")


class RecastScaffolder(dg.Scaffolder[RecastScaffoldParams]):
    @classmethod
    def get_scaffold_params(cls) -> type[RecastScaffoldParams]:
        return RecastScaffoldParams

    def scaffold(self, request: dg.ScaffoldRequest[RecastScaffoldParams]) -> None:
        params = request.params or RecastScaffoldParams()
        slug = params.client_slug or "{{ env('RECAST_CLIENT_SLUG') }}"
        scaffold_component(request, {"client": {"client_slug": slug, "token_env": params.token_env}})
        if request.scaffold_format == "yaml":  # dg checks these variables are set before it loads the defs
            required = [params.token_env] + ([] if params.client_slug else ["RECAST_CLIENT_SLUG"])
            with open(request.target_path / "defs.yaml", "a", encoding="utf-8") as f:
                f.write("requirements:\n  env:\n" + "".join(f"    - {name}\n" for name in required))
