"""This repository inside Snowflake: git API integration, git repository, dbt project.

The git repository object is a stage over the repo's branches; the Python procedures
import the toolkit from it, the Streamlit app runs from its root, and the dbt project
object is created from its ``dbt/`` folder.

The Snowflake provider (2.22) has no resource for ``DBT PROJECT`` objects, so the stack
declares it with ``snowflake_execute`` (``CREATE DBT PROJECT … FROM '<repo stage>/dbt'``,
reverted by ``DROP DBT PROJECT``) run as the pipeline role, which therefore owns it and
may ``EXECUTE DBT PROJECT`` from the tasks. Replace it with the native resource once the
provider has one.
"""

from __future__ import annotations

from cdktn import TerraformProvider
from cdktn_provider_snowflake.api_integration import ApiIntegration
from cdktn_provider_snowflake.execute import Execute
from cdktn_provider_snowflake.git_repository import GitRepository
from constructs import Construct

from stacks.naming import PLATFORM_SCHEMA, Names, fq
from toolkit.config import Environment


def repository_owner_prefix(url: str) -> str:
    """``https://github.com/org/repo.git`` → ``https://github.com/org/`` (the allowed prefix)."""
    return url.rsplit("/", 1)[0] + "/"


class GitSource(Construct):
    """Exposes ``repository`` and ``stage_path`` (``DB.PLATFORM.C360_REPO/branches/<branch>``)."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        env: Environment,
        names: Names,
        database: str,
        schemas: dict,
        sysadmin: TerraformProvider,
        pipeline: TerraformProvider,
        pipeline_ready: list,
    ):
        super().__init__(scope, id_)
        self.api_integration = ApiIntegration(
            self,
            "git_api_integration",
            provider=sysadmin,
            name=names.git_api_integration,
            api_provider="git_https_api",
            api_allowed_prefixes=[repository_owner_prefix(env.git_repository_url)],
            enabled=True,
            comment="read access to the c360 repository (public HTTPS, no secret)",
        )
        self.repository = GitRepository(
            self,
            "git_repository",
            provider=sysadmin,
            database=database,
            schema=schemas[PLATFORM_SCHEMA].name,
            name=names.git_repository,
            origin=env.git_repository_url,
            api_integration=self.api_integration.name,
            comment=f"c360 source; deployed branch: {env.git_branch}",
        )
        self.stage_path = names.git_repository_stage
        self.repository_fq = fq(names.database, PLATFORM_SCHEMA, names.git_repository)

        project = names.in_platform(names.dbt_project)
        self.dbt_project_name = project
        self.dbt_project = Execute(
            self,
            "dbt_project",
            provider=pipeline,
            execute=(
                f"CREATE DBT PROJECT IF NOT EXISTS {project} "
                f"FROM '@{self.stage_path}/dbt' "
                f"COMMENT = 'c360 dbt project ({env.dbt_target} target)'"
            ),
            revert=f"DROP DBT PROJECT IF EXISTS {project}",
            query=f"SHOW DBT PROJECTS LIKE '{names.dbt_project}' IN SCHEMA {fq(names.database, PLATFORM_SCHEMA)}",
            depends_on=[self.repository, *pipeline_ready],
        )
