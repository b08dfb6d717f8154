"""The personal-data catalogue: which columns hold PII, of which kind (no CDK import).

Read by ``stacks.governance`` (the tag, its policies and the tag associations) and by
``toolkit.cloud.smoke`` (after a deploy, every such column in bronze, silver and gold must
carry the tag), so both agree on one list.
"""

from __future__ import annotations

PII_TAG = "PII"
# Tag value per kind of personal data. Order matters only for ON_CONFLICT sequences.
PII_KINDS = ("name", "email", "phone", "birth_date", "address", "zip", "income", "age", "record")
_CUSTOMER_PII = {
    "FIRST_NAME": "name",
    "LAST_NAME": "name",
    "EMAIL": "email",
    "PHONE": "phone",
    "DATE_OF_BIRTH": "birth_date",
    "STREET_ADDRESS": "address",
    "CITY": "address",
    "ZIP_CODE": "zip",
    "ANNUAL_INCOME": "income",
}
# Source columns (bronze, owned by the stack) → kind. STATE stays clear: a coarse region
# every segment and assistant question filters by, not an address on its own.
PII_SOURCE_COLUMNS = {
    "raw_customers": _CUSTOMER_PII,
    "landing_customers": _CUSTOMER_PII,  # the raw text copy of every customer file
    "rejected_rows": {"RECORD": "record"},  # a rejected row, kept whole as JSON text
}
# Physical columns the propagated tag reaches in silver/gold (asserted by the tests against
# the dbt models: every PII column there derives from a tagged source column).
DERIVED_PII_COLUMNS = {"FULL_NAME": "name", "AGE": "age"}


def personal_column_names() -> frozenset[str]:
    """Every column name that holds personal data wherever it appears (bronze to gold)."""
    names = {column for columns in PII_SOURCE_COLUMNS.values() for column in columns}
    return frozenset(names | set(DERIVED_PII_COLUMNS))
