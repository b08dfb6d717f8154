"""Churn features from the per-customer aggregates of :data:`queries.FEATURE_AGGREGATES`.

Pure pandas: the same function turns a DuckDB result locally, or a Snowpark frame's
``to_pandas()`` in Snowflake, into the model's feature matrix. Everything here is known
at the cut-off date; nothing looks past it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit.domain import CARD_TYPES

CARD_TIERS = {card_type: tier for tier, card_type in enumerate(CARD_TYPES)}

# Feature name → (concept, plain-words phrase for a customer's value ``{v}``).
# Explanations name at most one feature per concept, so a lapsed customer reads
# "last purchase 75 days ago; spend down 80% vs the prior 90 days; 4 declined
# transactions in the last 30 days" rather than three ways of saying "inactive".
FEATURES: dict[str, tuple[str, str]] = {
    "recency_days": ("recent activity", "last purchase {v} days ago"),
    "txn_count_30": ("recent activity", "{v} purchases in the last 30 days"),
    "spend_30": ("recent activity", "{v} spent in the last 30 days"),
    "utilisation_30": ("recent activity", "{v} of the credit limit used in the last 30 days"),
    "active_days_90": ("recent activity", "active on {v} of the last 90 days"),
    "spend_change_mom": ("spend trend", "spend {v} month over month"),
    "txn_count_change_mom": ("spend trend", "purchases {v} month over month"),
    "spend_change_90d": ("spend trend", "spend {v} vs the prior 90 days"),
    "spend_rate_60_vs_90": ("spend trend", "last-60-day spend pace at {v} of the 90-day pace"),
    "txn_count_90": ("spend level", "{v} purchases in the last 90 days"),
    "txn_count_180": ("spend level", "{v} purchases in the last 180 days"),
    "spend_90": ("spend level", "{v} spent in the last 90 days"),
    "spend_180": ("spend level", "{v} spent in the last 180 days"),
    "avg_txn_value_90": ("spend level", "average purchase {v} in the last 90 days"),
    "max_amount_90": ("spend level", "largest purchase {v} in the last 90 days"),
    "max_gap_days_180": ("purchase rhythm", "longest gap between purchases {v} days"),
    "mean_gap_days_180": ("purchase rhythm", "usual gap between purchases {v} days"),
    "declined_count_30": ("declines", "{v} declined transactions in the last 30 days"),
    "declined_count_90": ("declines", "{v} declined transactions in the last 90 days"),
    "decline_rate_90": ("declines", "{v} of attempts declined in the last 90 days"),
    "declined_change_90d": ("declines", "declines {v} vs the prior 90 days"),
    "travel_share_90": ("travel", "travel is {v} of spend"),
    "travel_share_change_90d": ("travel", "travel share of spend {v} vs the prior 90 days"),
    "necessity_share_90": ("spending mix", "necessities are {v} of spend"),
    "discretionary_share_90": ("spending mix", "discretionary purchases are {v} of spend"),
    "online_share_90": ("spending mix", "online is {v} of spend"),
    "mobile_share_90": ("spending mix", "mobile is {v} of spend"),
    "tenure_days": ("account", "account open {v} days"),
    "days_since_first_purchase": ("account", "first purchase {v} days ago"),
    "card_tier": ("account", "{v} card"),
    "credit_limit": ("account", "credit limit {v}"),
}
FEATURE_NAMES: tuple[str, ...] = tuple(FEATURES)

_MONEY = {
    "spend_30",
    "spend_90",
    "spend_180",
    "avg_txn_value_90",
    "max_amount_90",
    "credit_limit",
}
_SHARE = {
    "decline_rate_90",
    "travel_share_90",
    "necessity_share_90",
    "discretionary_share_90",
    "online_share_90",
    "mobile_share_90",
    "utilisation_30",
    "spend_rate_60_vs_90",
}
_CHANGE = {
    "spend_change_mom",
    "spend_change_90d",
    "txn_count_change_mom",
    "declined_change_90d",
    "travel_share_change_90d",
}
_TIER_NAMES = {v: k for k, v in CARD_TIERS.items()}


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, missing (not infinite) where the denominator is 0."""
    denominator = denominator.astype(float).where(denominator != 0)
    return numerator.astype(float) / denominator


def _change(current: pd.Series, previous: pd.Series) -> pd.Series:
    """Relative change (−1 = fell to zero); missing when there was nothing before."""
    return _ratio(current - previous, previous)


def _days_between(later: pd.Series, earlier: pd.Series) -> pd.Series:
    delta = pd.to_datetime(later, cache=False) - pd.to_datetime(earlier, cache=False)
    return delta.dt.days.astype(float)


MASK_DAYS = 60  # days per activity bit mask (see queries.FEATURE_AGGREGATES)


def active_day_matrix(aggregates: pd.DataFrame) -> np.ndarray:
    """(customers, 180) booleans: column i = an approved purchase i days before the cut-off."""
    masks = [
        pd.to_numeric(aggregates[f"active_mask_{k}"], errors="coerce")
        .fillna(0)
        .astype(np.int64)
        .to_numpy()
        for k in range(3)
    ]
    bits = np.arange(MASK_DAYS, dtype=np.int64)
    return np.concatenate([((m[:, None] >> bits) & 1).astype(bool) for m in masks], axis=1)


def max_gap_days(active: np.ndarray) -> np.ndarray:
    """Longest gap in days between consecutive active days (NaN with fewer than two).

    Whole-matrix: the latest active day up to each day is a running maximum along the
    row, so a gap ends at each active day whose predecessor is that running maximum one
    day earlier. Several times cheaper than listing every active (customer, day) cell.
    """
    days = np.arange(active.shape[1], dtype=np.int16)
    latest = np.maximum.accumulate(np.where(active, days, np.int16(-1)), axis=1)
    previous = latest[:, :-1]  # latest active day strictly before days 1..179
    gaps = np.where(active[:, 1:] & (previous >= 0), days[1:] - previous, np.int16(-1))
    best = gaps.max(axis=1, initial=-1)
    return np.where(best >= 0, best, np.nan)


def build_features(aggregates: pd.DataFrame) -> pd.DataFrame:
    """Feature matrix (index customer_id, columns :data:`FEATURE_NAMES`) at each row's cut-off."""
    a = aggregates.copy()
    a.columns = [c.lower() for c in a.columns]
    counts = [c for c in a.columns if c.startswith(("txn_count", "declined_count", "spend_"))]
    counts += [
        "travel_spend_90",
        "travel_spend_prior_90",
        "necessity_spend_90",
        "discretionary_spend_90",
        "online_spend_90",
        "mobile_spend_90",
        "attempts_90",
    ]
    # No row in the activity aggregate means no transactions: zero, not unknown.
    for column in counts:
        a[column] = pd.to_numeric(a[column], errors="coerce").astype(float).fillna(0.0)

    cutoff = a["cutoff_date"]
    f = pd.DataFrame(index=pd.Index(a["customer_id"].astype(str), name="customer_id"))
    col = lambda name: a[name].to_numpy()  # noqa: E731 - local shorthand

    f["recency_days"] = _days_between(cutoff, a["last_approved_date"]).to_numpy()
    f["tenure_days"] = _days_between(cutoff, a["account_open_date"]).to_numpy()
    f["days_since_first_purchase"] = _days_between(cutoff, a["first_approved_date"]).to_numpy()
    for name in ("txn_count_30", "txn_count_90", "txn_count_180", "spend_30", "spend_90"):
        f[name] = col(name)
    f["spend_180"] = col("spend_180")
    f["avg_txn_value_90"] = _ratio(a["spend_90"], a["txn_count_90"]).to_numpy()
    f["spend_change_mom"] = _change(a["spend_30"], a["spend_prior_30"]).to_numpy()
    f["spend_change_90d"] = _change(a["spend_90"], a["spend_prior_90"]).to_numpy()
    f["spend_rate_60_vs_90"] = _ratio(a["spend_60"] / 60.0, a["spend_90"] / 90.0).to_numpy()
    f["txn_count_change_mom"] = _change(a["txn_count_30"], a["txn_count_prior_30"]).to_numpy()
    active = active_day_matrix(a)
    f["active_days_90"] = active[:, :90].sum(axis=1).astype(float)
    f["max_gap_days_180"] = max_gap_days(active)
    f["mean_gap_days_180"] = pd.to_numeric(a["mean_gap_days_180"], errors="coerce").to_numpy(float)
    f["declined_count_30"] = col("declined_count_30")
    f["declined_count_90"] = col("declined_count_90")
    f["decline_rate_90"] = _ratio(a["declined_count_90"], a["attempts_90"]).to_numpy()
    f["declined_change_90d"] = _change(
        a["declined_count_90"], a["declined_count_prior_90"]
    ).to_numpy()
    travel_share = _ratio(a["travel_spend_90"], a["spend_90"])
    travel_share_prior = _ratio(a["travel_spend_prior_90"], a["spend_prior_90"])
    f["travel_share_90"] = travel_share.to_numpy()
    f["travel_share_change_90d"] = (travel_share - travel_share_prior).to_numpy()
    f["necessity_share_90"] = _ratio(a["necessity_spend_90"], a["spend_90"]).to_numpy()
    f["discretionary_share_90"] = _ratio(a["discretionary_spend_90"], a["spend_90"]).to_numpy()
    f["online_share_90"] = _ratio(a["online_spend_90"], a["spend_90"]).to_numpy()
    f["mobile_share_90"] = _ratio(a["mobile_spend_90"], a["spend_90"]).to_numpy()
    f["max_amount_90"] = pd.to_numeric(a["max_amount_90"], errors="coerce").to_numpy(float)
    f["card_tier"] = a["card_type"].map(CARD_TIERS).to_numpy(float)
    credit_limit = pd.to_numeric(a["credit_limit"], errors="coerce").astype(float)
    f["credit_limit"] = credit_limit.to_numpy()
    f["utilisation_30"] = _ratio(a["spend_30"], credit_limit).to_numpy()
    return f[list(FEATURE_NAMES)].astype(float)


def _plain_value(name: str, value: float) -> str:
    if pd.isna(value):
        return "unknown"
    if name == "card_tier":
        return _TIER_NAMES.get(int(round(value)), "unknown")
    if name in _MONEY:
        return f"${value:,.0f}"
    if name in _SHARE:
        return f"{value:.0%}"
    if name in _CHANGE:
        if name == "travel_share_change_90d":
            return f"{'up' if value >= 0 else 'down'} {abs(value) * 100:.0f} points"
        return f"{'up' if value >= 0 else 'down'} {abs(value):.0%}"
    return f"{value:,.0f}"


def describe_feature(name: str, value: float) -> str:
    """One plain-words phrase for a feature value, e.g. ``last purchase 45 days ago``."""
    if name == "recency_days" and pd.isna(value):
        return "no purchases yet"
    phrase = FEATURES[name][1].format(v=_plain_value(name, value))
    if value == 1:  # "1 purchases" → "1 purchase"
        phrase = phrase.replace("1 purchases", "1 purchase").replace(
            "1 declined transactions", "1 declined transaction"
        )
    return phrase


def feature_table_is_sane(features: pd.DataFrame) -> None:
    """Raise if the frame cannot be a feature matrix (wrong columns, infinities)."""
    missing = [c for c in FEATURE_NAMES if c not in features.columns]
    if missing:
        raise ValueError(f"feature frame is missing {missing}")
    values = features[list(FEATURE_NAMES)].to_numpy(float)
    if np.isinf(values).any():
        raise ValueError("feature frame contains infinite values")
