"""The committed C360_LOAD procedure is the rendering of the declared rules, and parses."""

from __future__ import annotations

import sqlglot

from toolkit.pipeline import ingestion_sql, validation


def test_committed_procedure_is_the_current_rendering():
    # regenerate with `python -m toolkit.pipeline.ingestion_sql`
    assert ingestion_sql.PROCEDURE_FILE.read_text() == ingestion_sql.procedure_sql()


def test_every_statement_parses_as_snowflake_and_carries_every_reason():
    for statement in (*ingestion_sql.copy_statements(), *ingestion_sql.transactional_statements()):
        assert sqlglot.parse_one(statement, read="snowflake") is not None
    body = ingestion_sql.procedure_sql()
    for check in validation.CHECKS:
        assert f"'{check.reason}'" in body
    # "If any of the arguments is a NULL, the function returns NULL"
    # (https://docs.snowflake.com/en/sql-reference/functions/concat_ws): reasons must not use it
    assert "concat_ws" not in body.lower()
