"""From a query runner to the labelled frames the model trains and scores on.

Engine-neutral: ``run_query`` is DuckDB locally and Snowpark in Snowflake (see
:data:`toolkit.churn.queries.QueryRunner`); ``dialect`` picks the SQL flavour.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from toolkit.churn import queries
from toolkit.churn.features import build_features
from toolkit.churn.labels import HORIZON_DAYS, label_churn
from toolkit.churn.model import TrainingFrames
from toolkit.errors import C360Error

# The longest feature window: transactions older than this only feed recency.
FEATURE_WINDOW_DAYS = 180
# The early cut-off needs 180 days of history behind it for its baseline and windows.
MIN_HISTORY_DAYS = 2 * HORIZON_DAYS + 180


@dataclass(frozen=True)
class Sources:
    """Which tables hold the category flags and account-open dates in this warehouse."""

    categories: str = queries.CATEGORY_FLAGS_FROM_GOLD
    customers: str = queries.CUSTOMER_SOURCE_GOLD
    # when a card version became known (first_seen_snapshot_date when dim_customer has it)
    known_from: str = queries.KNOWN_FROM_VALID_FROM

    @property
    def feature_sql(self) -> str:
        return queries.feature_query(
            categories=self.categories, customers=self.customers, known_from=self.known_from
        )


def detect_sources(columns_of) -> Sources:
    """Pick query variants from ``columns_of(schema, table) -> set of column names``."""
    category_columns = columns_of("gold", "dim_merchant_category")
    customer_columns = columns_of("gold", "dim_customer")
    return Sources(
        categories=queries.CATEGORY_FLAGS_FROM_GOLD
        if {"is_travel", "is_necessity"} <= category_columns
        else queries.CATEGORY_FLAGS_FROM_SILVER,
        customers=queries.CUSTOMER_SOURCE_GOLD
        if "account_open_date" in customer_columns
        else queries.CUSTOMER_SOURCE_WITH_SILVER_OPEN_DATE,
        known_from=queries.KNOWN_FROM_FIRST_SEEN
        if "first_seen_snapshot_date" in customer_columns
        else queries.KNOWN_FROM_VALID_FROM,
    )


def as_of_date(run_query: queries.QueryRunner, dialect: str = "duckdb") -> pd.Timestamp:
    frame = queries.run(run_query, queries.AS_OF_DATE, dialect=dialect)
    value = frame["as_of_date"].iloc[0] if len(frame) else None
    if value is None or pd.isna(value):
        raise C360Error("gold.fct_transactions is empty: run `c360 build` after loading data")
    return pd.Timestamp(value).normalize()


def first_transaction_date(run_query: queries.QueryRunner, dialect: str = "duckdb"):
    sql = "select min(transaction_date) as first_date from gold.fct_transactions"
    return pd.Timestamp(queries.run(run_query, sql, dialect=dialect)["first_date"].iloc[0])


def feature_aggregates(
    run_query: queries.QueryRunner, sources: Sources, cutoff: pd.Timestamp, dialect: str
) -> pd.DataFrame:
    window_start = cutoff - pd.Timedelta(days=FEATURE_WINDOW_DAYS)
    return queries.run(
        run_query,
        sources.feature_sql,
        dialect=dialect,
        cutoff=cutoff.date(),
        window_start=window_start.date(),
    )


def labelled_examples(
    aggregates: pd.DataFrame, label_aggregates: pd.DataFrame, cutoff: pd.Timestamp
) -> pd.DataFrame:
    """Features + ``churned`` for every customer with an approved purchase on or before the
    cut-off. Pure pandas.

    Customers who have already gone quiet stay in (the scored population contains them
    too, and a model that never saw one would extrapolate blindly); metrics are reported
    both for everyone and for customers active in the last 90 days, the harder case.
    """
    features = build_features(aggregates)
    features = features[features["recency_days"].notna()]
    open_dates = aggregates.set_index(aggregates["customer_id"].astype(str))["account_open_date"]
    labels = label_churn(label_aggregates, open_dates, cutoff=cutoff)
    # No label row means no approved purchase in the 180 days before the cut-off nor in
    # the window after it: silent throughout, which is churn.
    features["churned"] = labels.reindex(features.index).fillna(1).astype(int)
    return features


def load_training_frames(
    run_query: queries.QueryRunner, sources: Sources, *, dialect: str = "duckdb"
) -> TrainingFrames:
    as_of = as_of_date(run_query, dialect)
    late = as_of - pd.Timedelta(days=HORIZON_DAYS)
    early = late - pd.Timedelta(days=HORIZON_DAYS)
    first = first_transaction_date(run_query, dialect)
    if (as_of - first).days < MIN_HISTORY_DAYS:
        raise C360Error(
            f"churn training needs {MIN_HISTORY_DAYS} days of transactions; "
            f"the data spans {(as_of - first).days} ({first.date()} .. {as_of.date()})"
        )
    frames = {}
    for name, cutoff in (("early", early), ("late", late)):
        aggregates = feature_aggregates(run_query, sources, cutoff, dialect)
        label_aggs = queries.run(
            run_query,
            queries.LABEL_AGGREGATES,
            dialect=dialect,
            cutoff=cutoff.date(),
            horizon_days=HORIZON_DAYS,
        )
        frames[name] = labelled_examples(aggregates, label_aggs, cutoff)
    return TrainingFrames(
        early=frames["early"],
        late=frames["late"],
        early_cutoff=str(early.date()),
        late_cutoff=str(late.date()),
    )


@dataclass
class ScoringFrames:
    """Everything scoring needs, fetched once."""

    as_of: pd.Timestamp
    aggregates: pd.DataFrame  # feature aggregates at the as-of date
    population: pd.Series  # account_open_date (may be NaT) indexed by customer_id
    clv_summary: pd.DataFrame
    # CLV_SUMMARY at the calibration end and CLV_HOLDOUT, when loaded with the holdout
    clv_calibration: pd.DataFrame | None = None
    clv_holdout: pd.DataFrame | None = None


_SUMMARY_COLUMNS = [
    "customer_id",
    "purchase_count",
    "first_purchase_ts",
    "last_purchase_ts",
    "total_spend",
    "first_purchase_amount",
]


def split_clv_scan(scan: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:data:`queries.CLV_SCAN` → (CLV_SUMMARY at as-of, at the calibration end, CLV_HOLDOUT)."""
    summary = scan[_SUMMARY_COLUMNS].reset_index(drop=True)
    bought = scan[scan["calibration_count"] > 0]
    calibration = (
        bought[_SUMMARY_COLUMNS]
        .assign(
            purchase_count=bought["calibration_count"],
            last_purchase_ts=bought["calibration_last_ts"],
            total_spend=bought["calibration_spend"],
        )
        .reset_index(drop=True)
    )
    later = scan[scan["holdout_purchases"] > 0]
    holdout = later[["customer_id", "holdout_purchases", "holdout_spend"]].reset_index(drop=True)
    return summary, calibration, holdout


def load_scoring_frames(
    run_query: queries.QueryRunner,
    sources: Sources,
    *,
    dialect: str = "duckdb",
    profile_exists: bool = False,
    with_holdout: bool = False,
) -> ScoringFrames:
    """Feature aggregates, population and CLV summary at the as-of date.

    ``with_holdout`` also fetches what :func:`clv_holdout_check` needs, from the same
    scan of the purchases as the CLV summary (one pass instead of three).
    """
    as_of = as_of_date(run_query, dialect)
    aggregates = feature_aggregates(run_query, sources, as_of, dialect)
    population_sql = (
        queries.SCORING_POPULATION_WITH_PROFILE
        if profile_exists
        else queries.SCORING_POPULATION_FROM_DIM
    )
    ids = queries.run(run_query, population_sql, dialect=dialect)["customer_id"].astype(str)
    opened = aggregates.set_index(aggregates["customer_id"].astype(str))["account_open_date"]
    population = pd.to_datetime(opened.reindex(pd.Index(sorted(set(ids)), name="customer_id")))
    if not with_holdout:
        summary = queries.run(run_query, queries.CLV_SUMMARY, dialect=dialect, as_of=as_of.date())
        return ScoringFrames(
            as_of=as_of, aggregates=aggregates, population=population, clv_summary=summary
        )
    from toolkit.clv.holdout import HOLDOUT_DAYS

    scan = queries.run(
        run_query,
        queries.CLV_SCAN,
        dialect=dialect,
        as_of=as_of.date(),
        calibration_end=(as_of - pd.Timedelta(days=HOLDOUT_DAYS)).date(),
    )
    summary, calibration, holdout = split_clv_scan(scan)
    return ScoringFrames(
        as_of=as_of,
        aggregates=aggregates,
        population=population,
        clv_summary=summary,
        clv_calibration=calibration,
        clv_holdout=holdout,
    )


MIN_HOLDOUT_CUSTOMERS = 20


def clv_holdout_check(
    run_query: queries.QueryRunner,
    *,
    dialect: str = "duckdb",
    frames: ScoringFrames | None = None,
):
    """Fit CLV on all but the last HOLDOUT_DAYS and compare with what was bought then.

    None when fewer than MIN_HOLDOUT_CUSTOMERS bought before the holdout period. With
    ``frames`` loaded ``with_holdout``, nothing is queried again.
    """
    from toolkit.clv.holdout import HOLDOUT_DAYS, holdout_from_frames

    if frames is not None and frames.clv_calibration is not None:
        calibration_end = frames.as_of - pd.Timedelta(days=HOLDOUT_DAYS)
        summary, holdout = frames.clv_calibration, frames.clv_holdout
    else:
        as_of = as_of_date(run_query, dialect)
        calibration_end = as_of - pd.Timedelta(days=HOLDOUT_DAYS)
        summary = queries.run(
            run_query, queries.CLV_SUMMARY, dialect=dialect, as_of=calibration_end.date()
        )
        holdout = queries.run(
            run_query,
            queries.CLV_HOLDOUT,
            dialect=dialect,
            calibration_end=calibration_end.date(),
            as_of=as_of.date(),
        )
    if len(summary) < MIN_HOLDOUT_CUSTOMERS:
        return None  # too little history before the holdout to fit anything
    return holdout_from_frames(
        summary, holdout, calibration_end=calibration_end, holdout_days=HOLDOUT_DAYS
    )
