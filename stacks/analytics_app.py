"""The app side: Streamlit app object from the git repository and the semantic model.

The Streamlit app runs from the repository root (so ``toolkit`` is importable) with
``streamlit/streamlit_app.py`` as main file, on the app warehouse, owned by the app role.
The Cortex Analyst semantic model (``toolkit/assistant/semantic_model.yaml``), rendered for
this environment's database and checked against the specification at synth time, is
written to an internal stage (Cortex Analyst reads semantic model files from a stage;
``stacks/semantic_model.py``); the statement, hence the staged file, changes with the model.

Releases point the app at a commit (``ALTER STREAMLIT … SET ROOT_LOCATION =
'@…/commits/<sha>'``, ``.github/scripts/release_from_git.py``). The provider reads
``directory_location`` back from ``DESCRIBE STREAMLIT``'s root_location and sets it again
on a difference (provider v2.20.0 ``pkg/resources/streamlit.go``: ReadContext
``d.Set("directory_location", location)``; Update ``if d.HasChange("stage") ||
d.HasChange("directory_location")`` → ``SET ROOT_LOCATION``), so the next apply would move
the app back to the branch: ``lifecycle.ignore_changes`` leaves the location to the
release (``RELEASE_OWNED_ATTRIBUTES``) once the app exists.
"""

from __future__ import annotations

from cdktn import TerraformProvider, TerraformResourceLifecycle
from cdktn_provider_snowflake.execute import Execute
from cdktn_provider_snowflake.stage_internal import StageInternal
from cdktn_provider_snowflake.streamlit import Streamlit
from constructs import Construct

from stacks.naming import PLATFORM_SCHEMA, Names
from stacks.semantic_model import publish_statement
from toolkit.config import Environment

STREAMLIT_MAIN_FILE = "streamlit/streamlit_app.py"
SEMANTIC_MODEL_DIR = "toolkit/assistant"
SEMANTIC_MODEL_FILE = "semantic_model.yaml"
# the release re-points the app's root location at a commit; Terraform leaves it there
RELEASE_OWNED_ATTRIBUTES = ["directory_location"]


class AnalyticsApp(Construct):
    """Exposes ``streamlit``, ``semantic_stage`` and ``semantic_model_path`` (``@stage/file``)."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        env: Environment,
        names: Names,
        database: str,
        schemas: dict,
        repository_fq: str,
        repository_stage_path: str,
        deployer: TerraformProvider,
        app: TerraformProvider,
        ready: list,
    ):
        super().__init__(scope, id_)
        platform = schemas[PLATFORM_SCHEMA].name
        self.semantic_stage = StageInternal(
            self,
            "semantic_stage",
            provider=deployer,
            database=database,
            schema=platform,
            name=names.semantic_stage,
            encryption={"snowflake_sse": {}},
            directory={"enable": True},
            comment="Cortex Analyst semantic model, copied from the git repository",
        )
        stage_path = f"{names.database}.{PLATFORM_SCHEMA}.{names.semantic_stage}"
        self.semantic_model_path = f"@{stage_path}/{SEMANTIC_MODEL_FILE}"
        self.publish_semantic_model = Execute(
            self,
            "publish_semantic_model",
            provider=deployer,
            # the model rendered for this environment's database, checked against the spec
            # (stacks/semantic_model.py); the repository's copy names the dev database
            execute=publish_statement(stage_path, SEMANTIC_MODEL_FILE, env.database),
            revert=f"REMOVE @{stage_path}/{SEMANTIC_MODEL_FILE}",
            query=f"LIST @{stage_path}",
            depends_on=[self.semantic_stage, *ready],
        )
        self.streamlit = Streamlit(
            self,
            "streamlit",
            provider=app,
            database=database,
            schema=platform,
            name=names.streamlit_app,
            title=f"c360 — Customer 360 ({env.name})",
            stage=repository_fq,
            directory_location=f"branches/{env.git_branch}",
            main_file=STREAMLIT_MAIN_FILE,
            query_warehouse=env.warehouse("app").name,
            comment="the four-tab c360 app, from the repository root",
            depends_on=ready,
            lifecycle=TerraformResourceLifecycle(ignore_changes=RELEASE_OWNED_ATTRIBUTES),
        )
