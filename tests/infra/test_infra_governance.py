"""PII masking coverage and least-privilege grants on the synthesized stacks (issue 13).

Sources pinned here: Snowflake tag-based masking
(https://docs.snowflake.com/en/user-guide/tag-based-masking-policies: one policy per data
type on a tag; every tagged column of that type is masked), tag propagation
(https://docs.snowflake.com/en/user-guide/object-tagging/propagation: a tag set with
PROPAGATE = ON_DEPENDENCY_AND_DATA_MOVEMENT follows views and CTAS/INSERT targets), the
provider's snowflake_tag ``propagate`` / ``masking_policies`` and snowflake_tag_association
(provider v2.20.0, the newest tag in the mirror: docs/resources/tag.md,
docs/resources/tag_association.md, pkg/resources/tag.go).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlglot
from stack_json import one, provider_role, referenced, resources

from stacks.governance import POLICY_TYPES, policy_body
from stacks.pii import DERIVED_PII_COLUMNS, PII_KINDS, PII_SOURCE_COLUMNS
from stacks.tables import columns_of, declared_tables
from toolkit.config import CLOUD_ENVIRONMENTS, ENVIRONMENTS
from toolkit.pipeline.bronze import BRONZE_DDL, landing_ddl

ENVS = list(CLOUD_ENVIRONMENTS)
REPO = Path(__file__).resolve().parents[2]
# Every column holding personal data somewhere in bronze, silver or gold.
PERSONAL = {
    "FIRST_NAME", "LAST_NAME", "FULL_NAME", "EMAIL", "PHONE", "DATE_OF_BIRTH", "STREET_ADDRESS",
    "CITY", "ZIP_CODE", "ANNUAL_INCOME", "AGE",
}  # fmt: skip

ROOT = Path(__file__).resolve().parents[2]


def _tag(stack):
    return one(stack, "snowflake_tag", name="PII")


@pytest.mark.parametrize("env", ENVS)
def test_one_propagating_pii_tag_carries_a_policy_per_data_type(stacks, env):
    stack, config = stacks[env], ENVIRONMENTS[env]
    tag = _tag(stack)
    assert tag["propagate"] == "ON_DEPENDENCY_AND_DATA_MOVEMENT"
    assert tag["ordered_allowed_values"] == list(PII_KINDS)
    policies = {p["name"]: p for p in resources(stack, "snowflake_masking_policy")}
    assert set(policies) == {f"MASK_PII_{t}" for t in POLICY_TYPES}
    assert {p["return_data_type"] for p in policies.values()} == set(POLICY_TYPES.values())
    # each policy is attached to the tag (tag-based masking), none to a column directly
    assert len(tag["masking_policies"]) == len(policies)
    assert not resources(stack, "snowflake_table_column_masking_policy_application")
    # the tag's owner, the deployer, holds account-level APPLY TAG (propagation) and APPLY
    # MASKING POLICY: global privileges, granted by the bootstrap (granting one needs MANAGE
    # GRANTS, which no deployer holds — tests/infra/test_deployer_isolation.py)
    deployer = config.role("deployer")
    assert provider_role(stack, tag) == deployer
    bootstrap = (ROOT / "sql" / "setup" / "account_admin_bootstrap.sql").read_text()
    assert f"APPLY TAG, APPLY MASKING POLICY ON ACCOUNT TO ROLE {deployer};" in bootstrap
    assert config.database  # the tag lives in this environment's own database
    assert tag["database"].startswith("${snowflake_database.")


@pytest.mark.parametrize("env", ENVS)
def test_every_personal_source_column_is_tagged(stacks, env):
    stack, config = stacks[env], ENVIRONMENTS[env]
    tagged = {}
    for association in resources(stack, "snowflake_tag_association"):
        if association["object_type"] != "COLUMN":
            continue
        for identifier in association["object_identifiers"]:
            reference, column = identifier.split('}."')
            table = referenced(stack, reference + "}")["name"]
            tagged[(table, column.rstrip('"'))] = association["tag_value"]
    assert set(tagged.values()) <= set(PII_KINDS)
    # every tagged column exists in the table the stack declares (else the apply fails)
    declared = declared_tables()["BRONZE"]
    for table, column in tagged:
        assert column in {c.name for c in columns_of(declared[table.lower()])}, (table, column)
    expected = {
        (table.upper(), column): kind
        for table, columns in PII_SOURCE_COLUMNS.items()
        for column, kind in columns.items()
    }
    assert tagged == expected
    # every personal column of the bronze customer tables is in the catalogue
    ddl = {**BRONZE_DDL, **landing_ddl()}
    for table in ("raw_customers", "landing_customers"):
        create = sqlglot.parse_one(ddl[table], read="duckdb")
        names = {c.name.upper() for c in create.this.expressions if hasattr(c, "kind")}
        assert names & PERSONAL <= set(PII_SOURCE_COLUMNS[table]), table
    assert config.role_prefix


def test_every_personal_column_in_silver_and_gold_derives_from_a_tagged_one():
    """Propagation reaches a dbt column only if it is built from a tagged column: each
    personal column in the dbt models is a tagged source column or a listed derivation."""
    sources = {c for cols in PII_SOURCE_COLUMNS.values() for c in cols}
    seen = set()
    for path in (REPO / "dbt" / "models").rglob("*.sql"):
        text = path.read_text().upper()
        seen |= {name for name in PERSONAL if re.search(rf"\b{name}\b", text)}
    assert seen, "the dbt models name personal columns"
    assert seen <= sources | set(DERIVED_PII_COLUMNS)


@pytest.mark.parametrize("env", ENVS)
def test_only_the_configured_pii_readers_see_clear_values(stacks, env):
    stack, config = stacks[env], ENVIRONMENTS[env]
    readers = {config.role(r) for r in config.pii_readers}
    assert readers == {config.role("transformer"), config.role("pipeline")}
    for policy in resources(stack, "snowflake_masking_policy"):
        body = policy["body"]
        sqlglot.parse_one(f"SELECT {body} FROM t", read="snowflake")
        clear = re.search(r"CURRENT_ROLE\(\) IN \(([^)]*)\) THEN val", body).group(1)
        assert {r.strip("' ") for r in clear.split(",")} == readers
        for outsider in ("app", "analyst", "loader", "viewer"):
            assert config.role(outsider) not in body
        assert "IS_ROLE_IN_SESSION" not in body  # inheriting a reader role does not unmask
        if policy["return_data_type"] in ("VARCHAR", "NUMBER"):  # masks chosen by kind
            assert f"SYSTEM$GET_TAG_ON_CURRENT_COLUMN('{config.database}.PLATFORM.PII')" in body


def test_masks_hide_each_kind():
    body = policy_body("STRING", ["R"], "DB.PLATFORM.PII")
    assert "REGEXP_REPLACE(val, '^[^@]+', '*****')" in body  # e-mail keeps its domain only
    assert "RIGHT(val, 4)" in body  # phone keeps its last four digits
    assert body.endswith("ELSE '*****' END END")  # names, address, zip, records, CONFLICT
    assert "FLOOR(val / 10) * 10" in policy_body("NUMBER", ["R"], "t")  # age in decades
    assert policy_body("DATE", ["R"], "t").endswith("ELSE NULL END")
    assert policy_body("FLOAT", ["R"], "t").endswith("ELSE NULL END")  # income


@pytest.mark.parametrize("env", ENVS)
def test_no_step_reattaches_masking_after_dbt(stacks, env):
    for task in resources(stacks[env], "snowflake_task"):
        assert "MASKING" not in task["sql_statement"].upper()


@pytest.mark.parametrize("env", ENVS)
def test_app_viewers_get_a_role_that_opens_the_app_and_nothing_else(stacks, env):
    stack, config = stacks[env], ENVIRONMENTS[env]
    viewer = config.role("viewer")
    one(stack, "snowflake_account_role", name=viewer)
    grants = [
        g
        for g in resources(stack, "snowflake_grant_privileges_to_account_role")
        if g["account_role_name"].endswith(f'{viewer}"}}')
        or g["account_role_name"] == viewer
        or "role_viewer" in g["account_role_name"]
    ]
    targets = sorted(
        (g.get("on_account_object") or {}).get("object_type")
        or ("SCHEMA" if "on_schema" in g else g["on_schema_object"]["object_type"])
        for g in grants
    )
    assert targets == ["DATABASE", "SCHEMA", "STREAMLIT"]
    assert all(g["privileges"] == ["USAGE"] for g in grants)
    # no access role, no warehouse: the app runs with its owner's rights
    for granted in resources(stack, "snowflake_grant_database_role"):
        assert "role_viewer" not in granted.get("parent_role_name", "")


@pytest.mark.parametrize("env", ENVS)
def test_observability_is_append_only_for_its_writers(stacks, env):
    stack = stacks[env]
    observability = [
        g
        for g in resources(stack, "snowflake_grant_privileges_to_database_role")
        if "on_schema_object" in g
        and "OBSERVABILITY" in str(g["on_schema_object"])
        and "observability_write" in g["database_role_name"]
    ]
    assert observability, "OBSERVABILITY_WRITE grants exist"
    for grant in observability:
        assert set(grant["privileges"]) == {"INSERT"}
    silver = [
        g
        for g in resources(stack, "snowflake_grant_privileges_to_database_role")
        if "silver_write" in g["database_role_name"] and "on_schema_object" in g
    ]
    assert any("DELETE" in g["privileges"] for g in silver)  # other schemas keep full DML


@pytest.mark.parametrize("env", ENVS)
def test_feedback_rows_are_readable_by_the_platform_team_only(stacks, env):
    stack, config = stacks[env], ENVIRONMENTS[env]
    policy = one(stack, "snowflake_row_access_policy", name="FEEDBACK_READERS")
    team = {config.role(r) for r in config.platform_team}
    assert re.findall(r"IS_ROLE_IN_SESSION\('([^']+)'\)", policy["body"]) == sorted(team)
    assert config.role("app") not in policy["body"]
    sqlglot.parse_one(f"SELECT {policy['body']}", read="snowflake")
    attach = [e for e in resources(stack, "snowflake_execute") if "ROW ACCESS" in e["execute"]]
    (attach,) = attach
    assert attach["execute"] == (
        f'ALTER TABLE "{config.database}"."OBSERVABILITY"."ASSISTANT_FEEDBACK" '
        f'ADD ROW ACCESS POLICY "{config.database}"."PLATFORM"."FEEDBACK_READERS" ON (RATING)'
    )
    assert (
        attach["revert"].startswith("ALTER TABLE") and "DROP ROW ACCESS POLICY" in attach["revert"]
    )
