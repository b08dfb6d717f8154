"""Churn labels: what a customer did in the prediction window after a cut-off date.

Definition (README, "Churn and lifetime value"): a customer active before the cut-off has *churned* when,
over the ``horizon_days`` after it, either

* they go silent: no approved transaction in the last ``INACTIVE_DAYS`` days of the
  window (so by the window's end they have been inactive for 60+ days), or
* their approved spend in the window falls below ``SPEND_DROP_RATIO`` (30%) of their
  baseline — their own average spend per ``horizon_days`` over the 180 days before the
  cut-off, counting only the days the account was open.

The label only reads :data:`queries.LABEL_AGGREGATES`, the one query that looks past the
cut-off; features never see it.
"""

from __future__ import annotations

import pandas as pd

HORIZON_DAYS = 90
INACTIVE_DAYS = 60
SPEND_DROP_RATIO = 0.30
BASELINE_DAYS = 180


def label_churn(
    label_aggregates: pd.DataFrame,
    account_open_date: pd.Series,
    *,
    cutoff: pd.Timestamp,
    horizon_days: int = HORIZON_DAYS,
) -> pd.Series:
    """1 = churned, 0 = retained, per customer_id (index), for customers in the aggregates.

    ``account_open_date`` (indexed by customer_id) scales the baseline for accounts younger
    than the 180-day baseline window, so a new customer is compared with their own pace.
    """
    if horizon_days <= INACTIVE_DAYS:
        raise ValueError("the prediction window must be longer than the inactivity rule")
    a = label_aggregates.copy()
    a.columns = [c.lower() for c in a.columns]
    a = a.set_index(a["customer_id"].astype(str))
    cutoff = pd.Timestamp(cutoff)
    opened = pd.to_datetime(account_open_date.reindex(a.index), cache=False)
    open_days = (cutoff - opened).dt.days.clip(lower=30, upper=BASELINE_DAYS).fillna(BASELINE_DAYS)
    baseline = a["baseline_spend_180"].astype(float) * horizon_days / open_days
    future_spend = a["future_spend"].astype(float).fillna(0.0)
    last_future = pd.to_datetime(a["last_future_date"], cache=False)
    silent_since = cutoff + pd.Timedelta(days=horizon_days - INACTIVE_DAYS)
    went_silent = last_future.isna() | (last_future <= silent_since)
    spend_dropped = future_spend < SPEND_DROP_RATIO * baseline
    return (went_silent | spend_dropped).astype(int).rename("churned")
