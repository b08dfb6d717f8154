"""One table registry drives DuckDB and the stacks; Snowflake never writes an undeclared table.

The registry is the toolkit's DDL (``toolkit.pipeline.bronze.BRONZE_DDL``,
``toolkit.pipeline.observability.OBSERVABILITY_DDL``) plus ``LOCAL_ONLY_TABLES``. Every
Snowflake-side writer — the Python procedures' handlers, ``sql/**/*.sql``, the SQL strings of
the synthesized stacks (tasks, pipe, procedures) and the app's feedback insert — is parsed
with sqlglot's snowflake dialect, and each table it writes must be a ``snowflake_table`` of
the stack: a procedure writing a table nobody created fails at run time (issue 11, #7:
``MODEL_METRICS`` and ``LAYER_RECORD_COUNTS`` were written but never created).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from sql_writes import (
    declared_tables,
    python_writes,
    sql_file_writes,
    stack_writes,
    writes_in,
)
from stack_json import one

from stacks import tables as stack_tables
from toolkit.config import CLOUD_ENVIRONMENTS
from toolkit.pipeline.bronze import BRONZE_DDL, landing_ddl
from toolkit.pipeline.gold_tables import GOLD_APP_DDL
from toolkit.pipeline.observability import (
    LOCAL_ONLY_TABLES,
    OBSERVABILITY_DDL,
    ensure_observability_tables,
)

ROOT = Path(__file__).resolve().parents[2]
ENVS = list(CLOUD_ENVIRONMENTS)
# Python that runs in Snowflake: the procedures' handlers and the Streamlit app's writes.
SNOWFLAKE_PYTHON = (
    ROOT / "toolkit" / "pipeline" / "snowflake_steps.py",
    ROOT / "streamlit" / "c360_app" / "data.py",
)


def snowflake_side_writes(stack: dict):
    writes = stack_writes(stack) + sql_file_writes(ROOT / "sql")
    for path in SNOWFLAKE_PYTHON:
        writes += python_writes(path)
    return writes


def undeclared(stack: dict) -> list[str]:
    """One line per write the stack cannot serve (unknown table or unreadable statement)."""
    declared = declared_tables(stack)
    return [
        f"{w.origin}: {w.problem or f'writes {w.target[0]}.{w.target[1]}, which no stack declares'}"
        for w in snowflake_side_writes(stack)
        if w.problem or w.target not in declared
    ]


@pytest.mark.parametrize("env", ENVS)
def test_every_table_snowflake_code_writes_is_declared_by_the_stack(stacks, env):
    writes = snowflake_side_writes(stacks[env])
    targets = {w.target for w in writes}
    # the scan sees the writers named in the issue (not an empty pass)
    assert {("OBSERVABILITY", "MODEL_METRICS"), ("OBSERVABILITY", "LAYER_RECORD_COUNTS")} <= targets
    assert any(w.origin.startswith("snowflake_pipe.") and w.target for w in writes)  # COPY INTO
    assert ("OBSERVABILITY", "PIPELINE_RUNS") in targets  # the finalizer's procedure
    assert undeclared(stacks[env]) == []


@pytest.mark.parametrize("env", ENVS)
def test_the_check_fails_when_a_written_table_is_not_declared(stacks, env):
    """Today's bug, replayed: drop MODEL_METRICS from the stack and the check names it."""
    stack = {**stacks[env], "resource": dict(stacks[env]["resource"])}
    stack["resource"]["snowflake_table"] = {
        k: v
        for k, v in stacks[env]["resource"]["snowflake_table"].items()
        if v["name"] != "MODEL_METRICS"
    }
    problems = set(undeclared(stack)) - set(undeclared(stacks[env]))
    assert problems and all("OBSERVABILITY.MODEL_METRICS" in p for p in problems)
    assert any("snowflake_steps.py" in p for p in problems)


def test_write_finder_reads_each_statement_kind_and_refuses_what_it_cannot_resolve():
    block = """
    BEGIN
      MERGE INTO gold.t AS t USING s ON t.id = s.id
        WHEN MATCHED THEN UPDATE SET t.v = s.v
        WHEN NOT MATCHED THEN INSERT (id, v) VALUES (s.id, s.v);
      UPDATE observability.load_batches SET rows_in = 0 WHERE batch_id = ?;
      -- INSERT INTO observability.in_a_comment is not a statement
      INSERT OVERWRITE INTO "DB"."OBSERVABILITY"."X" SELECT 1;
      COPY INTO @PLATFORM.STAGE/unload FROM (SELECT 1);
      INSERT INTO unqualified_table SELECT 1;
    END;
    """
    writes = writes_in(block, "block")
    assert [w.target for w in writes] == [
        ("GOLD", "T"),
        ("OBSERVABILITY", "LOAD_BATCHES"),
        ("OBSERVABILITY", "X"),
        None,
    ]
    assert writes[-1].problem == "target is not schema-qualified"
    assert writes_in("insert into observability.x (a values", "bad")[0].problem.startswith(
        "does not parse"
    )


def test_frame_writes_resolve_their_table_from_a_fixed_tuple(tmp_path):
    module = tmp_path / "handlers.py"
    module.write_text(
        "TABLES = ('raw_a', 'raw_b')\n"
        "def handler(session, frame, name):\n"
        "    for table in TABLES:\n"
        "        _write(session, frame, 'BRONZE', table)\n"
        "    _write(session, frame, 'GOLD', 'scores', overwrite=True)\n"
        "    _write(session, frame, 'OBSERVABILITY', name)\n"
    )
    writes = python_writes(module)
    assert sorted((w.target or ("?", "?"), w.problem) for w in writes) == [
        (("?", "?"), "table is not a literal"),  # a name it cannot resolve fails the check
        (("BRONZE", "RAW_A"), ""),
        (("BRONZE", "RAW_B"), ""),
    ]


# ------------------------------------------------------------- the registry itself
def test_every_table_is_either_declared_in_snowflake_or_local_only_with_a_reason():
    declared = stack_tables.declared_tables()
    assert set(declared) == {"BRONZE", "OBSERVABILITY", "GOLD"}
    assert set(declared["GOLD"]) == set(GOLD_APP_DDL)  # dbt builds the rest of gold
    assert set(declared["BRONZE"]) == set(BRONZE_DDL) | set(landing_ddl())
    assert set(LOCAL_ONLY_TABLES) < set(OBSERVABILITY_DDL)
    assert set(declared["OBSERVABILITY"]) == set(OBSERVABILITY_DDL) - set(LOCAL_ONLY_TABLES)
    assert all(len(reason) > 20 for reason in LOCAL_ONLY_TABLES.values())
    assert {"model_metrics", "layer_record_counts"} <= set(declared["OBSERVABILITY"])


@pytest.mark.parametrize("env", ENVS)
def test_the_stack_declares_exactly_the_registry_with_its_columns(stacks, env):
    stack = stacks[env]
    expected = {
        (schema, table.upper())
        for schema, ddl_by_table in stack_tables.declared_tables().items()
        for table in ddl_by_table
    }
    assert declared_tables(stack) == expected
    for ddl_by_table in stack_tables.declared_tables().values():
        for table, ddl in ddl_by_table.items():
            resource = one(stack, "snowflake_table", name=table.upper())
            columns = [(c["name"], c["nullable"]) for c in resource["column"]]
            assert columns == [(c.name, c.nullable) for c in stack_tables.columns_of(ddl)], table


def test_duckdb_builds_the_same_columns_from_the_same_registry():
    con = duckdb.connect()
    ensure_observability_tables(con)
    for table, ddl in OBSERVABILITY_DDL.items():
        rows = con.execute(
            "select upper(column_name), is_nullable = 'YES' from information_schema.columns "
            "where table_schema = 'observability' and table_name = ? order by ordinal_position",
            [table],
        ).fetchall()
        assert rows == [(c.name, c.nullable) for c in stack_tables.columns_of(ddl)], table
