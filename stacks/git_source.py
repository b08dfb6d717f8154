"""This repository inside Snowflake: git API integration and git repository object.

The integration is ``snowflake_api_integration_git_repository_token`` (``API_PROVIDER =
git_https_api``) with no authentication secrets allowed: the repository is public HTTPS.
The generic ``snowflake_api_integration`` cannot be used: its ``api_provider`` accepts only
the API-gateway providers and its docs say git_https_api is not supported (provider
v2.20.0, newest tag in the mirror: ``pkg/resources/api_integration.go`` validation of
``api_provider``; ``docs/resources/api_integration.md``). The git resource is a preview
feature at v2.20.0 (``pkg/provider/previewfeatures/preview_features.go``) and promoted in
2.22.0 (the provider docs of the cdktn binding list it under "Promoted features");
``stacks/platform.py`` enables it, which both versions accept.

The git repository object is a stage over the repo's branches; the Python procedures
import the toolkit from it, the Streamlit app runs from its root, and the dbt project
object (``stacks/dbt_project.py``) is created from its ``dbt/`` folder.
"""

from __future__ import annotations

from cdktn import TerraformProvider
from cdktn_provider_snowflake.api_integration_git_repository_token import (
    ApiIntegrationGitRepositoryToken,
)
from cdktn_provider_snowflake.git_repository import GitRepository
from constructs import Construct

from stacks.naming import PLATFORM_SCHEMA, Names
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
        deployer: TerraformProvider,
    ):
        super().__init__(scope, id_)
        self.api_integration = ApiIntegrationGitRepositoryToken(
            self,
            "git_api_integration",
            provider=deployer,
            name=names.git_api_integration,
            api_allowed_prefixes=[repository_owner_prefix(env.git_repository_url)],
            no_allowed_authentication_secrets=True,
            enabled=True,
            comment="read access to the c360 repository (public HTTPS, no secret)",
        )
        self.repository = GitRepository(
            self,
            "git_repository",
            provider=deployer,
            database=database,
            schema=schemas[PLATFORM_SCHEMA].name,
            name=names.git_repository,
            origin=env.git_repository_url,
            api_integration=self.api_integration.name,
            comment=f"c360 source; deployed branch: {env.git_branch}",
        )
        self.stage_path = names.git_repository_stage
        self.repository_fq = names.in_platform(names.git_repository)
