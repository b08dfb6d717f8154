"""Baselines the churn model must beat, trained and scored on the model's own split.

A LightGBM model's ROC-AUC means little on its own: in a portfolio where silence is
nearly destiny, one feature can rank customers almost as well. Three baselines are
fitted on the same train group and early cut-off, thresholded on the same validation
group, and measured on the same held-out test customers at the late cut-off:

* ``baseline_recency``: days since the last approved purchase alone;
* ``baseline_count30``: approved purchases in the last 30 days alone;
* ``baseline_logistic``: a small standardised logistic regression on three features.

Single-feature baselines are a logistic fit on that one feature (monotone, so their
ranking metrics are those of the raw feature; the fit only makes probabilities usable
for F1 and Brier). Missing values (no purchase yet) are filled with the train median
plus a missing-value indicator, so "never bought" is not mistaken for "average".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

BASELINES: dict[str, tuple[str, ...]] = {
    "baseline_recency": ("recency_days",),
    "baseline_count30": ("txn_count_30",),
    "baseline_logistic": ("recency_days", "txn_count_90", "spend_change_90d"),
}
SINGLE_FEATURE = tuple(name for name, cols in BASELINES.items() if len(cols) == 1)


@dataclass
class Baseline:
    """A standardised logistic regression over a few columns, NaN-aware."""

    columns: tuple[str, ...]
    medians: np.ndarray
    means: np.ndarray
    scales: np.ndarray
    model: LogisticRegression

    def _design(self, frame: pd.DataFrame) -> np.ndarray:
        values = frame.reindex(columns=list(self.columns)).to_numpy(float)
        missing = np.isnan(values)
        filled = np.where(missing, self.medians, values)
        # log1p tames the long tails of counts and days; the sign survives for changes.
        filled = np.sign(filled) * np.log1p(np.abs(filled))
        standardised = (filled - self.means) / self.scales
        return np.column_stack([standardised, missing.astype(float)])

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        return self.model.predict_proba(self._design(frame))[:, 1]


def fit_baseline(columns: tuple[str, ...], train: pd.DataFrame) -> Baseline:
    values = train.reindex(columns=list(columns)).to_numpy(float)
    medians = np.nan_to_num(np.nanmedian(np.where(np.isnan(values), np.nan, values), axis=0))
    filled = np.where(np.isnan(values), medians, values)
    filled = np.sign(filled) * np.log1p(np.abs(filled))
    means, scales = filled.mean(axis=0), filled.std(axis=0)
    scales = np.where(scales > 0, scales, 1.0)
    baseline = Baseline(columns, medians, means, scales, LogisticRegression(max_iter=1000))
    baseline.model.fit(baseline._design(train), train["churned"].to_numpy(int))
    return baseline


def fit_baselines(train: pd.DataFrame) -> dict[str, Baseline]:
    return {name: fit_baseline(cols, train) for name, cols in BASELINES.items()}
