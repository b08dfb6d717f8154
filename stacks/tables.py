"""The toolkit's table registry as Terraform table columns (one definition of each table).

The toolkit declares bronze and observability tables once (``toolkit.pipeline.bronze``,
``toolkit.pipeline.observability``: name, columns, types as DDL) and names the few that exist
only locally (``LOCAL_ONLY_TABLES``). Every other table is declared by the stack, so it exists
before any Snowflake writer runs: the pipe and stream target ``RAW_TRANSACTIONS``, masking
attaches to ``RAW_CUSTOMERS``, the procedures write ``LOAD_BATCHES``, ``MODEL_METRICS`` and
``LAYER_RECORD_COUNTS``, the finalizer ``PIPELINE_RUNS``, the app ``ASSISTANT_FEEDBACK`` and
``GOLD.CAMPAIGN_ASSIGNMENTS`` (``toolkit.pipeline.gold_tables``).
The stack parses that DDL with sqlglot and emits the same columns in Snowflake types.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from toolkit.pipeline.bronze import BRONZE_DDL, landing_ddl
from toolkit.pipeline.gold_tables import GOLD_APP_DDL
from toolkit.pipeline.observability import LOCAL_ONLY_TABLES, OBSERVABILITY_DDL


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


def declared_tables() -> dict[str, dict[str, str]]:
    """Schema (upper case) → {table (lower case) → DDL} of every table the stack declares:
    all of bronze (with the landing tables the pipe and the load procedure COPY into),
    observability except ``LOCAL_ONLY_TABLES``, and the gold tables the app writes."""
    return {
        "BRONZE": {**BRONZE_DDL, **landing_ddl()},
        "GOLD": dict(GOLD_APP_DDL),
        "OBSERVABILITY": {
            table: ddl for table, ddl in OBSERVABILITY_DDL.items() if table not in LOCAL_ONLY_TABLES
        },
    }
