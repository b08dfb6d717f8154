"""The Snowflake target, proven without an account: every model, snapshot and data test
compiles through the real dbt-snowflake adapter, and the compiled SQL parses with
sqlglot's ``snowflake`` dialect. Introspection is answered offline (see
snowflake_offline.py): once as a brand-new environment (no relation exists yet), once
as an environment where every model and the scoring tables exist (so the incremental
branch of fct_transactions and the real-table branch of optional_relation compile too).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlglot
from sqlglot.errors import ParseError

from tests.dbt.snowflake_offline import offline_snowflake
from toolkit.pipeline.dbt_runner import DBT_PROJECT_DIR

SCORING_TABLES = ("churn_predictions", "customer_clv")


def _existing_relations():
    """Every dbt model/snapshot name plus the Python-written scoring tables, per schema."""
    from dbt.adapters.snowflake.relation import SnowflakeRelation

    names = [p.stem for p in (DBT_PROJECT_DIR / "models").rglob("*.sql")]
    names += [p.stem for p in (DBT_PROJECT_DIR / "snapshots").rglob("*.sql")]
    names += list(SCORING_TABLES)

    def list_relations(self, schema_relation, *args, **kwargs):
        # SHOW OBJECTS answers with upper-cased names (unquoted identifiers)
        return [
            SnowflakeRelation.create(
                database=schema_relation.database.upper(),
                schema=schema_relation.schema.upper(),
                identifier=name.upper(),
                type="table",
            )
            for name in names
        ]

    return list_relations


def _compile(tmp_path: Path, *, warehouse_has_tables: bool) -> tuple[dict, list[str]]:
    from unittest import mock

    from dbt.adapters.snowflake.impl import SnowflakeAdapter
    from dbt.cli.main import dbtRunner

    target_path = tmp_path / "target"
    with offline_snowflake(tmp_path / "profiles") as sent:
        patches = []
        if warehouse_has_tables:
            patches.append(
                mock.patch.object(
                    SnowflakeAdapter, "list_relations_without_caching", _existing_relations()
                )
            )
        for patch in patches:
            patch.start()
        try:
            result = dbtRunner().invoke(
                [
                    "compile",
                    "--project-dir",
                    str(DBT_PROJECT_DIR),
                    "--profiles-dir",
                    str(tmp_path / "profiles"),
                    "--target",
                    "dev",
                    "--target-path",
                    str(target_path),
                    "--log-path",
                    str(tmp_path / "logs"),
                    "--select",
                    "resource_type:model",
                    "resource_type:snapshot",
                    "resource_type:test",
                    "--quiet",
                ]
            )
        finally:
            for patch in patches:
                patch.stop()
    assert result.success, f"dbt compile for snowflake failed: {result.exception}"
    manifest = json.loads((target_path / "manifest.json").read_text())
    compiled = {
        uid: node["compiled_code"]
        for uid, node in manifest["nodes"].items()
        if node.get("compiled_code") is not None
    }
    return compiled, sent


@pytest.fixture(scope="module")
def compiled_new_env(tmp_path_factory):
    return _compile(tmp_path_factory.mktemp("sf_new"), warehouse_has_tables=False)


@pytest.fixture(scope="module")
def compiled_built_env(tmp_path_factory):
    return _compile(tmp_path_factory.mktemp("sf_built"), warehouse_has_tables=True)


def _parse_failures(compiled: dict) -> dict:
    failures = {}
    for uid, code in compiled.items():
        try:
            statements = sqlglot.parse(code, read="snowflake")
            if not [s for s in statements if s is not None]:
                failures[uid] = "no statement"
        except ParseError as exc:
            failures[uid] = str(exc).splitlines()[0]
    return failures


def test_every_model_snapshot_and_test_compiles_for_snowflake(compiled_new_env):
    compiled, sent = compiled_new_env
    kinds = {uid.split(".")[0] for uid in compiled}
    assert {"model", "snapshot", "test"} <= kinds
    models_on_disk = {p.stem for p in (DBT_PROJECT_DIR / "models").rglob("*.sql")}
    compiled_models = {uid.split(".")[-1] for uid in compiled if uid.startswith("model.")}
    assert compiled_models == models_on_disk
    # compiling needed no query at all: nothing here depends on a live account
    assert sent == []


@pytest.mark.parametrize("environment", ["compiled_new_env", "compiled_built_env"])
def test_compiled_sql_parses_as_snowflake(environment, request):
    compiled, _ = request.getfixturevalue(environment)
    assert _parse_failures(compiled) == {}


def test_snowflake_sql_uses_snowflake_dispatch_not_duckdb(compiled_new_env):
    compiled, _ = compiled_new_env
    dim_date = compiled["model.c360.dim_date"]
    assert "generator(rowcount" in dim_date and "generate_series" not in dim_date
    assert "dayofweekiso" in dim_date
    # sources resolve to the environment's database
    assert "C360_DEV.bronze.raw_transactions" in compiled["model.c360.base_bronze__transactions"]
    assert "C360_DEV.silver.base_bronze__transactions" in compiled["model.c360.stg_transactions"]
    for uid, code in compiled.items():
        assert "isodow" not in code, uid
        # DuckDB's CTE hint (macros/inline_cte.sql): Snowflake's WITH has no such clause
        # (https://docs.snowflake.com/en/sql-reference/constructs/with)
        assert "materialized" not in code, uid
    assert re.search(r"approved as\s+\(", compiled["model.c360.int_customer_history_stats"])


def test_new_environment_falls_back_to_empty_scoring_relations(compiled_new_env):
    compiled, _ = compiled_new_env
    profile = compiled["model.c360.customer_360_profile"]
    assert "gold.churn_predictions" not in profile
    assert profile.count("where 1 = 0") == 2
    assert "watermark" not in compiled["model.c360.fct_transactions"]


def test_built_environment_reads_scoring_tables_and_compiles_the_incremental_branch(
    compiled_built_env,
):
    compiled, _ = compiled_built_env
    profile = compiled["model.c360.customer_360_profile"]
    assert "C360_DEV.gold.churn_predictions" in profile
    assert "C360_DEV.gold.customer_clv" in profile
    fct = compiled["model.c360.fct_transactions"]
    assert "built_batches" in fct and "C360_DEV.gold.fct_transactions" in fct


INCREMENTAL_AGGREGATES = (
    "int_customer_daily_spend",
    "int_customer_monthly_spend",
    "int_customer_history_stats",
)
# every model downstream of the aggregates: none of them may read the fact itself
DERIVED_FROM_AGGREGATES = (
    "int_customer_activity_windowed",
    "customer_segments",
    "metric_customer_ltv",
    "metric_avg_transaction_value",
    "metric_mom_spend_change",
    "customer_360_profile",
)


def test_snowflake_runs_the_same_incremental_aggregates(compiled_new_env, compiled_built_env):
    """In a built environment each aggregate compiles its incremental branch against its
    own table (its watermark) and bronze's earlier versions of re-sent transactions; in a
    new one the full branch. The marts read the aggregates, never the fact, on Snowflake
    too (the same models the tasks DAG runs with EXECUTE DBT PROJECT)."""
    new, _ = compiled_new_env
    built, _ = compiled_built_env
    for name in INCREMENTAL_AGGREGATES:
        incremental = built[f"model.c360.{name}"]
        assert f"from C360_DEV.silver.{name}" in incremental, name
        assert "C360_DEV.bronze.raw_transactions as earlier" in incremental, name
        assert "touched as (" in incremental, name
        assert "touched as (" not in new[f"model.c360.{name}"], name
    for name in DERIVED_FROM_AGGREGATES:
        for environment in (new, built):
            assert "fct_transactions" not in environment[f"model.c360.{name}"], name


def test_the_aggregates_strategy_is_one_dbt_snowflake_runs():
    """The aggregates replace touched keys with delete+insert (DuckDB 1.5's MERGE took
    ~11 s of CPU to update 21K of 50K rows; delete+insert 0.1 s). dbt-snowflake runs that
    strategy too: SnowflakeAdapter.valid_incremental_strategies in dbt-snowflake 1.11
    (dbt/adapters/snowflake/impl.py) lists it, and its incremental materialization
    (dbt/include/snowflake/macros/materializations/incremental.sql) builds it; see
    https://docs.getdbt.com/docs/build/incremental-strategy (supported strategies by
    adapter)."""
    from dbt.adapters.snowflake.impl import SnowflakeAdapter

    assert "delete+insert" in SnowflakeAdapter.valid_incremental_strategies(None)
    for name in INCREMENTAL_AGGREGATES:
        model = (DBT_PROJECT_DIR / "models" / "intermediate" / f"{name}.sql").read_text()
        assert "incremental_strategy='delete+insert'" in model, name


def test_month_over_month_post_hook_is_snowflake_sql():
    """dbt renders hooks only when it runs the model, so they are not in the compiled SQL
    above: metric_mom_spend_change's post-hook (months before a moved first month) is
    rendered here with the Snowflake relation names and parsed as a Snowflake DELETE with a
    (key, key) in (subquery) condition - the shape dbt-snowflake's own delete+insert runs
    (default__get_delete_insert_merge_sql in dbt-adapters' global_project
    macros/materializations/models/incremental/merge.sql)."""
    import re

    import jinja2

    source = DBT_PROJECT_DIR / "models" / "marts" / "customer" / "metric_mom_spend_change.sql"
    (hook,) = re.findall(r'post_hook="(.*?)",\n', source.read_text(), flags=re.S)
    rendered = (
        jinja2.Environment()
        .from_string(hook)
        .render(
            this="C360_DEV.gold.metric_mom_spend_change",
            ref=lambda name: f"C360_DEV.gold.{name}",
            dbt={"date_trunc": lambda part, column: f"date_trunc('{part}', {column})"},
        )
    )
    (statement,) = sqlglot.parse(rendered, read="snowflake")
    assert isinstance(statement, sqlglot.exp.Delete)
    condition = statement.args["where"].this
    assert isinstance(condition, sqlglot.exp.In) and isinstance(condition.this, sqlglot.exp.Tuple)
    assert statement.this.sql("snowflake") == "C360_DEV.gold.metric_mom_spend_change"


def test_the_duckdb_only_pre_hook_renders_to_nothing_that_snowflake_runs():
    """int_customer_history_stats stages its touched customers in a temporary table by a
    pre-hook on DuckDB only (macros/changed_transactions.sql, stage_touched_customers); on
    Snowflake the hook renders empty and dbt skips it: run_hooks in dbt's global project
    (dbt/include/global_project/macros/materializations/hooks.sql, which dbt-snowflake does
    not override) runs a hook only when its rendered SQL is not empty."""
    import dbt.include.global_project as global_project
    import dbt.include.snowflake as snowflake_project

    hooks = Path(global_project.__file__).parent / "macros" / "materializations" / "hooks.sql"
    assert "{% if (rendered | length) > 0 %}" in hooks.read_text()
    snowflake_macros = Path(snowflake_project.__file__).parent.rglob("*.sql")
    assert not any("macro run_hooks" in p.read_text() for p in snowflake_macros)
    macro = (DBT_PROJECT_DIR / "macros" / "changed_transactions.sql").read_text()
    body = macro.split("{% macro stage_touched_customers() -%}")[1].split("{%- endmacro %}")[0]
    assert body.strip().startswith("{%- if is_incremental() and target.type == 'duckdb' -%}")
    assert body.strip().endswith("{%- endif -%}")
