"""Governance: masking policies on PII (email, phone, date of birth).

One policy per PII column kind, in PLATFORM. Roles that load, transform, run the
pipeline or serve the app see clear values (the app shows a customer's contact details;
dbt must read real values to build gold); every other role, the analyst included, sees
them masked. ``IS_ROLE_IN_SESSION`` follows the role hierarchy, so SYSADMIN (which
inherits every functional role) sees clear values too, and the analyst never does.

Policies are attached to the bronze table the stack owns here; dbt rebuilds silver/gold
tables on every run, so the pipeline re-attaches them after each dbt step with
``C360_APPLY_PII_MASKING`` (``sql/procedures/apply_pii_masking.sql``).
"""

from __future__ import annotations

from cdktn import TerraformProvider
from cdktn_provider_snowflake.masking_policy import MaskingPolicy, MaskingPolicyArgument
from cdktn_provider_snowflake.table_column_masking_policy_application import (
    TableColumnMaskingPolicyApplication,
)
from constructs import Construct

from stacks.naming import PII_COLUMNS, PLATFORM_SCHEMA, Names

# roles that see PII in clear; everyone else (the analyst role in particular) is masked
CLEAR_TEXT_ROLES = ("loader", "transformer", "pipeline", "app")

_MASKED_VALUE = {
    "EMAIL": "REGEXP_REPLACE(val, '^[^@]+', '*****')",
    "PHONE": "CONCAT('***-***-', RIGHT(val, 4))",
    "DATE_OF_BIRTH": "NULL",
}


def policy_name(column: str) -> str:
    return f"MASK_{column}"


def policy_body(column: str, clear_roles: list[str]) -> str:
    checks = " OR ".join(f"IS_ROLE_IN_SESSION('{role}')" for role in clear_roles)
    return f"CASE WHEN {checks} THEN val ELSE {_MASKED_VALUE[column]} END"


class Governance(Construct):
    """Exposes ``policies`` (column → MaskingPolicy) and ``policy_names`` (column → fq name)."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        names: Names,
        database: str,
        schemas: dict,
        pii_table,
        provider: TerraformProvider,
    ):
        super().__init__(scope, id_)
        clear_roles = [names.role(role) for role in CLEAR_TEXT_ROLES]
        self.policies: dict[str, MaskingPolicy] = {}
        self.policy_names: dict[str, str] = {}
        for column, data_type in PII_COLUMNS.items():
            self.policies[column] = MaskingPolicy(
                self,
                f"mask_{column.lower()}",
                provider=provider,
                database=database,
                schema=schemas[PLATFORM_SCHEMA].name,
                name=policy_name(column),
                argument=[MaskingPolicyArgument(name="val", type=data_type)],
                return_data_type=data_type,
                body=policy_body(column, clear_roles),
                comment=f"PII: {column.lower()} in clear only for {', '.join(clear_roles)}",
            )
            self.policy_names[column] = names.in_platform(policy_name(column))
            TableColumnMaskingPolicyApplication(
                self,
                f"mask_raw_customers_{column.lower()}",
                provider=provider,
                table=pii_table.fully_qualified_name,
                column=column,
                masking_policy=self.policies[column].fully_qualified_name,
            )
