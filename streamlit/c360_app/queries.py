"""Every query the app sends, as plain functions of a :class:`DataSource` and their inputs.

Rules kept here so the tabs need not think about them:

- user input is bound with ``?``; the only text assembled at run time is a fixed number
  of ``?`` placeholders or a column name picked from a whitelist;
- aggregates are computed in SQL and lists are paginated, so no screen pulls more rows
  than it shows (the CSV exports are the one deliberate exception, fetched on request);
- the SQL runs unchanged on DuckDB and Snowflake.

The tabs call these through the cached wrappers in :mod:`c360_app.loaders`; the
benchmark calls them directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

PROFILE = "gold.customer_360_profile"

PROFILE_LIST_COLUMNS = (
    "customer_id",
    "full_name",
    "state",
    "card_type",
    "customer_segment",
    "lifetime_value",
    "spend_last_90_days",
    "churn_probability",
    "churn_risk_category",
    "credit_limit",
    "days_since_last_transaction",
)

# What a user may sort the customer table by: label → column (the whitelist).
SORTABLE_COLUMNS: dict[str, str] = {
    "Lifetime value": "lifetime_value",
    "90-day spend": "spend_last_90_days",
    "Churn probability": "churn_probability",
    "Credit limit": "credit_limit",
    "Days since last transaction": "days_since_last_transaction",
    "Customer ID": "customer_id",
    "Name": "full_name",
}


@dataclass(frozen=True)
class ProfileFilter:
    """A filter on ``customer_360_profile``. Empty tuples and ``None`` bounds mean "any"."""

    segments: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    card_types: tuple[str, ...] = ()
    risk_categories: tuple[str, ...] = ()
    ltv_min: float | None = None
    ltv_max: float | None = None
    credit_limit_min: float | None = None
    credit_limit_max: float | None = None
    min_churn_probability: float | None = None

    @classmethod
    def from_audience(cls, audience) -> ProfileFilter:
        """The filter for a campaign's :class:`toolkit.campaign.AudienceFilter`."""
        return cls(
            segments=tuple(audience.segments),
            risk_categories=tuple(audience.risk_categories),
            card_types=tuple(audience.card_types),
            ltv_min=audience.min_lifetime_value,
            min_churn_probability=audience.min_churn_probability,
        )

    def where(self, alias: str = "") -> tuple[str, list[Any]]:
        """``where …`` text with ``?`` placeholders, and the values to bind."""
        prefix = f"{alias}." if alias else ""
        clauses: list[str] = []
        params: list[Any] = []
        for column, values in (
            ("customer_segment", self.segments),
            ("state", self.states),
            ("card_type", self.card_types),
            ("churn_risk_category", self.risk_categories),
        ):
            if values:
                clauses.append(f"{prefix}{column} in ({', '.join('?' * len(values))})")
                params.extend(values)
        for column, low, high in (
            ("lifetime_value", self.ltv_min, self.ltv_max),
            ("credit_limit", self.credit_limit_min, self.credit_limit_max),
            ("churn_probability", self.min_churn_probability, None),
        ):
            if low is not None:
                clauses.append(f"{prefix}{column} >= ?")
                params.append(float(low))
            if high is not None:
                clauses.append(f"{prefix}{column} <= ?")
                params.append(float(high))
        return ("where " + " and ".join(clauses) if clauses else ""), params


def _one_row(frame: pd.DataFrame) -> dict[str, Any]:
    return frame.iloc[0].to_dict() if len(frame) else {}


# --- sidebar and filter options ------------------------------------------------------------


def data_status(source) -> dict[str, Any]:
    """As-of date, portfolio size and the churn model behind the scores."""
    row = _one_row(
        source.query(
            f"""
            select
                (select max(as_of_date) from gold.customer_segments) as as_of_date,
                (select count(*) from {PROFILE}) as customers,
                (select max(model_version) from gold.churn_predictions) as model_version,
                (select max(scored_at) from gold.churn_predictions) as scored_at
            """  # noqa: S608 - constant table name, no input
        )
    )
    return row


def filter_options(source) -> dict[str, Any]:
    states = source.query(
        f"select distinct state from {PROFILE} where state is not null order by state"  # noqa: S608
    )["state"].tolist()
    bounds = _one_row(
        source.query(
            f"""
            select min(lifetime_value) as ltv_min, max(lifetime_value) as ltv_max,
                   min(credit_limit) as credit_limit_min, max(credit_limit) as credit_limit_max
            from {PROFILE}
            """  # noqa: S608 - constant table name, no input
        )
    )
    return {"states": states, **bounds}


# --- Segment Explorer ----------------------------------------------------------------------


def segment_kpis(source, flt: ProfileFilter) -> dict[str, Any]:
    where, params = flt.where()
    return _one_row(
        source.query(
            f"""
            select count(*) as customers,
                   sum(lifetime_value) as total_ltv,
                   avg(lifetime_value) as avg_ltv,
                   avg(churn_probability) as avg_churn_probability,
                   sum(spend_last_90_days) as spend_90d
            from {PROFILE} {where}
            """,  # noqa: S608 - placeholders only
            params,
        )
    )


def segment_distribution(source, flt: ProfileFilter) -> pd.DataFrame:
    where, params = flt.where()
    return source.query(
        f"""
        select customer_segment, count(*) as customers, sum(lifetime_value) as total_ltv,
               avg(churn_probability) as avg_churn_probability
        from {PROFILE} {where}
        group by customer_segment
        order by customers desc
        """,  # noqa: S608 - placeholders only
        params,
    )


def ltv_box_stats(source, flt: ProfileFilter) -> pd.DataFrame:
    """Five-number summary of lifetime value per segment, computed in the database."""
    where, params = flt.where()
    return source.query(
        f"""
        select customer_segment,
               min(lifetime_value) as ltv_min,
               percentile_cont(0.25) within group (order by cast(lifetime_value as double)) as ltv_q1,
               percentile_cont(0.5) within group (order by cast(lifetime_value as double)) as ltv_median,
               percentile_cont(0.75) within group (order by cast(lifetime_value as double)) as ltv_q3,
               max(lifetime_value) as ltv_max
        from {PROFILE} {where}
        group by customer_segment
        order by customer_segment
        """,  # noqa: S608 - placeholders only
        params,
    )


def churn_histogram(source, flt: ProfileFilter) -> pd.DataFrame:
    """Customers per 5-point churn-probability bin (20 bins)."""
    where, params = flt.where()
    frame = source.query(
        f"""
        select least(floor(churn_probability * 20), 19) as bin, count(*) as customers
        from {PROFILE} {where}
        group by 1
        order by 1
        """,  # noqa: S608 - placeholders only
        params,
    )
    frame = frame.dropna(subset=["bin"])
    frame["bin_start"] = frame["bin"].astype(float) / 20
    frame["bin_end"] = frame["bin_start"] + 0.05
    return frame


def mom_trend(source, flt: ProfileFilter) -> pd.DataFrame:
    """Monthly approved spend of the filtered customers and its month-over-month change."""
    where, params = flt.where()
    # Unfiltered, the monthly table alone answers; filtered, a semi-join on the profile.
    customers = f"where customer_id in (select customer_id from {PROFILE} {where})" if where else ""  # noqa: S608
    frame = source.query(
        f"""
        select month, sum(spend) as spend,
               sum(case when spend > 0 then 1 else 0 end) as active_customers
        from gold.metric_mom_spend_change
        {customers}
        group by month
        order by month
        """,  # noqa: S608 - placeholders only
        params,
    )
    frame["month"] = pd.to_datetime(frame["month"])
    frame["mom_change_pct"] = frame["spend"].astype(float).pct_change() * 100
    return frame


def customer_page(
    source,
    flt: ProfileFilter,
    *,
    sort_by: str = "lifetime_value",
    descending: bool = True,
    limit: int = 25,
    offset: int = 0,
) -> pd.DataFrame:
    if sort_by not in SORTABLE_COLUMNS.values():
        raise ValueError(f"cannot sort by {sort_by!r}")
    direction = "desc" if descending else "asc"
    where, params = flt.where()
    columns = ", ".join(PROFILE_LIST_COLUMNS)
    return source.query(
        f"""
        select {columns}
        from {PROFILE} {where}
        order by {sort_by} {direction} nulls last, customer_id
        limit ? offset ?
        """,  # noqa: S608 - whitelisted column, placeholders only
        [*params, int(limit), int(offset)],
    )


def customer_export(source, flt: ProfileFilter) -> pd.DataFrame:
    """Every filtered customer, for the CSV export (fetched only when asked for)."""
    where, params = flt.where()
    return source.query(
        f"""
        select customer_id, full_name, email, state, city, age, card_type, credit_limit,
               customer_segment, lifetime_value, projected_12m_ltv, avg_transaction_value,
               spend_last_90_days, spend_prior_90_days, mom_spend_change_pct,
               transaction_count, last_transaction_date, days_since_last_transaction,
               churn_probability, churn_risk_score, churn_risk_category
        from {PROFILE} {where}
        order by lifetime_value desc nulls last, customer_id
        """,  # noqa: S608 - placeholders only
        params,
    )


# --- Customer 360 --------------------------------------------------------------------------


CUSTOMER_ID_LIKE = re.compile(r"[Cc]?\d{2,6}")
FULL_CUSTOMER_ID = re.compile(r"[Cc]\d{6}")
SEARCH_COLUMNS = ("customer_id", "full_name", "email")


def search_customers(source, term: str, *, limit: int = 10) -> pd.DataFrame:
    """Suggestions for a partial, case-insensitive id, name or email; exact id first.

    ``contains`` (in DuckDB and Snowflake alike) matches the term literally, so ``%``,
    ``_`` and quotes in it are just characters — and it is faster than ``ilike``.
    """
    term = term.strip()
    if not term:
        return pd.DataFrame(columns=list(SEARCH_COLUMNS))
    columns = ", ".join(SEARCH_COLUMNS)
    if FULL_CUSTOMER_ID.fullmatch(term):
        # Ids have a fixed width, so a whole id can only be contained in itself.
        return source.query(
            f"select {columns} from {PROFILE} where customer_id = ? limit ?",  # noqa: S608
            [term.upper(), int(limit)],
        )
    if CUSTOMER_ID_LIKE.fullmatch(term):
        # An id (or a run of its digits): one column to scan, exact match first.
        return source.query(
            f"""
            select {columns}
            from {PROFILE}
            where contains(customer_id, ?)
            order by case when customer_id = ? then 0 else 1 end, customer_id
            limit ?
            """,  # noqa: S608 - constant names, placeholders only
            [term.upper(), term.upper(), int(limit)],
        )
    needle = term.lower()
    # Ids are "C" + digits: a term without a digit can only match a name or an email.
    id_clause = "contains(customer_id, upper(?)) or " if any(ch.isdigit() for ch in term) else ""
    params = [needle] if id_clause else []
    return source.query(
        f"""
        select {columns}
        from {PROFILE}
        where {id_clause}contains(lower(full_name), ?) or contains(lower(email), ?)
        order by case when customer_id = upper(?) then 0 else 1 end, full_name, customer_id
        limit ?
        """,  # noqa: S608 - constant names and a constant clause, placeholders only
        [*params, needle, needle, needle, int(limit)],
    )


def customers_to_watch(source, *, limit: int = 6) -> pd.DataFrame:
    """The most valuable customers at high risk: value at stake = churn probability × LTV."""
    return source.query(
        f"""
        select customer_id, full_name, customer_segment, churn_probability, lifetime_value
        from {PROFILE}
        where churn_risk_category = 'High Risk'
        order by churn_probability * lifetime_value desc, customer_id
        limit ?
        """,  # noqa: S608 - constant table name, placeholders only
        [int(limit)],
    )


# Only what the profile card and metrics show: `select *` costs ~5x more on a wide table.
PROFILE_CARD_COLUMNS = (
    "customer_id",
    "full_name",
    "email",
    "state",
    "city",
    "age",
    "card_type",
    "credit_limit",
    "account_open_date",
    "customer_segment",
    "lifetime_value",
    "projected_12m_ltv",
    "avg_transaction_value",
    "spend_last_90_days",
    "spend_prior_90_days",
    "mom_spend_change_pct",
    "days_since_last_transaction",
    "churn_risk_category",
)


def customer_profile(source, customer_id: str) -> dict[str, Any]:
    columns = ", ".join(PROFILE_CARD_COLUMNS)
    return _one_row(
        source.query(f"select {columns} from {PROFILE} where customer_id = ?", [customer_id])  # noqa: S608
    )


def customer_monthly_spend(source, customer_id: str) -> pd.DataFrame:
    frame = source.query(
        """
        select month, spend, previous_month_spend, mom_spend_change_pct
        from gold.metric_mom_spend_change
        where customer_id = ?
        order by month
        """,
        [customer_id],
    )
    frame["month"] = pd.to_datetime(frame["month"])
    frame["moving_avg_3m"] = frame["spend"].astype(float).rolling(3, min_periods=1).mean()
    return frame


# A customer has a few hundred transactions over 18 months; the cap only guards the screen.
MAX_CUSTOMER_TRANSACTIONS = 5_000


def customer_transactions(source, customer_id: str) -> pd.DataFrame:
    """All of one customer's transactions (the history table, category mix and filters)."""
    frame = source.query(
        """
        select f.transaction_id, f.transaction_ts, f.transaction_date, f.amount,
               c.category_name, c.category_group, f.channel, f.status
        from gold.fct_transactions f
        left join gold.dim_merchant_category c
               on c.merchant_category_key = f.merchant_category_key
        where f.customer_id = ?
        order by f.transaction_ts desc
        limit ?
        """,
        [customer_id, MAX_CUSTOMER_TRANSACTIONS],
    )
    frame["transaction_date"] = pd.to_datetime(frame["transaction_date"]).dt.date
    return frame


def customer_card_history(source, customer_id: str) -> pd.DataFrame:
    return source.query(
        """
        select card_type, credit_limit, valid_from, valid_to, is_current
        from gold.dim_customer
        where customer_id = ?
        order by valid_from
        """,
        [customer_id],
    )


def customer_churn(source, customer_id: str) -> dict[str, Any]:
    return _one_row(
        source.query(
            """
            select churn_probability, churn_risk_score, churn_risk_category,
                   top_risk_factors, model_version, scored_at
            from gold.churn_predictions
            where customer_id = ?
            """,
            [customer_id],
        )
    )


# --- Campaign Simulator --------------------------------------------------------------------


def audience_summary(source, flt: ProfileFilter) -> dict[str, Any]:
    """The sums :class:`toolkit.campaign.Audience` needs (monthly spend = 90-day spend / 3)."""
    where, params = flt.where()
    return _one_row(
        source.query(
            f"""
            select count(*) as customers,
                   coalesce(sum(coalesce(spend_last_90_days, 0)) / 3, 0) as monthly_spend,
                   coalesce(sum(coalesce(churn_probability, 0)
                                * coalesce(spend_last_90_days, 0)) / 3, 0) as at_risk_monthly_spend,
                   coalesce(sum(coalesce(churn_probability, 0)), 0) as expected_churners
            from {PROFILE} {where}
            """,  # noqa: S608 - placeholders only
            params,
        )
    )


def _ranked_audience(flt: ProfileFilter, coefficients) -> tuple[str, list[Any]]:
    """The audience with each customer's expected net benefit a·pS + b·S − c."""
    a, b, c = (float(x) for x in coefficients)
    where, params = flt.where()
    sql = f"""
        select customer_id, full_name, email, customer_segment, churn_risk_category,
               coalesce(churn_probability, 0) as churn_probability,
               coalesce(spend_last_90_days, 0) / 3 as monthly_spend,
               ? * coalesce(churn_probability, 0) * coalesce(spend_last_90_days, 0) / 3
                 + ? * coalesce(spend_last_90_days, 0) / 3 - ? as expected_net_benefit
        from {PROFILE} {where}
    """  # noqa: S608 - placeholders only
    return sql, [a, b, c, *params]


def target_list(
    source,
    flt: ProfileFilter,
    coefficients: tuple[float, float, float],
    *,
    limit: int | None,
    paying_only: bool = False,
) -> pd.DataFrame:
    """The audience ranked by expected net benefit (toolkit.campaign.priority_coefficients).

    ``paying_only`` keeps the customers expected to return more than they cost.
    """
    ranked, params = _ranked_audience(flt, coefficients)
    keep = "where expected_net_benefit > 0" if paying_only else ""
    limit_sql = "limit ?" if limit is not None else ""
    tail = [int(limit)] if limit is not None else []
    return source.query(
        f"""
        select customer_id, full_name, email, customer_segment, churn_risk_category,
               churn_probability, monthly_spend, expected_net_benefit
        from ({ranked}) ranked
        {keep}
        order by expected_net_benefit desc, customer_id
        {limit_sql}
        """,  # noqa: S608 - constant clauses, placeholders only
        [*params, *tail],
    )


def target_summary(source, flt: ProfileFilter, coefficients) -> dict[str, Any]:
    """How many targets are expected to pay back, and their total expected net benefit."""
    ranked, params = _ranked_audience(flt, coefficients)
    return _one_row(
        source.query(
            f"""
            select count(*) as targets,
                   sum(case when expected_net_benefit > 0 then 1 else 0 end) as paying,
                   coalesce(sum(case when expected_net_benefit > 0
                                     then expected_net_benefit else 0 end), 0) as paying_net
            from ({ranked}) ranked
            """,  # noqa: S608 - constant clauses, placeholders only
            params,
        )
    )
