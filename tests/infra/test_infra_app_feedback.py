"""The app's feedback table: declared in OBSERVABILITY from the toolkit's DDL, and the
app role's only write privilege (INSERT on that one table); no other role gains anything.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import duckdb
import pytest
import sqlglot
from sqlglot import exp
from stack_json import database_roles_of, one, reference_to, referenced, resources

from toolkit.config import CLOUD_ENVIRONMENTS, ENVIRONMENTS, Environment
from toolkit.pipeline.observability import OBSERVABILITY_DDL

ENVS = list(CLOUD_ENVIRONMENTS)
TABLE = "ASSISTANT_FEEDBACK"
APP_DATA_MODULE = Path(__file__).resolve().parents[2] / "streamlit" / "c360_app" / "data.py"

# Privileges that change data or objects (OWNERSHIP/APPLY/... included on purpose).
WRITE_PRIVILEGES = {
    "INSERT",
    "UPDATE",
    "DELETE",
    "TRUNCATE",
    "OWNERSHIP",
    "ALL PRIVILEGES",
    "MODIFY",
    "OPERATE",
    "APPLY",
    "WRITE",
}
# DuckDB's information_schema type → the Snowflake type the stack must declare.
SNOWFLAKE_TYPE_OF = {
    "VARCHAR": "VARCHAR",
    "TIMESTAMP": "TIMESTAMP_NTZ",
    "BIGINT": "NUMBER(38,0)",
    "DOUBLE": "FLOAT",
    "BOOLEAN": "BOOLEAN",
}


def _table_fq(config: Environment) -> str:
    return f'"{config.database}"."OBSERVABILITY"."{TABLE}"'


def _toolkit_columns() -> list[tuple[str, str, bool]]:
    """(name, Snowflake type, nullable) of the toolkit's table, as DuckDB itself creates it."""
    con = duckdb.connect()
    try:
        con.execute("create schema observability")
        con.execute(OBSERVABILITY_DDL["assistant_feedback"])
        rows = con.execute(
            "select column_name, data_type, is_nullable from information_schema.columns "
            "where table_schema = 'observability' and table_name = 'assistant_feedback' "
            "order by ordinal_position"
        ).fetchall()
    finally:
        con.close()
    return [
        (name.upper(), SNOWFLAKE_TYPE_OF[kind], nullable == "YES") for name, kind, nullable in rows
    ]


def _app_insert_columns() -> list[str]:
    """The columns the app's INSERT names (streamlit/c360_app/data.py, loaded by path)."""
    spec = importlib.util.spec_from_file_location("c360_app_data_for_infra", APP_DATA_MODULE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    insert = sqlglot.parse_one(module.FEEDBACK_INSERT, read="snowflake")
    assert isinstance(insert, exp.Insert)
    assert insert.this.this.name.lower() == "assistant_feedback"
    return [column.name.upper() for column in insert.this.expressions]


def _grants_to_account_role(stack: dict, role_name: str) -> list[dict]:
    role = reference_to(stack, "snowflake_account_role", name=role_name) + ".name}"
    return [
        g
        for g in resources(stack, "snowflake_grant_privileges_to_account_role")
        if g["account_role_name"] == role
    ]


def _grants_to_database_roles(stack: dict, references: set[str]) -> list[dict]:
    return [
        g
        for g in resources(stack, "snowflake_grant_privileges_to_database_role")
        if g["database_role_name"] in references
    ]


def _schema_of(grant: dict) -> str | None:
    """The schema a privilege grant is scoped to (None for database/account grants)."""
    if "on_schema" in grant:
        return grant["on_schema"]["schema_name"]
    on_object = grant.get("on_schema_object", {})
    if "object_name" in on_object:
        return on_object["object_name"].rsplit(".", 1)[0]
    scoped = next((v for k, v in on_object.items() if k in ("all", "future")), None)
    return scoped["in_schema"] if scoped else None


# ------------------------------------------------------------------ the table
@pytest.mark.parametrize("env", ENVS)
def test_feedback_table_is_declared_in_observability_with_the_toolkits_columns(stacks, env):
    stack, config = stacks[env], ENVIRONMENTS[env]
    table = one(stack, "snowflake_table", name=TABLE)
    assert referenced(stack, table["schema"])["name"] == "OBSERVABILITY"
    assert referenced(stack, table["database"])["name"] == config.database
    declared = [(c["name"], c["type"], c["nullable"]) for c in table["column"]]
    expected = _toolkit_columns()
    assert len(expected) == 8
    assert declared == expected
    # the app's INSERT names existing columns and fills every NOT NULL one
    inserted = _app_insert_columns()
    assert set(inserted) <= {name for name, _, _ in declared}
    assert {name for name, _, nullable in declared if not nullable} <= set(inserted)


# ------------------------------------------------------------------ the app role
@pytest.mark.parametrize("env", ENVS)
def test_app_role_inserts_into_the_feedback_table_and_writes_nothing_else(stacks, env):
    stack, config = stacks[env], ENVIRONMENTS[env]
    app = config.role("app")
    grants = _grants_to_account_role(stack, app)
    writes = [g for g in grants if set(g["privileges"]) & WRITE_PRIVILEGES]
    # two tables, INSERT only: the assistant's feedback and the Campaign Simulator's
    # experiment assignments (streamlit/c360_app/experiment_queries.py)
    assert all(g["privileges"] == ["INSERT"] for g in writes), writes
    assert sorted(g["on_schema_object"]["object_name"] for g in writes) == sorted(
        [_table_fq(config), f'"{config.database}"."GOLD"."CAMPAIGN_ASSIGNMENTS"']
    )
    (insert,) = [g for g in writes if g["on_schema_object"]["object_name"] == _table_fq(config)]
    # granted only once the table exists
    table_ref = reference_to(stack, "snowflake_table", name=TABLE).removeprefix("${")
    assert table_ref in insert["depends_on"]

    # creating things: only the Streamlit app, in PLATFORM
    creates = {
        (p, _schema_of(g)) for g in grants for p in g["privileges"] if p.startswith("CREATE")
    }
    assert creates == {("CREATE STREAMLIT", f'"{config.database}"."PLATFORM"')}

    # through access roles: read only, GOLD and OBSERVABILITY (which is how it could read
    # the feedback rows back: SELECT on all and future OBSERVABILITY tables)
    database_roles = database_roles_of(stack, app)
    assert {referenced(stack, r)["name"] for r in database_roles} == {
        "GOLD_READ",
        "OBSERVABILITY_READ",
    }
    inherited = _grants_to_database_roles(stack, database_roles)
    privileges = {p for g in inherited for p in g["privileges"]}
    assert "SELECT" in privileges
    assert not privileges & WRITE_PRIVILEGES
    assert not any(p.startswith("CREATE") for p in privileges)
    observability_selects = {
        next(k for k in ("all", "future") if k in g["on_schema_object"])
        for g in inherited
        if _schema_of(g) == f'"{config.database}"."OBSERVABILITY"'
        and "SELECT" in g["privileges"]
        and "on_schema_object" in g
        and next(iter(g["on_schema_object"].values()))["object_type_plural"] == "TABLES"
    }
    assert observability_selects == {"all", "future"}

    # and no other functional role's privileges through role inheritance
    app_ref = reference_to(stack, "snowflake_account_role", name=app) + ".name}"
    assert not [
        g
        for g in resources(stack, "snowflake_grant_account_role")
        if g.get("parent_role_name") == app_ref
    ]


# ------------------------------------------------------------------ nobody else
@pytest.mark.parametrize("env", ENVS)
def test_the_feedback_table_is_granted_to_the_app_role_alone(stacks, env):
    """Of all grant resources, only the app's INSERT names the table, and that is the
    stack's only grant on a single table: no other role gained a privilege on it."""
    stack, config = stacks[env], ENVIRONMENTS[env]
    table_ref = reference_to(stack, "snowflake_table", name=TABLE).removeprefix("${")
    mentions = []
    for resource_type, by_id in stack["resource"].items():
        if not resource_type.startswith("snowflake_grant"):
            continue
        for logical_id, resource in by_id.items():
            text = json.dumps(resource)
            if TABLE in text or table_ref in text:
                mentions.append((resource_type, logical_id))
    assert len(mentions) == 1, mentions
    ((resource_type, logical_id),) = mentions
    assert resource_type == "snowflake_grant_privileges_to_account_role"
    grant = stack["resource"][resource_type][logical_id]
    app_ref = reference_to(stack, "snowflake_account_role", name=config.role("app")) + ".name}"
    assert grant["account_role_name"] == app_ref

    table_grants = [
        g
        for kind in (
            "snowflake_grant_privileges_to_account_role",
            "snowflake_grant_privileges_to_database_role",
        )
        for g in resources(stack, kind)
        if g.get("on_schema_object", {}).get("object_type") == "TABLE"
        and g["on_schema_object"]["object_name"] == _table_fq(config)
    ]
    assert table_grants == [grant]


@pytest.mark.parametrize("env", ENVS)
def test_analyst_cannot_see_or_write_the_feedback_table(stacks, env):
    stack, config = stacks[env], ENVIRONMENTS[env]
    analyst = config.role("analyst")
    database_roles = database_roles_of(stack, analyst)
    schemas = {_schema_of(g) for g in _grants_to_database_roles(stack, database_roles)}
    schemas |= {_schema_of(g) for g in _grants_to_account_role(stack, analyst)}
    assert f'"{config.database}"."OBSERVABILITY"' not in schemas
    assert f'"{config.database}"."GOLD"' in schemas
