"""Columns of the toolkit's DDL as Terraform table columns (one definition of bronze).

The toolkit declares bronze and observability tables once (``toolkit.pipeline.bronze``,
``toolkit.pipeline.observability``); the stack needs some of them to exist before the pipeline
first runs (the pipe and stream target ``RAW_TRANSACTIONS``, masking attaches to
``RAW_CUSTOMERS``, the finalizer writes ``PIPELINE_RUNS``, the app inserts into
``ASSISTANT_FEEDBACK``), so it parses that DDL with
sqlglot and emits the same columns in Snowflake types.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool


def columns_of(ddl: str) -> list[Column]:
    """The columns of one ``create table`` statement, typed for Snowflake."""
    create = sqlglot.parse_one(ddl, read="duckdb")
    schema = create.this
    if not isinstance(create, exp.Create) or not isinstance(schema, exp.Schema):
        raise ValueError("expected a CREATE TABLE statement with a column list")
    columns = []
    for column in schema.expressions:
        if not isinstance(column, exp.ColumnDef):
            continue
        not_null = any(
            isinstance(constraint.kind, exp.NotNullColumnConstraint)
            and not constraint.kind.args.get("allow_null")
            for constraint in column.constraints
        )
        columns.append(
            Column(
                name=column.name.upper(),
                type=column.args["kind"].sql(dialect="snowflake"),
                nullable=not not_null,
            )
        )
    return columns
