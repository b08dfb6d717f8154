"""Tables in the ``observability`` schema shared by every step.

Each owner writes its own rows; the DDL lives here so every writer and reader
agrees on the columns (docs/CONTRACT.md names the required ones).
"""

from __future__ import annotations

import duckdb

OBSERVABILITY_DDL = {
    "pipeline_runs": """
        create table if not exists observability.pipeline_runs (
            run_id varchar not null,
            env varchar not null,
            step varchar not null,
            status varchar not null,          -- running | succeeded | failed | skipped
            started_at timestamp not null,
            finished_at timestamp,
            rows_in bigint,
            rows_out bigint,
            error varchar
        )""",
    "load_batches": """
        create table if not exists observability.load_batches (
            source varchar not null,
            batch_id varchar not null,
            source_file varchar not null,
            rows_in bigint not null,
            rows_loaded bigint not null,
            rows_rejected bigint not null,
            loaded_at timestamp not null
        )""",
    # which generated portfolio (seed, scale) this database holds: the load refuses another
    "landing_source": """
        create table if not exists observability.landing_source (
            fingerprint varchar not null,
            first_loaded_at timestamp not null
        )""",
    "data_quality_results": """
        create table if not exists observability.data_quality_results (
            run_id varchar,
            checked_at timestamp not null,
            layer varchar,
            node_name varchar not null,
            check_type varchar not null,      -- dbt test | model | load
            status varchar not null,
            failures bigint,
            rows_affected bigint,
            execution_seconds double,
            message varchar,
            node_id varchar,                  -- dbt unique_id (dbt rows)
            invocation_id varchar,            -- dbt invocation (dbt rows)
            target varchar                    -- dbt target: local | dev | prod
        )""",
    "layer_record_counts": """
        create table if not exists observability.layer_record_counts (
            run_id varchar,
            counted_at timestamp not null,
            layer varchar not null,
            table_name varchar not null,
            row_count bigint not null
        )""",
    "model_metrics": """
        create table if not exists observability.model_metrics (
            model_version varchar not null,
            metric varchar not null,
            value double,
            trained_at timestamp not null,
            split varchar,
            promoted boolean
        )""",
    # What a successful plain `c360 build` saw (bronze, scored tables, dbt project): the
    # next plain build skips dbt when nothing differs (written by toolkit.pipeline.dbt_runner).
    "dbt_build_watermarks": """
        create table if not exists observability.dbt_build_watermarks (
            built_at timestamp not null,
            invocation_id varchar,
            target varchar not null,
            fingerprint varchar not null,     -- JSON of the inputs' counts/watermarks/hashes
            bronze_max_loaded_at timestamp,
            bronze_transactions bigint
        )""",
    # Thumbs up/down on the app's AI Assistant answers (written by the app's role).
    "assistant_feedback": """
        create table if not exists observability.assistant_feedback (
            feedback_id varchar not null,
            session_id varchar,
            question varchar not null,
            generated_sql varchar,
            rating varchar not null,          -- up | down
            answer varchar,
            backend varchar not null,         -- duckdb | snowflake
            recorded_at timestamp not null
        )""",
}


# The registry's second half: where each table lives. Every table above (and every bronze
# table) is declared by the cdktf stacks in Snowflake (``stacks.tables.declared_tables``)
# except these, which only the local DuckDB engine writes — with the reason why.
# tests/infra/test_infra_table_registry.py fails when Snowflake-side code writes a table
# the stacks do not declare, so a new table must either stay local here or be declared.
LOCAL_ONLY_TABLES = {
    "data_quality_results": "rows come from the local dbt runner's run_results.json; "
    "Snowflake keeps dbt results in the dbt project's execution history",
    "dbt_build_watermarks": "the local dbt runner's skip-if-unchanged fingerprint",
}


def ensure_observability_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists observability")
    for ddl in OBSERVABILITY_DDL.values():
        con.execute(ddl)
