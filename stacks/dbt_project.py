"""The dbt project object the dbt tasks run (``EXECUTE DBT PROJECT``).

The Snowflake provider (2.22) has no resource for ``DBT PROJECT`` objects, so the stack
declares it with ``snowflake_execute``: ``CREATE DBT PROJECT … FROM '<repo stage>/dbt'``,
reverted by ``DROP DBT PROJECT``. It runs as the pipeline role, which therefore owns the
project and may execute it from the tasks it also owns. New commits become new project
versions with ``ALTER DBT PROJECT … ADD VERSION FROM '@…/commits/<sha>/dbt'`` — the release
(``.github/scripts/release_from_git.py``; by hand, ``sql/setup/refresh_from_git.sql``) owns
the project's versions. Terraform only creates the object: ``execute`` forces a replacement
(DROP + CREATE from the branch) whenever it changes (provider v2.20.0
``pkg/resources/execute.go``: ``ForceNewIfChange("execute")``), which would throw the
released versions away, so ``lifecycle.ignore_changes`` covers the statements
(``RELEASE_OWNED_ATTRIBUTES``). Replace this with the native resource once the provider
has one.

The pipeline role needs ``CREATE DBT PROJECT`` on the schema
(https://docs.snowflake.com/en/user-guide/data-engineering/dbt-projects-on-snowflake-access-control);
``stacks/rbac.py`` grants it and ``ready`` carries that grant.
"""

from __future__ import annotations

from cdktn import TerraformProvider, TerraformResourceLifecycle
from cdktn_provider_snowflake.execute import Execute
from constructs import Construct

from stacks.naming import PLATFORM_SCHEMA, Names, fq
from toolkit.config import Environment

# attributes the release changes after the first apply; Terraform must not move them back
RELEASE_OWNED_ATTRIBUTES = ["execute", "revert"]


class DbtProject(Construct):
    """Exposes ``name`` (fully qualified) and ``resource`` (to depend on)."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        env: Environment,
        names: Names,
        repository_stage_path: str,
        provider: TerraformProvider,
        ready: list,
    ):
        super().__init__(scope, id_)
        self.name = names.in_platform(names.dbt_project)
        self.resource = Execute(
            self,
            "dbt_project",
            provider=provider,
            execute=(
                f"CREATE DBT PROJECT IF NOT EXISTS {self.name} "
                f"FROM '@{repository_stage_path}/dbt' "
                f"COMMENT = 'c360 dbt project ({env.dbt_target} target)' "
                # the object's default target is the environment's, never profiles.yml's
                # `local` (https://docs.snowflake.com/en/sql-reference/sql/create-dbt-project)
                f"DEFAULT_TARGET = '{env.dbt_target}'"
            ),
            revert=f"DROP DBT PROJECT IF EXISTS {self.name}",
            query=(
                f"SHOW DBT PROJECTS LIKE '{names.dbt_project}' "
                f"IN SCHEMA {fq(names.database, PLATFORM_SCHEMA)}"
            ),
            depends_on=ready,
            lifecycle=TerraformResourceLifecycle(ignore_changes=RELEASE_OWNED_ATTRIBUTES),
        )
