"""`c360 smoke dev|prod` against a fake Snowflake answering with recorded result shapes."""

from __future__ import annotations

import json

import pytest
import sqlglot
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlglot import exp

from toolkit.cloud import smoke as smoke_module
from toolkit.cloud.smoke import (
    connection_params,
    deployed_names,
    procedure_signature,
    run_checks,
    smoke,
)
from toolkit.config import ENVIRONMENTS
from toolkit.errors import C360Error
from toolkit.pipeline.dag import PIPELINE

DEV = deployed_names(ENVIRONMENTS["dev"])
PROD = deployed_names(ENVIRONMENTS["prod"])


def _by_name(results):
    return {result.name: result for result in results}


# ------------------------------------------------------------------ the happy path
def test_healthy_environment_passes_every_check(fake_snowflake, fake_http):
    lines = []
    results = smoke("dev", connection=fake_snowflake, http_get=fake_http, echo=lines.append)
    assert [r.name for r in results] == [
        "root task started",
        "procedures callable",
        "app URL reachable",
        "dbt tests green",
        "row counts in OBSERVABILITY",
        "PII columns tagged",
    ]
    assert all(r.ok for r in results), [r.line() for r in results if not r.ok]
    assert lines[0] == "c360 smoke dev (C360_DEV)"
    assert len(lines) == 7 and all(line.startswith("  ✓ ") for line in lines[1:])
    by_name = _by_name(results)
    assert (
        "C360_PIPELINE_ROOT started (USING CRON 0 6 * * * UTC)"
        in by_name["root task started"].detail
    )
    assert by_name["procedures callable"].detail == (
        "C360_GENERATE, C360_LOAD, C360_TRAIN, C360_SCORE, C360_RECORD_OBSERVABILITY"
    )
    assert by_name["dbt tests green"].detail.endswith(
        "PASS=118 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=118"
    )
    assert (
        by_name["row counts in OBSERVABILITY"].detail
        == "11 tables, 487,920 rows in the latest count"
    )
    # The app URL is the documented Snowsight form, org/account lower-case.
    assert fake_http.urls == [
        "https://app.snowflake.com/myorg/c360_platform/#/streamlit-apps/C360_DEV.PLATFORM.C360_APP"
    ]


def test_the_checks_run_dbt_tests_on_the_environments_own_target(fake_snowflake, fake_http):
    smoke("prod", connection=fake_snowflake, http_get=fake_http, echo=lambda _: None)
    executed = [sql for sql, _ in fake_snowflake.executed]
    assert (
        'EXECUTE DBT PROJECT "C360_PROD"."PLATFORM"."C360_DBT" ARGS = \'test --target prod\''
        in executed
    )
    assert 'SHOW TASKS IN SCHEMA "C360_PROD"."PLATFORM"' in executed
    assert all("C360_DEV" not in sql for sql in executed)


# --------------------------------------------------------------------- failures
def test_suspended_root_task_fails_and_names_it(fake_snowflake, fake_http, responses):
    responses.tasks[0]["state"] = "suspended"
    results = run_checks(fake_snowflake, DEV, fake_http)
    check = _by_name(results)["root task started"]
    assert not check.ok
    assert check.detail == "C360_PIPELINE_ROOT is suspended"
    # the other checks still ran and passed
    assert [r.ok for r in results].count(True) == 5


def test_suspended_child_task_and_missing_step_task_fail(fake_snowflake, fake_http, responses):
    responses.tasks = [t for t in responses.tasks if t["name"] != "C360_TRAIN"]
    next(t for t in responses.tasks if t["name"] == "C360_SCORE")["state"] = "suspended"
    check = _by_name(run_checks(fake_snowflake, DEV, fake_http))["root task started"]
    assert not check.ok
    assert "missing step task(s) C360_TRAIN" in check.detail
    assert "not started: C360_SCORE" in check.detail


def test_missing_root_task_fails(fake_snowflake, fake_http, responses):
    responses.tasks = responses.tasks[1:]
    check = _by_name(run_checks(fake_snowflake, DEV, fake_http))["root task started"]
    assert (check.ok, check.detail) == (
        False,
        'no task C360_PIPELINE_ROOT in "C360_DEV"."PLATFORM"',
    )


def test_procedure_with_wrong_handler_or_missing_fails(fake_snowflake, fake_http, responses):
    rows, described = responses.procedures
    described["C360_TRAIN"] = [
        (p, "somewhere.else" if p == "handler" else v) for p, v in described["C360_TRAIN"]
    ]
    responses.procedures = ([r for r in rows if r["name"] != "C360_SCORE"], described)
    check = _by_name(run_checks(fake_snowflake, DEV, fake_http))["procedures callable"]
    assert not check.ok
    assert "C360_TRAIN handler 'somewhere.else', expected …train_handler" in check.detail
    assert "C360_SCORE missing" in check.detail


def test_describe_procedure_uses_the_signature_from_show(fake_snowflake, fake_http):
    run_checks(fake_snowflake, DEV, fake_http)
    described = [sql for sql, _ in fake_snowflake.executed if sql.startswith("DESCRIBE")]
    assert len(described) == sum(1 for s in PIPELINE if s.snowflake_procedure)
    assert 'DESCRIBE PROCEDURE "C360_DEV"."PLATFORM"."C360_LOAD"(VARCHAR, NUMBER)' in described


@pytest.mark.parametrize(
    ("arguments", "signature"),
    [
        ("C360_TRAIN() RETURN VARCHAR", "()"),
        ("C360_TRAIN(NUMBER, VARCHAR) RETURN TABLE (A NUMBER)", "(NUMBER, VARCHAR)"),
        ("C360_GENERATE(VARCHAR [, NUMBER, FLOAT]) RETURN VARCHAR", "(VARCHAR, NUMBER, FLOAT)"),
        ("C360_LOAD(DEFAULT NUMBER) RETURN VARCHAR", "(NUMBER)"),
    ],
)
def test_procedure_signature_from_show_output(arguments, signature):
    assert procedure_signature(arguments) == signature


def test_procedure_signature_refuses_anything_but_type_names():
    with pytest.raises(C360Error, match="unexpected procedure signature"):
        procedure_signature("X(VARCHAR); DROP DATABASE C360_PROD; --) RETURN VARCHAR")


def test_app_missing_or_unreachable_fails(fake_snowflake, responses, http_factory):
    failing_http = http_factory(status_code=503)
    check = _by_name(run_checks(fake_snowflake, DEV, failing_http))["app URL reachable"]
    assert not check.ok and check.detail.endswith("answered HTTP 503")

    down = http_factory(error=ConnectionError("name resolution failed"))
    check = _by_name(run_checks(fake_snowflake, DEV, down))["app URL reachable"]
    assert not check.ok and "ConnectionError: name resolution failed" in check.detail

    responses.streamlits = []
    check = _by_name(run_checks(fake_snowflake, DEV, http_factory()))["app URL reachable"]
    assert (check.ok, check.detail) == (False, 'no Streamlit C360_APP in "C360_DEV"."PLATFORM"')


def test_failed_dbt_tests_fail_with_the_output_tail(fake_snowflake, fake_http, responses):
    responses.dbt_result = [
        0,
        "dbt command failed",
        "12:00:01  Failure in test unique_dim_customer_customer_key\n"
        "12:00:02  Done. PASS=117 WARN=0 ERROR=1 SKIP=0 NO-OP=0 TOTAL=118",
        None,
    ]
    check = _by_name(run_checks(fake_snowflake, DEV, fake_http))["dbt tests green"]
    assert (check.ok, check.detail) == (False, "dbt test failed: dbt command failed")


def test_dbt_statement_error_fails_that_check_only(fake_snowflake, fake_http, responses):
    from snowflake.connector.errors import ProgrammingError

    responses.errors["EXECUTE DBT PROJECT"] = ProgrammingError(
        msg="DBT PROJECT 'C360_DBT' does not exist or not authorized.", errno=2003
    )
    results = _by_name(run_checks(fake_snowflake, DEV, fake_http))
    assert not results["dbt tests green"].ok
    assert "does not exist or not authorized" in results["dbt tests green"].detail
    assert results["row counts in OBSERVABILITY"].ok


def test_empty_core_table_or_missing_layer_fails(fake_snowflake, fake_http, responses):
    responses.layer_counts = [row for row in responses.layer_counts if row["layer"] != "SILVER"]
    for row in responses.layer_counts:
        if row["table_name"] == "CUSTOMER_360_PROFILE":
            row["row_count"] = 0
    check = _by_name(run_checks(fake_snowflake, DEV, fake_http))["row counts in OBSERVABILITY"]
    assert not check.ok
    assert check.detail == (
        "no silver counts; silver.stg_transactions has no rows; "
        "gold.customer_360_profile has 0 rows"
    )


def test_no_pipeline_run_yet_fails(fake_snowflake, fake_http, responses):
    responses.layer_counts = []
    check = _by_name(run_checks(fake_snowflake, DEV, fake_http))["row counts in OBSERVABILITY"]
    assert not check.ok and "no pipeline run yet" in check.detail


def test_smoke_raises_one_line_error_listing_failed_checks(fake_snowflake, fake_http, responses):
    responses.tasks[0]["state"] = "suspended"
    responses.layer_counts = []
    lines = []
    with pytest.raises(C360Error) as raised:
        smoke("dev", connection=fake_snowflake, http_get=fake_http, echo=lines.append)
    assert str(raised.value) == (
        "2 of 6 smoke checks failed on dev: root task started, row counts in OBSERVABILITY"
    )
    assert sum(line.startswith("  ✗ ") for line in lines) == 2


def test_smoke_refuses_the_local_environment(fake_snowflake, fake_http):
    with pytest.raises(C360Error, match="not 'local'"):
        smoke("local", connection=fake_snowflake, http_get=fake_http)


# -------------------------------------------------------------- SQL and connection
def _smoke_statements():
    from toolkit.cloud.smoke import (
        ACCOUNT_LOCATOR_SQL,
        describe_procedure_sql,
        execute_dbt_tests_sql,
        latest_layer_counts_sql,
        pii_coverage_sql,
        show_procedures_sql,
        show_streamlits_sql,
        show_tasks_sql,
    )

    for names in (DEV, PROD):
        yield show_tasks_sql(names)
        yield show_procedures_sql(names)
        yield show_streamlits_sql(names)
        yield describe_procedure_sql(names, "C360_TRAIN", "C360_TRAIN(VARCHAR) RETURN VARCHAR")
        yield execute_dbt_tests_sql(names)
        yield latest_layer_counts_sql(names)
        yield pii_coverage_sql(names)
    yield ACCOUNT_LOCATOR_SQL


@pytest.mark.parametrize("sql", list(_smoke_statements()))
def test_every_statement_parses_with_sqlglot_snowflake(sql):
    (statement,) = sqlglot.parse(sql, read="snowflake")
    assert statement is not None
    # sqlglot models SELECT/DESCRIBE/SHOW PROCEDURES fully; the rest (SHOW TASKS,
    # EXECUTE DBT PROJECT) it keeps as a Command whose text must survive unchanged.
    if isinstance(statement, exp.Command):
        assert statement.sql(dialect="snowflake") == sql
    else:
        assert statement.sql(dialect="snowflake").replace(" (", "(") == sql.replace(" (", "(")


def test_an_untagged_personal_column_fails_and_is_named(fake_snowflake, fake_http, responses):
    """Issue 13: a personal column in silver/gold without the PII tag (propagation missed
    it) is readable in clear by every role; the deploy's smoke checks say which."""
    responses.pii_columns[-1]["pii_kind"] = None
    check = _by_name(run_checks(fake_snowflake, DEV, fake_http))["PII columns tagged"]
    assert not check.ok
    assert check.detail == "1 personal column(s) unmasked: GOLD.CUSTOMER_360_PROFILE.AGE"


def test_the_pii_query_reads_the_environments_own_catalogue():
    from stacks.pii import personal_column_names
    from toolkit.cloud.smoke import pii_coverage_sql

    select = sqlglot.parse_one(pii_coverage_sql(PROD), read="snowflake")
    tables = {(t.catalog, t.db, t.name) for t in select.find_all(exp.Table)}
    assert tables == {("C360_PROD", "INFORMATION_SCHEMA", "COLUMNS")}
    assert "SYSTEM$GET_TAG('C360_PROD.PLATFORM.PII'" in pii_coverage_sql(PROD)
    listed = {lit.name for node in select.find_all(exp.In) for lit in node.find_all(exp.Literal)}
    assert listed == personal_column_names() | {"BRONZE", "SILVER", "GOLD"}


def test_row_count_query_reads_only_the_observability_table():
    from toolkit.cloud.smoke import latest_layer_counts_sql

    select = sqlglot.parse_one(latest_layer_counts_sql(DEV), read="snowflake")
    assert isinstance(select, exp.Select)
    tables = {(t.catalog, t.db, t.name) for t in select.find_all(exp.Table)}
    assert tables == {("C360_DEV", "OBSERVABILITY", "LAYER_RECORD_COUNTS")}
    assert [c.alias_or_name for c in select.expressions] == ["layer", "table_name", "row_count"]


def _pem(passphrase: bytes | None = None) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    encryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    ).decode()


def test_connection_params_use_key_pair_auth_from_env(tmp_path):
    pem = _pem(b"s3cret")
    key_file = tmp_path / "key.p8"
    key_file.write_text(pem)
    params = connection_params(
        ENVIRONMENTS["prod"],
        {
            "SNOWFLAKE_ORGANIZATION_NAME": "MYORG",
            "SNOWFLAKE_ACCOUNT_NAME": "C360_PLATFORM",
            "SNOWFLAKE_USER": "C360_PROD_DEPLOYER",
            "SNOWFLAKE_PRIVATE_KEY_PATH": str(key_file),
            "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE": "s3cret",
            "SNOWFLAKE_ROLE": "C360_PROD_DEPLOYER",
        },
    )
    assert params["account"] == "MYORG-C360_PLATFORM"
    assert params["database"] == "C360_PROD"
    assert params["warehouse"] == "C360_PROD_TRANSFORM_WH"
    assert params["role"] == "C360_PROD_DEPLOYER"
    assert params["paramstyle"] == "qmark"
    assert "password" not in params
    # DER-encoded, unencrypted PKCS8: what the connector's key-pair auth takes
    loaded = serialization.load_der_private_key(params["private_key"], password=None)
    assert loaded.key_size == 2048


def test_the_connector_accepts_the_params_and_signs_a_key_pair_jwt():
    """Offline: every key is a connector option, and its key-pair auth signs a JWT with our key."""
    import jwt
    from snowflake.connector.auth import AuthByKeyPair
    from snowflake.connector.connection import DEFAULT_CONFIGURATION

    params = connection_params(
        ENVIRONMENTS["dev"],
        {"SNOWFLAKE_ACCOUNT": "myorg-c360", "SNOWFLAKE_USER": "c360_dev_deployer",
         "SNOWFLAKE_PRIVATE_KEY": _pem()},
    )  # fmt: skip
    assert set(params) <= set(DEFAULT_CONFIGURATION)
    auth = AuthByKeyPair(private_key=params["private_key"])
    token = auth.prepare(account=params["account"], user=params["user"])
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["sub"] == "MYORG-C360.C360_DEV_DEPLOYER"


def test_connection_params_take_the_pem_itself_and_name_what_is_missing():
    params = connection_params(
        ENVIRONMENTS["dev"],
        {"SNOWFLAKE_ACCOUNT": "myorg-c360", "SNOWFLAKE_USER": "U", "SNOWFLAKE_PRIVATE_KEY": _pem()},
    )
    assert params["account"] == "myorg-c360" and "role" not in params
    with pytest.raises(
        C360Error, match="missing Snowflake settings: SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER"
    ):
        connection_params(ENVIRONMENTS["dev"], {"SNOWFLAKE_PRIVATE_KEY": _pem()})
    with pytest.raises(C360Error, match="no Snowflake key"):
        connection_params(ENVIRONMENTS["dev"], {"SNOWFLAKE_ACCOUNT": "a", "SNOWFLAKE_USER": "u"})
    with pytest.raises(C360Error, match="does not load"):
        connection_params(
            ENVIRONMENTS["dev"],
            {"SNOWFLAKE_ACCOUNT": "a", "SNOWFLAKE_USER": "u", "SNOWFLAKE_PRIVATE_KEY": "not a key"},
        )


def test_cli_smoke_delegates_to_toolkit_smoke(monkeypatch, capsys):
    """`c360 smoke dev` reaches toolkit.cloud.smoke.smoke and turns a failure into one line."""
    from toolkit.cli import main

    calls = []

    def fake_smoke(env):
        calls.append(env)
        raise C360Error("1 of 5 smoke checks failed on dev: dbt tests green")

    monkeypatch.setattr(smoke_module, "smoke", fake_smoke)
    assert main(["smoke", "dev"]) == 1
    assert calls == ["dev"]
    assert capsys.readouterr().err.strip() == (
        "c360: error: 1 of 5 smoke checks failed on dev: dbt tests green"
    )


# ------------------------------------------------- the names match what the stacks deploy
@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    from toolkit.cloud.deploy import synth

    outdir = tmp_path_factory.mktemp("synth")
    synth(outdir=outdir)
    return {
        env: json.loads((outdir / "stacks" / env / "cdk.tf.json").read_text())
        for env in ("dev", "prod")
    }


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_smoke_and_release_names_are_the_synthesized_objects(synthesized, env):
    names = deployed_names(ENVIRONMENTS[env])
    resources = synthesized[env]["resource"]
    tasks = {task["name"]: task for task in resources["snowflake_task"].values()}
    assert names.root_task in tasks and tasks[names.root_task].get("schedule")
    assert set(names.step_tasks) <= set(tasks)
    assert all(task.get("started") is True for task in tasks.values())
    procedures = {p["name"]: p for p in resources["snowflake_procedure_python"].values()}
    sql_procedures = {p["name"] for p in resources["snowflake_procedure_sql"].values()}
    for step in PIPELINE:
        if step.snowflake_handler:  # a Python procedure running the toolkit's handler
            handler = procedures[step.snowflake_procedure]["handler"]
            assert handler.endswith(step.snowflake_handler.rsplit(".", 1)[-1])
        elif step.snowflake_procedure:  # a SQL procedure (C360_LOAD, sql/procedures/)
            assert step.snowflake_procedure in sql_procedures
    (app,) = resources["snowflake_streamlit"].values()
    assert app["name"] == names.streamlit_app
    # the release re-points exactly this ROOT_LOCATION (stage + directory) at a commit
    assert app["stage"] == names.in_platform(names.git_repository)
    (repository,) = resources["snowflake_git_repository"].values()
    assert repository["name"] == names.git_repository
    dbt = [
        e["execute"]
        for e in resources["snowflake_execute"].values()
        if "DBT PROJECT" in e["execute"]
    ]
    assert any(names.in_platform(names.dbt_project) in statement for statement in dbt)
