"""The app role may store campaign assignments: INSERT on GOLD.CAMPAIGN_ASSIGNMENTS only.

snowflake_grant_privileges_to_account_role with on_schema_object {object_type, object_name}:
provider docs/resources/grant_privileges_to_account_role.md at v2.20.0 (2.22.0 pinned).
"""

from __future__ import annotations

import pytest
from stack_json import provider_role, resources

from toolkit.config import CLOUD_ENVIRONMENTS, ENVIRONMENTS


@pytest.mark.parametrize("env", CLOUD_ENVIRONMENTS)
def test_app_role_inserts_campaign_assignments_and_nothing_more(stacks, env):
    stack = stacks[env]
    config = ENVIRONMENTS[env]
    target = f'"{config.database}"."GOLD"."CAMPAIGN_ASSIGNMENTS"'
    grants = [
        g
        for g in resources(stack, "snowflake_grant_privileges_to_account_role")
        if g.get("on_schema_object", {}).get("object_name") == target
    ]
    assert len(grants) == 1
    grant = grants[0]
    assert grant["privileges"] == ["INSERT"]
    assert grant["on_schema_object"]["object_type"] == "TABLE"
    # the role is a reference to the stack's snowflake_account_role: resolve it
    reference = grant["account_role_name"].removeprefix("${").removesuffix("}")
    resource_type, logical_id, _ = reference.split(".")
    assert stack["resource"][resource_type][logical_id]["name"] == config.role("app")
    assert provider_role(stack, grant) == config.role("deployer")
    tables = [t for t in resources(stack, "snowflake_table") if t["name"] == "CAMPAIGN_ASSIGNMENTS"]
    assert len(tables) == 1
    assert any(
        "CAMPAIGN_ASSIGNMENTS" in d or "campaign_assignments" in d for d in grant["depends_on"]
    )
