"""Paired, seeded bootstrap intervals for the difference of two scorers on one sample.

Both scorers are judged on the *same* customers, resampled together, so the interval is
about the difference between the scorers rather than about which customers happened to
land in the test group.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

METRICS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "roc_auc": roc_auc_score,
    "pr_auc": average_precision_score,
}
RESAMPLES = 400
LEVEL = 0.95


@dataclass(frozen=True)
class Difference:
    """``a - b`` on the full sample, with its percentile bootstrap interval."""

    metric: str
    a: float
    b: float
    diff: float
    low: float
    high: float
    rows: int

    def describe(self) -> str:
        return f"{self.diff:+.3f} [{self.low:+.3f}, {self.high:+.3f}]"


def paired_difference(
    y: np.ndarray,
    score_a: np.ndarray,
    score_b: np.ndarray,
    *,
    metric: str = "roc_auc",
    seed: int = 42,
    resamples: int = RESAMPLES,
) -> Difference:
    """``metric(a) - metric(b)`` and its 95% interval; NaN when y has a single class."""
    y = np.asarray(y, dtype=int)
    score_a, score_b = np.asarray(score_a, float), np.asarray(score_b, float)
    fn = METRICS[metric]
    if len(np.unique(y)) < 2:
        nan = float("nan")
        return Difference(metric, nan, nan, nan, nan, nan, len(y))
    a, b = float(fn(y, score_a)), float(fn(y, score_b))
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(resamples):
        idx = rng.integers(0, len(y), len(y))
        if y[idx].min() == y[idx].max():
            continue  # a resample with one class has no AUC
        diffs.append(fn(y[idx], score_a[idx]) - fn(y[idx], score_b[idx]))
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(diffs, [tail, 100 - tail]) if diffs else (np.nan, np.nan)
    return Difference(metric, a, b, a - b, float(low), float(high), len(y))
