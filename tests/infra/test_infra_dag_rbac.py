"""The tasks DAG equals the toolkit's DAG; RBAC is as designed; dev and prod never collide."""

from __future__ import annotations

import json
import re

import pytest
import sqlglot
from sqlglot import exp
from stack_json import database_roles_of, dependencies, one, provider_role, resources

from toolkit.config import CLOUD_ENVIRONMENTS, ENVIRONMENTS
from toolkit.pipeline.dag import PIPELINE

ENVS = list(CLOUD_ENVIRONMENTS)
ROOT, FINALIZER, INCREMENTAL = (
    "C360_PIPELINE_ROOT",
    "C360_PIPELINE_FINALIZER",
    "C360_INCREMENTAL_TRANSACTIONS",
)


def _tasks(stack) -> dict[str, dict]:
    return {t["name"]: t for t in resources(stack, "snowflake_task")}


def _short(fq_name: str) -> str:
    return fq_name.rsplit(".", 1)[-1].strip('"')


def _step_of(task_name: str) -> str:
    return task_name.removeprefix("C360_").lower()


# ------------------------------------------------------------------ DAG
@pytest.mark.parametrize("env", ENVS)
def test_dag_edges_equal_the_toolkits_pipeline(stacks, env):
    tasks = _tasks(stacks[env])
    step_tasks = {
        name: t for name, t in tasks.items() if name not in (ROOT, FINALIZER, INCREMENTAL)
    }
    # environments that do not generate synthetic data have no generate task (issue 12)
    config = ENVIRONMENTS[env]
    steps = [s for s in PIPELINE if s.name != "generate" or config.generates_synthetic_data]
    names = {s.name for s in steps}
    assert {_step_of(name) for name in step_tasks} == names
    edges = {
        (_step_of(_short(before)), _step_of(name))
        for name, task in step_tasks.items()
        for before in task.get("after", [])
        if _short(before) != ROOT
    }
    assert edges == {(before, s.name) for s in steps for before in s.after if before in names}
    roots = {
        _step_of(n) for n, t in step_tasks.items() if [_short(a) for a in t["after"]] == [ROOT]
    }
    assert roots == {s.name for s in steps if not [b for b in s.after if b in names]}


@pytest.mark.parametrize("env", ENVS)
def test_one_scheduled_root_a_finalizer_and_one_owner_role(stacks, env):
    stack, config = stacks[env], ENVIRONMENTS[env]
    tasks = _tasks(stack)
    scheduled = [n for n, t in tasks.items() if "schedule" in t]
    assert scheduled == [ROOT]
    assert (
        tasks[ROOT]["schedule"]["using_cron"]
        == f"{config.schedule_cron} {config.schedule_timezone}"
    )
    assert _short(tasks[FINALIZER]["finalize"]) == ROOT
    assert "after" not in tasks[FINALIZER]
    assert "C360_RECORD_PIPELINE_RUN" in tasks[FINALIZER]["sql_statement"]
    assert {provider_role(stack, t) for t in tasks.values()} == {config.role("pipeline")}
    assert all(t["started"] is True for t in tasks.values())


@pytest.mark.parametrize("env", ENVS)
def test_task_bodies_call_the_steps_procedure_or_execute_the_dbt_project(stacks, env):
    config = ENVIRONMENTS[env]
    tasks = _tasks(stacks[env])
    for step in PIPELINE:
        if step.name == "generate" and not config.generates_synthetic_data:
            assert "C360_GENERATE" not in tasks  # prod's files come from the processor
            continue
        body = tasks[f"C360_{step.name.upper()}"]["sql_statement"]
        if step.snowflake_procedure:
            assert body == f'CALL "{config.database}"."PLATFORM"."{step.snowflake_procedure}"()'
        else:
            assert f'EXECUTE DBT PROJECT "{config.database}"."PLATFORM"."C360_DBT"' in body
            assert f"ARGS = '{step.dbt_args} --target {config.dbt_target}'" in body
            assert "MASKING" not in body  # masking follows the data by tag (#13)


@pytest.mark.parametrize("env", ENVS)
def test_stream_on_bronze_transactions_triggers_the_incremental_task(stacks, env):
    stack, config = stacks[env], ENVIRONMENTS[env]
    stream = one(stack, "snowflake_stream_on_table")
    task = _tasks(stack)[INCREMENTAL]
    assert "schedule" not in task and "after" not in task
    assert task["when"] == (
        f'SYSTEM$STREAM_HAS_DATA(\'"{config.database}"."BRONZE"."{stream["name"]}"\')'
    )
    assert "C360_LOAD" in task["sql_statement"]  # validates the piped files (issue 12)
    # dbt runs only in the DAG (one serialised path; tests/infra/test_infra_dbt_project.py)
    assert "EXECUTE DBT PROJECT" not in task["sql_statement"]


# ------------------------------------------------------------------ RBAC
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


def _role_ref(stack, resource_type, name_attr, value) -> str:
    for logical_id, res in stack["resource"][resource_type].items():
        if res[name_attr] == value:
            return logical_id
    raise AssertionError(f"no {resource_type} {value}")


def _db_role_name(stack, ref: str) -> str:
    logical_id = re.match(r"\$\{snowflake_database_role\.([^.]+)\.", ref).group(1)
    return stack["resource"]["snowflake_database_role"][logical_id]["name"]


@pytest.mark.parametrize("env", ENVS)
def test_functional_roles_roll_up_to_the_envs_deployer(stacks, env):
    """Issue 13: to the environment's deployer (the bootstrap grants it to SYSADMIN)."""
    stack, config = stacks[env], ENVIRONMENTS[env]
    roles = {r["name"] for r in resources(stack, "snowflake_account_role")}
    roles_ = ("loader", "transformer", "analyst", "app", "pipeline", "viewer")
    expected = {config.role(r) for r in roles_}
    assert roles == expected
    to_deployer = [
        g
        for g in resources(stack, "snowflake_grant_account_role")
        if g.get("parent_role_name") == config.role("deployer")
    ]
    assert len(to_deployer) == len(expected)


@pytest.mark.parametrize("env", ENVS)
def test_access_roles_have_current_and_future_grants(stacks, env):
    stack = stacks[env]
    grants = resources(stack, "snowflake_grant_privileges_to_database_role")
    for schema in ("BRONZE", "SILVER", "GOLD", "OBSERVABILITY"):
        read_grants = [
            g
            for g in grants
            if _db_role_name(stack, g["database_role_name"]) == f"{schema}_READ"
            and "on_schema_object" in g
        ]
        kinds = {
            next(iter(k for k in ("all", "future") if k in g["on_schema_object"]))
            for g in read_grants
        }
        assert kinds == {"all", "future"}, schema
        assert all("SELECT" in g["privileges"] for g in read_grants)


@pytest.mark.parametrize("env", ENVS)
def test_analyst_reads_gold_and_can_write_nothing(stacks, env):
    stack, config = stacks[env], ENVIRONMENTS[env]
    analyst = config.role("analyst")
    analyst_id = _role_ref(stack, "snowflake_account_role", "name", analyst)
    database_roles = database_roles_of(stack, analyst)
    assert {_db_role_name(stack, r) for r in database_roles} == {"GOLD_READ"}

    privileges = set()
    for g in resources(stack, "snowflake_grant_privileges_to_database_role"):
        if g["database_role_name"] in database_roles:
            privileges |= set(g["privileges"])
            schema = g.get("on_schema", {}).get("schema_name") or next(
                iter(g.get("on_schema_object", {}).values()), {}
            ).get("in_schema")
            assert schema in (None, f'"{config.database}"."GOLD"')
    for g in resources(stack, "snowflake_grant_privileges_to_account_role"):
        if g["account_role_name"] == f"${{snowflake_account_role.{analyst_id}.name}}":
            privileges |= set(g["privileges"])
    assert privileges, "the analyst has no privileges at all"
    assert not privileges & WRITE_PRIVILEGES
    assert not any(p.startswith("CREATE") for p in privileges)
    inherited = [
        g
        for g in resources(stack, "snowflake_grant_account_role")
        if g.get("parent_role_name") == f"${{snowflake_account_role.{analyst_id}.name}}"
    ]
    assert inherited == []


@pytest.mark.parametrize("env", ENVS)
def test_nothing_is_owned_by_or_run_as_accountadmin(stacks, env):
    stack = stacks[env]
    assert "ACCOUNTADMIN" not in json.dumps(stack).upper()
    roles = {p["role"] for p in stack["provider"]["snowflake"]}
    assert roles == {
        ENVIRONMENTS[env].role("deployer"),
        ENVIRONMENTS[env].role("pipeline"),
        ENVIRONMENTS[env].role("app"),
    }
    for provider in stack["provider"]["snowflake"]:
        assert not {"password", "private_key", "token"} & set(provider), "credentials in code"


# ------------------------------------------------------------- isolation
def _names(stack) -> set[str]:
    names = {stack["terraform"]["backend"]["s3"]["key"]}
    for resource_type in (
        "aws_s3_bucket",
        "aws_iam_role",
        "aws_kms_alias",
        "snowflake_database",
        "snowflake_warehouse",
        "snowflake_account_role",
        "snowflake_storage_integration_aws",
        "snowflake_api_integration_git_repository_token",
    ):
        for res in resources(stack, resource_type):
            names.add(res.get("bucket") or res.get("name"))
    for res in resources(stack, "snowflake_warehouse"):
        names.add(res["resource_monitor"])
    return names


def test_dev_and_prod_never_share_a_name_bucket_state_key_or_role(stacks):
    dev, prod = _names(stacks["dev"]), _names(stacks["prod"])
    assert len(dev) >= 15
    assert dev.isdisjoint(prod), dev & prod


# ------------------------------------------------------- creation order
def _granted_privileges(stack, resource) -> set[str]:
    privileges = set()
    for resource_type, config in dependencies(stack, resource):
        if resource_type == "snowflake_grant_privileges_to_account_role":
            privileges |= set(config["privileges"])
    return privileges


@pytest.mark.parametrize("env", ENVS)
def test_objects_owned_by_functional_roles_wait_for_their_grants(stacks, env):
    """Objects created *as* the pipeline or app role depend on the grants that allow it."""
    stack, config = stacks[env], ENVIRONMENTS[env]
    dbt = next(e for e in resources(stack, "snowflake_execute") if "DBT PROJECT" in e["execute"])
    # EXECUTE TASK is a global privilege the bootstrap grants (tests/infra/test_deployer_isolation.py)
    assert {"READ", "CREATE TASK", "USAGE"} <= _granted_privileges(stack, dbt)
    for procedure in resources(stack, "snowflake_procedure_python"):
        assert {"READ", "CREATE PROCEDURE"} <= _granted_privileges(stack, procedure)
    root = _tasks(stack)[ROOT]
    assert {"CREATE TASK"} <= _granted_privileges(stack, root)
    app = one(stack, "snowflake_streamlit")
    assert {"CREATE STREAMLIT", "READ", "USAGE"} <= _granted_privileges(stack, app)
    role_grants = [c for t, c in dependencies(stack, app) if t == "snowflake_grant_account_role"]
    assert any(g.get("parent_role_name") == config.role("deployer") for g in role_grants)
    assert provider_role(stack, dbt) == config.role("pipeline")


@pytest.mark.parametrize("env", ENVS)
def test_generated_sql_parses_as_snowflake(stacks, env):
    """Task bodies and masking policy bodies are valid Snowflake SQL (sqlglot)."""
    stack = stacks[env]
    for task in resources(stack, "snowflake_task"):
        body = task["sql_statement"]
        if body.startswith("EXECUTE IMMEDIATE $$"):
            inner = body.removeprefix("EXECUTE IMMEDIATE $$\nBEGIN\n").removesuffix("END;\n$$")
            statements = [s.strip() for s in inner.split(";\n") if s.strip()]
            assert len(statements) >= 1
            for statement in statements:
                parsed = sqlglot.parse_one(statement, read="snowflake")
                # EXECUTE DBT PROJECT has no sqlglot grammar: it parses as a command
                if statement.startswith("EXECUTE DBT PROJECT"):
                    assert isinstance(parsed, exp.Command)
                else:
                    assert statement.startswith("CALL ") and parsed is not None
        else:
            assert sqlglot.parse_one(body, read="snowflake") is not None
    for policy in resources(stack, "snowflake_masking_policy"):
        select = sqlglot.parse_one(f"SELECT {policy['body']} FROM t", read="snowflake")
        assert isinstance(select.selects[0], exp.Case)
