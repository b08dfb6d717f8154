"""Pipeline Health reads BRONZE.REJECTED_ROWS (streamlit/c360_app/health_queries.py) as the
app role: it gets SELECT on that one table and USAGE on BRONZE, and no other bronze table.

A query needs USAGE on the database and the schema and SELECT on the table
(https://docs.snowflake.com/en/user-guide/security-access-control-privileges);
snowflake_grant_privileges_to_account_role's on_schema {schema_name} and on_schema_object
{object_type, object_name}: provider docs/resources/grant_privileges_to_account_role.md at
v2.20.0 (2.22.0 pinned).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from stack_json import provider_role, reference_to, resources

from toolkit.config import CLOUD_ENVIRONMENTS, ENVIRONMENTS

HEALTH_QUERIES = (
    Path(__file__).resolve().parents[2] / "streamlit" / "c360_app" / "health_queries.py"
)


def _to_app(stack, config) -> list[dict]:
    app_ref = reference_to(stack, "snowflake_account_role", name=config.role("app")) + ".name}"
    return [
        g
        for g in resources(stack, "snowflake_grant_privileges_to_account_role")
        if g["account_role_name"] == app_ref
    ]


def test_the_app_reads_no_bronze_table_but_the_rejected_rows():
    # the premise: which bronze tables the app's queries name
    named = set(re.findall(r"\bbronze\.(\w+)", HEALTH_QUERIES.read_text()))
    assert named == {"rejected_rows"}


@pytest.mark.parametrize("env", CLOUD_ENVIRONMENTS)
def test_app_role_selects_the_rejected_rows_and_no_other_bronze_table(stacks, env):
    stack, config = stacks[env], ENVIRONMENTS[env]
    bronze = f'"{config.database}"."BRONZE"'
    grants = _to_app(stack, config)
    on_bronze = [
        g
        for g in grants
        if g.get("on_schema", {}).get("schema_name") == bronze
        or g.get("on_schema_object", {}).get("object_name", "").startswith(bronze + ".")
    ]
    assert sorted((g["privileges"], _target(g)) for g in on_bronze) == [
        (["SELECT"], f'{bronze}."REJECTED_ROWS"'),
        (["USAGE"], bronze),
    ]
    for grant in on_bronze:
        assert provider_role(stack, grant) == config.role("deployer")
    (select,) = [g for g in on_bronze if g["privileges"] == ["SELECT"]]
    assert select["on_schema_object"]["object_type"] == "TABLE"
    # granted once the table exists
    table_ref = reference_to(stack, "snowflake_table", name="REJECTED_ROWS").removeprefix("${")
    assert table_ref in select["depends_on"]
    # and no bulk grant (all or future tables) in BRONZE reaches the app role
    bulk = [g for g in grants if {"all", "future"} & set(g.get("on_schema_object", {}))]
    assert not [g for g in bulk if bronze in str(g["on_schema_object"])]


def _target(grant: dict) -> str:
    return grant.get("on_schema", {}).get("schema_name") or grant["on_schema_object"]["object_name"]
