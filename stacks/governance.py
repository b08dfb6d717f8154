"""Governance: tag-based PII masking that follows the data, and who may see it in clear.

One tag, ``PLATFORM.PII``, whose value names the kind of personal data in a column (name,
email, phone, birth_date, address, zip, income, age, record). The tag carries one masking
policy per data type (Snowflake "tag-based masking policies": a tag supports one masking
policy per data type, and every column carrying the tag is masked by the policy of its
type — https://docs.snowflake.com/en/user-guide/tag-based-masking-policies). The policy
reads the column's tag value with ``SYSTEM$GET_TAG_ON_CURRENT_COLUMN`` to choose the mask.

Continuous coverage: the tag is set on the bronze columns the stack owns (tables that dbt
never replaces) and is declared ``PROPAGATE = ON_DEPENDENCY_AND_DATA_MOVEMENT``, so Snowflake
itself copies it to every view built on those columns (silver) and to every table whose
columns are created from them (gold CTAS, INSERT, MERGE) as part of the statement that
creates them (https://docs.snowflake.com/en/user-guide/object-tagging/propagation). No
later step attaches anything: a build, or a failed build, never leaves a copy untagged,
and a column derived from two differently tagged ones gets the value ``CONFLICT``, which
the policies mask completely. (This replaces the former post-build
``C360_APPLY_PII_MASKING`` call.)

Entitlement is explicit: ``Environment.pii_readers`` (toolkit/config.py) lists the
functional roles that see clear values, compared with ``CURRENT_ROLE()`` so that
inheriting such a role (the deployer inherits every functional role) does not unmask.
The app, the analyst and app viewers are not on the list: they see masked values.
"""

from __future__ import annotations

from cdktn import TerraformProvider
from cdktn_provider_snowflake.execute import Execute
from cdktn_provider_snowflake.masking_policy import MaskingPolicy, MaskingPolicyArgument
from cdktn_provider_snowflake.row_access_policy import RowAccessPolicy, RowAccessPolicyArgument
from cdktn_provider_snowflake.tag import Tag
from cdktn_provider_snowflake.tag_association import TagAssociation
from constructs import Construct

from stacks.ingestion import FEEDBACK_TABLE
from stacks.naming import PLATFORM_SCHEMA, Names
from stacks.pii import PII_KINDS, PII_SOURCE_COLUMNS, PII_TAG

FEEDBACK_POLICY = "FEEDBACK_READERS"

# One policy per data type the PII columns have (Snowflake types; the tag-based policy of a
# type masks every tagged column of that type).
# NUMBER carries a scale so an entitled reader's decimals (income is NUMBER(12,2)) survive
# the policy's argument type; a masked value is cut to the column's own scale anyway
# (https://docs.snowflake.com/en/release-notes/bcr-bundles/2024_04/bcr-1355).
POLICY_TYPES = {"STRING": "VARCHAR", "DATE": "DATE", "NUMBER": "NUMBER(38, 6)", "FLOAT": "FLOAT"}


def policy_name(kind: str) -> str:
    return f"MASK_PII_{kind}"


def tag_fq(names: Names) -> str:
    return f"{names.database}.{PLATFORM_SCHEMA}.{PII_TAG}"


def _mask(policy: str, tag: str) -> str:
    kind = f"SYSTEM$GET_TAG_ON_CURRENT_COLUMN('{tag}')"
    if policy == "STRING":
        return (
            f"CASE {kind} WHEN 'email' THEN REGEXP_REPLACE(val, '^[^@]+', '*****') "
            f"WHEN 'phone' THEN CONCAT('***-***-', RIGHT(val, 4)) ELSE '*****' END"
        )
    if policy == "NUMBER":
        # An age (tagged, or a number derived from a birth date) in whole decades keeps
        # age-band analysis; income and anything else: nothing.
        return f"CASE WHEN {kind} IN ('age', 'birth_date') THEN FLOOR(val / 10) * 10 ELSE NULL END"
    return "NULL"


def policy_body(policy: str, clear_roles: list[str], tag: str) -> str:
    readers = ", ".join(f"'{role}'" for role in clear_roles)
    return (
        f"CASE WHEN CURRENT_ROLE() IN ({readers}) THEN val "
        f"WHEN val IS NULL THEN NULL ELSE {_mask(policy, tag)} END"
    )


def pii_readers(names: Names) -> list[str]:
    return [names.role(functional) for functional in names.env.pii_readers]


class Governance(Construct):
    """Exposes ``tag``, ``policies`` (type → MaskingPolicy) and ``associations`` (kind → ...)."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        names: Names,
        database: str,
        schemas: dict,
        tables: dict,
        provider: TerraformProvider,
    ):
        super().__init__(scope, id_)
        # Propagation needs the tag owner to hold account-level APPLY TAG; setting masking
        # policies on a tag needs APPLY MASKING POLICY (docs: object-tagging/propagation,
        # "Only the tag owner with the account-level APPLY TAG privilege…"; tag-based masking
        # policies, "Privileges"). The tag's owner is the environment's deployer; granting a
        # global privilege needs MANAGE GRANTS, which no deployer holds (issue 13), so
        # sql/setup/account_admin_bootstrap.sql grants both to it.
        clear_roles = pii_readers(names)
        tag_name = tag_fq(names)
        self.policies: dict[str, MaskingPolicy] = {}
        for policy, data_type in POLICY_TYPES.items():
            self.policies[policy] = MaskingPolicy(
                self,
                f"mask_pii_{policy.lower()}",
                provider=provider,
                database=database,
                schema=schemas[PLATFORM_SCHEMA].name,
                name=policy_name(policy),
                argument=[MaskingPolicyArgument(name="val", type=data_type)],
                return_data_type=data_type,
                body=policy_body(policy, clear_roles, tag_name),
                comment=f"PII ({data_type}) in clear only for {', '.join(clear_roles)}",
            )
        self.tag = Tag(
            self,
            "pii_tag",
            provider=provider,
            database=database,
            schema=schemas[PLATFORM_SCHEMA].name,
            name=PII_TAG,
            ordered_allowed_values=list(PII_KINDS),
            propagate="ON_DEPENDENCY_AND_DATA_MOVEMENT",
            masking_policies=[p.fully_qualified_name for p in self.policies.values()],
            comment="Kind of personal data in a column; masks it for every role not entitled",
        )
        # One association per tag value (provider: tag id, value and object type must be
        # unique across tag_association resources — docs/resources/tag_association.md).
        by_kind: dict[str, list[str]] = {}
        for table, columns in PII_SOURCE_COLUMNS.items():
            for column, kind in columns.items():
                by_kind.setdefault(kind, []).append(
                    f'{tables[table].fully_qualified_name}."{column}"'
                )
        self.associations: dict[str, TagAssociation] = {
            kind: TagAssociation(
                self,
                f"pii_{kind}",
                provider=provider,
                object_type="COLUMN",
                object_identifiers=identifiers,
                tag_id=self.tag.fully_qualified_name,
                tag_value=kind,
            )
            for kind, identifiers in sorted(by_kind.items())
        }

    def restrict_feedback(
        self, *, names: Names, database: str, schemas: dict, table, provider: TerraformProvider
    ) -> RowAccessPolicy:
        """Every user's assistant questions are readable by the platform team only.

        In Snowflake every viewer's feedback is written by the app's own role (owner's
        rights), so "its author's role" is the app role, which is exactly the reader the
        review objected to: the app keeps INSERT, and reads no rows back. Provider v2.20.0
        has no row-access-policy attachment resource (docs/resources/row_access_policy.md
        only manages the policy), so it is attached with ALTER TABLE … ADD ROW ACCESS POLICY
        (https://docs.snowflake.com/en/sql-reference/sql/alter-table, "rowAccessPolicyAction").
        """
        readers = " OR ".join(
            f"IS_ROLE_IN_SESSION('{names.role(functional)}')"
            for functional in names.env.platform_team
        )
        policy = RowAccessPolicy(
            self,
            "feedback_readers",
            provider=provider,
            database=database,
            schema=schemas[PLATFORM_SCHEMA].name,
            name=FEEDBACK_POLICY,
            argument=[RowAccessPolicyArgument(name="rating", type="VARCHAR")],
            body=readers,
            comment="assistant feedback: the platform team reads it, nobody else",
        )
        table_fq = f'"{names.database}"."OBSERVABILITY"."{FEEDBACK_TABLE.upper()}"'
        policy_fq = f'"{names.database}"."{PLATFORM_SCHEMA}"."{FEEDBACK_POLICY}"'
        Execute(
            self,
            "feedback_row_access",
            provider=provider,
            execute=f"ALTER TABLE {table_fq} ADD ROW ACCESS POLICY {policy_fq} ON (RATING)",
            revert=f"ALTER TABLE {table_fq} DROP ROW ACCESS POLICY {policy_fq}",
            depends_on=[policy, table],
        )
        return policy
