"""The churn label: silent for 60+ days at the window's end, or spend below 30% of baseline."""

from __future__ import annotations

import pandas as pd
import pytest

from toolkit.churn.labels import label_churn

CUTOFF = pd.Timestamp("2024-07-04")


def _label(rows, open_dates=None):
    frame = pd.DataFrame(
        rows, columns=["customer_id", "future_spend", "last_future_date", "baseline_spend_180"]
    )
    opened = pd.Series(
        open_dates or {r[0]: pd.Timestamp("2020-01-01") for r in rows}, dtype="datetime64[ns]"
    )
    return label_churn(frame, opened, cutoff=CUTOFF)


def test_retained_customer_keeps_spending():
    # baseline: 1,800 over 180 days → 900 per 90; 800 after the cut-off is 89%.
    assert _label([("C1", 800.0, pd.Timestamp("2024-09-30"), 1800.0)])["C1"] == 0


def test_silent_for_the_last_60_days_of_the_window_is_churn():
    # Window (07-04, 10-02]; silent since ≤ 08-03 means 60+ days without a purchase.
    labels = _label(
        [
            ("quiet", 900.0, pd.Timestamp("2024-08-03"), 1800.0),
            ("just_active", 900.0, pd.Timestamp("2024-08-04"), 1800.0),
            ("gone", 0.0, None, 1800.0),
        ]
    )
    assert labels.to_dict() == {"quiet": 1, "just_active": 0, "gone": 1}


def test_spend_below_30_percent_of_baseline_is_churn():
    labels = _label(
        [
            ("dropped", 260.0, pd.Timestamp("2024-10-01"), 1800.0),  # 29% of 900
            ("held", 280.0, pd.Timestamp("2024-10-01"), 1800.0),  # 31% of 900
        ]
    )
    assert labels.to_dict() == {"dropped": 1, "held": 0}


def test_young_accounts_are_compared_with_their_own_pace():
    # Open 45 days: 450 spent in 45 days is 900 per 90 days, so 200 is a 78% drop.
    opened = {"young": pd.Timestamp("2024-05-20")}
    labels = _label([("young", 200.0, pd.Timestamp("2024-10-01"), 450.0)], opened)
    assert labels["young"] == 1


def test_window_must_outlast_the_inactivity_rule():
    with pytest.raises(ValueError):
        label_churn(
            pd.DataFrame(), pd.Series(dtype="datetime64[ns]"), cutoff=CUTOFF, horizon_days=60
        )
