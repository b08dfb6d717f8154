"""The SQL side of the churn and CLV steps: per-customer aggregates at a cut-off date.

The heavy lifting (scanning millions of transactions) stays in the warehouse: these
queries run unchanged on DuckDB locally and, transpiled by sqlglot, on Snowflake inside
a Python procedure. Each returns one small frame per customer that the pure pandas
functions in :mod:`toolkit.churn.features` and :mod:`toolkit.churn.labels` turn into
features and labels.

Queries are written in DuckDB's dialect with ``:name`` placeholders; :func:`bind`
turns them into positional ``?`` parameters (the style both DuckDB and Snowpark's
``session.sql(query, params=...)`` accept), so dates are always bound, never formatted in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pandas as pd

# A function that runs (sql, params) and returns a pandas frame: DuckDB locally,
# ``lambda sql, params: session.sql(sql, params=params).to_pandas()`` in Snowflake.
QueryRunner = Callable[[str, list], pd.DataFrame]

_PLACEHOLDER = re.compile(r"(?<![:\w]):([a-z_]+)\b")

# Merchant-category flags. gold.dim_merchant_category carries is_discretionary per the
# contract; is_travel / is_necessity come from it when dbt exposes them, else from silver.
CATEGORY_FLAGS_FROM_GOLD = """
    select merchant_category_key, is_travel, is_necessity, is_discretionary
    from gold.dim_merchant_category
"""
CATEGORY_FLAGS_FROM_SILVER = """
    select d.merchant_category_key, s.is_travel, s.is_necessity, d.is_discretionary
    from gold.dim_merchant_category as d
    inner join silver.stg_merchant_categories as s on s.category_name = d.category_name
"""

# Card attributes as they were known at the cut-off: the SCD2 version valid then *and*
# already seen by a snapshot taken on or before it. dim_customer back-dates a customer's
# first version to the account opening, but that version was read from a snapshot that
# may postdate the cut-off (snapshots are quarterly): a recent opener's card type and
# limit would then leak from the future. Such a customer is in the population (the
# account was open) with unknown card attributes. ``{known_from}`` is the date a version
# became known: the later of valid_from and the snapshot that first showed it.
CUSTOMER_AT_CUTOFF = """
    select
        customer_id,
        case when known_from <= :cutoff then card_type end as card_type,
        case when known_from <= :cutoff then credit_limit end as credit_limit,
        account_open_date
    from (
        select
            customer_id,
            card_type,
            credit_limit,
            account_open_date,
            known_from,
            row_number() over (
                partition by customer_id
                order by
                    case when known_from <= :cutoff then 0 else 1 end,
                    case when known_from <= :cutoff then valid_from end desc,
                    valid_from
            ) as version_rank
        from (
            select *, {known_from} as known_from from {customer_source}
        ) as dated
    ) as versions
    where version_rank = 1 and account_open_date <= :cutoff
"""
KNOWN_FROM_VALID_FROM = "cast(valid_from as date)"
KNOWN_FROM_FIRST_SEEN = (
    "greatest(cast(valid_from as date), "
    "coalesce(cast(first_seen_snapshot_date as date), cast(valid_from as date)))"
)
CUSTOMER_SOURCE_GOLD = "gold.dim_customer"
# When dim_customer does not carry account_open_date, take it from silver.
CUSTOMER_SOURCE_WITH_SILVER_OPEN_DATE = """(
        select d.*, o.account_open_date
        from gold.dim_customer as d
        inner join (
            select customer_id, min(account_open_date) as account_open_date
            from silver.stg_customers
            group by customer_id
        ) as o on o.customer_id = d.customer_id
    )"""

# Windows are "last N days" in the contract's sense: transaction_date in
# (cutoff − N days, cutoff]; age_days = 0 on the cut-off day itself.
#
# Money is summed as the exact DECIMAL amount and cast to double once per total: a sum of
# doubles depends on the order parallel threads combine their partial sums, so the same
# query gave totals differing in the last bits from run to run (and a Gamma-Gamma fit on
# them moved in the 6th digit). Exact sums make features and CLV reproducible.
#
# Shape, for speed at 13.5M transactions: two plain scans, each grouped by customer
# only (grouping by customer *and* day, counting distinct days or a window function
# costs several times more). Only the 180 days before the cut-off are read row by row;
# the whole history is read once more by a min/max for recency and first purchase.
FEATURE_AGGREGATES = """
with
categories as ({categories}),
recent as (
    select
        t.customer_id,
        t.transaction_date,
        t.channel,
        t.amount,
        case when t.status = 'approved' then 1 else 0 end as approved,
        case when t.status = 'declined' then 1 else 0 end as declined,
        date_diff('day', t.transaction_date, :cutoff) as age_days,
        case when c.is_travel then 1 else 0 end as travel,
        case when c.is_necessity then 1 else 0 end as necessity,
        case when c.is_discretionary then 1 else 0 end as discretionary
    from gold.fct_transactions as t
    left join categories as c on c.merchant_category_key = t.merchant_category_key
    where t.transaction_date <= :cutoff and t.transaction_date > :window_start
),
activity as (
    select
        customer_id,
        sum(case when approved = 1 and age_days < 30 then 1 else 0 end) as txn_count_30,
        sum(case when approved = 1 and age_days < 60 then 1 else 0 end) as txn_count_60,
        sum(case when approved = 1 and age_days < 90 then 1 else 0 end) as txn_count_90,
        sum(approved) as txn_count_180,
        sum(case when approved = 1 and age_days >= 30 and age_days < 60 then 1 else 0 end)
            as txn_count_prior_30,
        cast(sum(
            case when approved = 1 and age_days < 30 then amount else 0 end
        ) as double) as spend_30,
        cast(sum(
            case when approved = 1 and age_days < 60 then amount else 0 end
        ) as double) as spend_60,
        cast(sum(
            case when approved = 1 and age_days < 90 then amount else 0 end
        ) as double) as spend_90,
        cast(sum(case when approved = 1 then amount else 0 end) as double) as spend_180,
        cast(sum(
            case when approved = 1 and age_days >= 30 and age_days < 60 then amount else 0 end
        ) as double)
            as spend_prior_30,
        cast(sum(
            case when approved = 1 and age_days >= 90 then amount else 0 end
        ) as double) as spend_prior_90,
        cast(sum(
            case when approved = 1 and age_days < 90 then amount * travel else 0 end
        ) as double)
            as travel_spend_90,
        cast(sum(
            case when approved = 1 and age_days >= 90 then amount * travel else 0 end
        ) as double)
            as travel_spend_prior_90,
        cast(sum(
            case when approved = 1 and age_days < 90 then amount * necessity else 0 end
        ) as double)
            as necessity_spend_90,
        cast(sum(
            case when approved = 1 and age_days < 90 then amount * discretionary else 0 end
        ) as double)
            as discretionary_spend_90,
        cast(sum(
            case when approved = 1 and age_days < 90 and channel = 'Online' then amount else 0 end
        ) as double)
            as online_spend_90,
        cast(sum(
            case when approved = 1 and age_days < 90 and channel = 'Mobile' then amount else 0 end
        ) as double)
            as mobile_spend_90,
        cast(max(
            case when approved = 1 and age_days < 90 then amount end
        ) as double) as max_amount_90,
        sum(case when declined = 1 and age_days < 30 then 1 else 0 end) as declined_count_30,
        sum(case when declined = 1 and age_days < 90 then 1 else 0 end) as declined_count_90,
        sum(case when declined = 1 and age_days >= 90 then 1 else 0 end)
            as declined_count_prior_90,
        sum(case when age_days < 90 then 1 else 0 end) as attempts_90,
        min(case when approved = 1 then age_days end) as newest_age_180,
        max(case when approved = 1 then age_days end) as oldest_age_180,
        -- Which of the 180 days had an approved purchase, as three 60-bit masks (bit i of
        -- mask k = age_days 60k + i): gaps between active days come from these in pandas,
        -- far cheaper than a window function over millions of rows.
        bit_or(case when approved = 1 and age_days < 60
            then cast(1 as bigint) << age_days else 0 end) as active_mask_0,
        bit_or(case when approved = 1 and age_days >= 60 and age_days < 120
            then cast(1 as bigint) << (age_days - 60) else 0 end) as active_mask_1,
        bit_or(case when approved = 1 and age_days >= 120
            then cast(1 as bigint) << (age_days - 120) else 0 end) as active_mask_2
    from recent
    group by customer_id
),
lifetime as (
    select
        customer_id,
        max(transaction_date) as last_approved_date,
        min(transaction_date) as first_approved_date
    from gold.fct_transactions
    where status = 'approved' and transaction_date <= :cutoff
    group by customer_id
),
customers as ({customers})
select
    c.customer_id,
    cast(:cutoff as date) as cutoff_date,
    c.card_type,
    cast(c.credit_limit as double) as credit_limit,
    cast(c.account_open_date as date) as account_open_date,
    l.last_approved_date,
    l.first_approved_date,
    a.txn_count_30,
    a.txn_count_60,
    a.txn_count_90,
    a.txn_count_180,
    a.txn_count_prior_30,
    a.spend_30,
    a.spend_60,
    a.spend_90,
    a.spend_180,
    a.spend_prior_30,
    a.spend_prior_90,
    a.travel_spend_90,
    a.travel_spend_prior_90,
    a.necessity_spend_90,
    a.discretionary_spend_90,
    a.online_spend_90,
    a.mobile_spend_90,
    a.max_amount_90,
    a.declined_count_30,
    a.declined_count_90,
    a.declined_count_prior_90,
    a.attempts_90,
    -- mean gap between consecutive purchases = span of purchases / (purchases − 1)
    case when a.txn_count_180 > 1
        then cast(a.oldest_age_180 - a.newest_age_180 as double) / (a.txn_count_180 - 1)
    end as mean_gap_days_180,
    a.active_mask_0,
    a.active_mask_1,
    a.active_mask_2
from customers as c
left join activity as a on a.customer_id = c.customer_id
left join lifetime as l on l.customer_id = c.customer_id
order by c.customer_id
"""

# What happened after the cut-off, plus the pre-cut-off spend the label compares it to.
# Only this query looks past the cut-off, and only labels.py reads its output.
LABEL_AGGREGATES = """
select
    customer_id,
    cast(sum(
        case when after_days between 1 and :horizon_days then amount else 0 end
    ) as double) as future_spend,
    max(case when after_days between 1 and :horizon_days then transaction_date end)
        as last_future_date,
    cast(sum(
        case when after_days between -179 and 0 then amount else 0 end
    ) as double) as baseline_spend_180
from (
    select
        customer_id,
        transaction_date,
        amount,
        date_diff('day', :cutoff, transaction_date) as after_days
    from gold.fct_transactions
    where status = 'approved'
) as approved
where after_days between -179 and :horizon_days
group by customer_id
order by customer_id
"""

AS_OF_DATE = "select max(transaction_date) as as_of_date from gold.fct_transactions"

# Everyone the profile shows must get a score. On the first build the profile does not
# exist yet (it is rebuilt after scoring), so dim_customer's current rows are the base.
SCORING_POPULATION_FROM_DIM = """
select distinct customer_id from gold.dim_customer
"""
SCORING_POPULATION_WITH_PROFILE = """
select customer_id from gold.dim_customer
union
select customer_id from gold.customer_360_profile
"""

# BG/NBD / Gamma-Gamma inputs: approved purchases up to the as-of date.
CLV_SUMMARY = """
select
    customer_id,
    count(*) as purchase_count,
    min(transaction_ts) as first_purchase_ts,
    max(transaction_ts) as last_purchase_ts,
    cast(sum(amount) as double) as total_spend,
    arg_min(cast(amount as double), transaction_ts) as first_purchase_amount
from gold.fct_transactions
where status = 'approved' and transaction_date <= :as_of
group by customer_id
order by customer_id
"""

# What calibration customers actually bought in the CLV holdout period (the check in
# toolkit.clv.holdout): approved purchases after the calibration end, up to the as-of date.
CLV_HOLDOUT = """
select
    customer_id,
    count(*) as holdout_purchases,
    cast(sum(amount) as double) as holdout_spend
from gold.fct_transactions
where status = 'approved' and transaction_date > :calibration_end and transaction_date <= :as_of
group by customer_id
order by customer_id
"""


# CLV_SUMMARY at the as-of date, CLV_SUMMARY at the calibration end and CLV_HOLDOUT in one
# scan of the approved purchases instead of three (toolkit.churn.frames.split_clv_scan
# cuts it into exactly those three frames; tests/churn/test_churn_model_frames.py checks
# it). A calibration buyer's first purchase is on or before the calibration end, so the
# first purchase and its amount are the same in both summaries.
CLV_SCAN = """
select
    customer_id,
    count(*) as purchase_count,
    min(transaction_ts) as first_purchase_ts,
    max(transaction_ts) as last_purchase_ts,
    cast(sum(amount) as double) as total_spend,
    arg_min(cast(amount as double), transaction_ts) as first_purchase_amount,
    count(case when transaction_date <= :calibration_end then 1 end) as calibration_count,
    max(case when transaction_date <= :calibration_end then transaction_ts end)
        as calibration_last_ts,
    cast(sum(
        case when transaction_date <= :calibration_end then amount else 0 end
    ) as double) as calibration_spend,
    count(case when transaction_date > :calibration_end then 1 end) as holdout_purchases,
    cast(sum(
        case when transaction_date > :calibration_end then amount else 0 end
    ) as double) as holdout_spend
from gold.fct_transactions
where status = 'approved' and transaction_date <= :as_of
group by customer_id
order by customer_id
"""


def bind(sql: str, **values) -> tuple[str, list]:
    """``:name`` placeholders → ``?`` plus the matching positional parameter list."""
    params: list = []

    def _swap(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"no value bound for :{name}")
        value = values[name]
        if isinstance(value, date):
            # Bound as ISO text and cast in SQL: both engines infer the type from the cast.
            params.append(value.isoformat())
            return "cast(? as date)"
        params.append(value)
        return "?"

    return _PLACEHOLDER.sub(_swap, sql), params


def to_dialect(sql: str, dialect: str) -> str:
    """The query in ``dialect`` (``duckdb`` returns it untouched)."""
    if dialect == "duckdb":
        return sql
    import sqlglot  # only off DuckDB: the local steps skip loading the whole parser

    return sqlglot.transpile(sql, read="duckdb", write=dialect, pretty=True)[0]


def run(runner: QueryRunner, sql: str, *, dialect: str = "duckdb", **values) -> pd.DataFrame:
    """Bind, translate, run; column names come back lower-case (Snowflake upper-cases them)."""
    bound, params = bind(sql, **values)
    frame = runner(to_dialect(bound, dialect), params)
    frame.columns = [str(c).lower() for c in frame.columns]
    return frame


def feature_query(
    *, categories: str, customers: str, known_from: str = KNOWN_FROM_VALID_FROM
) -> str:
    """The feature aggregate query for the given category-flag and customer sources."""
    customer_sql = CUSTOMER_AT_CUTOFF.replace("{customer_source}", customers).replace(
        "{known_from}", known_from
    )
    return FEATURE_AGGREGATES.replace("{categories}", categories).replace(
        "{customers}", customer_sql
    )
