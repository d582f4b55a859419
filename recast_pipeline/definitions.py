"""The Dagster code location: ``recast_pipeline.definitions.defs``.

Loaded from the project's defs folder (``recast_pipeline/defs``, which ``[tool.dg.project]`` in
pyproject.toml names for ``dg``), where ``recast/defs.yaml`` instantiates ``RecastComponent``; ``dg`` and
``dagster dev`` load the same object. Everything is configured from DESIGN.md's environment
variables; the token reaches Dagster only as ``EnvVar`` (the UI shows the variable's name, never
its value). ``build_definitions`` stays the Python entry point. The tree is built from the defs
module itself, not found through pyproject.toml, so an installed package (``pip install .`` in an
image, no pyproject.toml beside it) loads the same definitions.

Why the defs folder's definitions and not the whole tree's: building the tree's root also builds
Dagster's catalogue of every installed component type (JSON schemas put into the repository's
metadata, which neither the OSS UI, its GraphQL API nor ``dg`` reads), about 0.2 s in every
process that loads the code location: each run, the daemon, the webserver. The tree is still
attached, so the UI lists the component instances. Components added in a UI and kept in the
instance ("app-managed") are not loaded: this project's components live in its defs folder.

Dagster's own beta/preview notices about building these definitions (code references, its module
loaders, copied sensors and checks) are ignored here by exact category and message
(``orchestration/notices.py``), so loading the code location prints nothing on stderr. The
repository and its asset graph are resolved inside that block too: Dagster would build them right
after the import anyway (a few milliseconds), and building them copies the checks once more.
"""

from pathlib import Path

import dagster as dg

import recast_pipeline.defs
from recast_pipeline.orchestration.notices import quiet_dagster_notices


def load_definitions() -> tuple[dg.ComponentTree, dg.Definitions]:
    """The project's component tree and its definitions, built from the environment as it is now.

    The demo calls this inside its simulator's environment instead of importing ``defs``, whose
    values were fixed by whichever environment first imported this module."""
    with quiet_dagster_notices():
        tree = dg.ComponentTree.from_module(
            defs_module=recast_pipeline.defs, project_root=Path(__file__).resolve().parent.parent
        )
        # The project's executor: every run in its own process (the component sets none, so a project
        # that adopts it keeps its own; our jobs carry this one too).
        project = dg.Definitions(component_tree=tree, executor=dg.in_process_executor)
        built = dg.Definitions.merge(tree.build_defs(tree.defs_module_path), project)
        _ = built.get_repository_def().asset_graph  # cached on the definitions: every later caller gets this one
    return tree, built


tree, defs = load_definitions()
