"""The bronze layer's tables: raw, validated-on-load copies of the landing files.

Bronze keeps every row that passed the load, typed, with its lineage columns
(``_batch_id``, ``_source_file``, ``_loaded_at``). Rows that fail validation go to
``bronze.rejected_rows`` with a reason; ``observability.load_batches`` records, per
batch, that loaded + rejected = input.
"""

from __future__ import annotations

LINEAGE_COLUMNS = """
    _batch_id varchar not null,
    _source_file varchar not null,
    _loaded_at timestamp not null
"""

BRONZE_DDL = {
    "raw_merchant_categories": f"""
        create table if not exists bronze.raw_merchant_categories (
            merchant_category_id varchar not null,
            category_name varchar not null,
            category_group varchar not null,
            mcc_code varchar,
            is_discretionary boolean not null,
            is_necessity boolean not null,
            is_travel boolean not null,
            {LINEAGE_COLUMNS}
        )""",
    "raw_customers": f"""
        create table if not exists bronze.raw_customers (
            customer_id varchar not null,
            first_name varchar not null,
            last_name varchar not null,
            email varchar not null,
            phone varchar,
            date_of_birth date not null,
            street_address varchar,
            city varchar not null,
            state varchar not null,
            zip_code varchar,
            employment_status varchar,
            annual_income decimal(12, 2),
            card_type varchar not null,
            credit_limit decimal(12, 2) not null,
            account_open_date date not null,
            snapshot_date date not null,
            {LINEAGE_COLUMNS}
        )""",
    "raw_transactions": f"""
        create table if not exists bronze.raw_transactions (
            transaction_id bigint not null,
            customer_id varchar not null,
            transaction_ts timestamp not null,
            amount decimal(12, 2) not null,
            merchant_category_id varchar not null,
            channel varchar not null,
            status varchar not null,
            {LINEAGE_COLUMNS}
        )""",
    "rejected_rows": """
        create table if not exists bronze.rejected_rows (
            source varchar not null,
            batch_id varchar not null,
            record varchar not null,
            reason varchar not null,
            rejected_at timestamp not null,
            _source_file varchar
        )""",
}

# Snowflake's raw landing tables: every landed value as text, as it arrived, with where it
# came from (stage, file, row) and when the COPY scanned it — the columns of Snowflake's
# staged-file metadata (METADATA$FILENAME, METADATA$FILE_ROW_NUMBER, METADATA$START_SCAN_TIME;
# https://docs.snowflake.com/en/user-guide/querying-metadata). The load procedure turns them
# into the typed bronze tables above with the rules of toolkit.pipeline.validation. The
# local loader reads the landing files directly and never creates these.
LANDING_LINEAGE = """
    _stage varchar not null,
    _source_file varchar not null,
    _file_row bigint not null,
    _scanned_at timestamptz not null
"""


def _landing_ddl(table: str, columns: tuple[str, ...]) -> str:
    text = "".join(f"    {column} varchar,\n" for column in columns)
    return f"create table if not exists bronze.{table} (\n{text}{LANDING_LINEAGE})"


def landing_ddl() -> dict[str, str]:
    """Landing table name -> DDL (text columns of each source, then the file lineage)."""
    from toolkit.pipeline.validation import CUSTOMERS, TRANSACTIONS

    return {
        "landing_transactions": _landing_ddl("landing_transactions", TRANSACTIONS.columns),
        "landing_customers": _landing_ddl("landing_customers", CUSTOMERS.columns),
        "landing_merchant_categories": _landing_ddl(
            "landing_merchant_categories", MERCHANT_CATEGORY_COLUMNS
        ),
        "landing_manifest": _landing_ddl("landing_manifest", ("fingerprint",)),
    }


MERCHANT_CATEGORY_COLUMNS = (
    "merchant_category_id",
    "category_name",
    "category_group",
    "mcc_code",
    "is_discretionary",
    "is_necessity",
    "is_travel",
)
