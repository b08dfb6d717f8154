"""The history stats read their approved transactions three times; on DuckDB that CTE is
inlined (`as not materialized`, macros/inline_cte.sql), not stored. DuckDB materializes a
CTE referenced more than once unless told otherwise (the WITH clause's CTE materialization,
https://duckdb.org/docs/stable/sql/query_syntax/with), which for a CTE over the fact means
millions of rows spilled under the build's memory limit (72 against 21 CPU-s at 222K
customers). Snowflake has no such hint: its SQL must not carry it (tests in
test_snowflake_compile.py check its compiled SQL)."""

from __future__ import annotations

import re

import duckdb

from toolkit.pipeline.dbt_runner import dbt_paths

TWICE = (
    "with picked as {hint} (select range as n from range(10)) "
    "select count(*) from picked as a join picked as b on a.n = b.n"
)


def _plan(sql: str) -> str:
    con = duckdb.connect()
    try:
        return con.execute(f"explain {sql}").fetchall()[0][1]
    finally:
        con.close()


def test_duckdb_stores_a_cte_read_twice_unless_told_not_to():
    # the behaviour the macro exists for: without the hint the plan has a CTE node, with it
    # none (if DuckDB stops materializing by default, the first assertion says so)
    assert "CTE" in _plan(TWICE.format(hint=""))
    assert "CTE" not in _plan(TWICE.format(hint="not materialized"))


def test_the_history_stats_inline_their_approved_rows_on_duckdb(built_db):
    target, _ = dbt_paths(built_db)
    compiled = next(target.rglob("compiled/**/int_customer_history_stats.sql")).read_text()
    assert "approved as not materialized (" in compiled
    # ...and DuckDB's plan for it then stores only the small per-customer medians, where
    # the same SQL without the hint stores the approved rows
    body = "\n".join(line for line in compiled.splitlines() if not line.lstrip().startswith("--"))
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        hinted, plain = (
            con.execute(f"explain {sql}").fetchall()[0][1]
            for sql in (body, body.replace("approved as not materialized (", "approved as ("))
        )
    finally:
        con.close()
    stored = re.compile(r"CTE Name:[\s│]*approved")
    assert stored.search(plain) and not stored.search(hinted)
    assert re.search(r"CTE Name:[\s│]*medians", hinted)
