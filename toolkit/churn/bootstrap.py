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
    return paired_differences(
        y, score_a, score_b, metrics=(metric,), seed=seed, resamples=resamples
    )[metric]


def paired_differences(
    y: np.ndarray,
    score_a: np.ndarray,
    score_b: np.ndarray,
    *,
    metrics: tuple[str, ...] = ("roc_auc",),
    seed: int = 42,
    resamples: int = RESAMPLES,
) -> dict[str, Difference]:
    """:func:`paired_difference` for several metrics over the same seeded resamples.

    Each metric's result is exactly what ``paired_difference(..., metric=m, seed=seed)``
    gives alone (same draws, same arithmetic); the draws and each resample's cumulative
    sums are shared between the metrics instead of recomputed for each.
    """
    y = np.asarray(y, dtype=int)
    score_a, score_b = np.asarray(score_a, float), np.asarray(score_b, float)
    if len(np.unique(y)) < 2:
        nan = float("nan")
        return {m: Difference(m, nan, nan, nan, nan, nan, len(y)) for m in metrics}
    full = {m: (float(METRICS[m](y, score_a)), float(METRICS[m](y, score_b))) for m in metrics}
    # Each scorer is sorted once; a resample is a count per customer, so its metric is a
    # weighted cumulative sum over the same order (no sort per resample). A resample's metric
    # equals sklearn's on the resampled rows (tests/churn/test_churn_promotion.py checks it).
    curve_a, curve_b = _SortedScores(y, score_a), _SortedScores(y, score_b)
    rng = np.random.default_rng(seed)
    diffs: dict[str, list[float]] = {m: [] for m in metrics}
    for _ in range(resamples):
        counts = np.bincount(rng.integers(0, len(y), len(y)), minlength=len(y))
        positives = int(counts @ y)
        if positives in (0, len(y)):
            continue  # a resample with one class has no AUC
        metrics_a, metrics_b = curve_a.metrics(metrics, counts), curve_b.metrics(metrics, counts)
        for m in metrics:
            diffs[m].append(metrics_a[m] - metrics_b[m])
    tail = (1 - LEVEL) / 2 * 100
    out = {}
    for m in metrics:
        low, high = np.percentile(diffs[m], [tail, 100 - tail]) if diffs[m] else (np.nan, np.nan)
        a, b = full[m]
        out[m] = Difference(m, a, b, a - b, float(low), float(high), len(y))
    return out


class _SortedScores:
    """One scorer's ranking, for metrics of weighted resamples of the same customers."""

    def __init__(self, y: np.ndarray, score: np.ndarray):
        order = np.argsort(-score, kind="mergesort")
        self.order = order
        self.y = y[order].astype(float)
        sorted_score = score[order]
        # the last row of each group of tied scores: one threshold per distinct score
        self.thresholds = np.r_[np.flatnonzero(np.diff(sorted_score)), len(y) - 1]

    def metric(self, name: str, counts: np.ndarray) -> float:
        return self.metrics((name,), counts)[name]

    def metrics(self, names: tuple[str, ...], counts: np.ndarray) -> dict[str, float]:
        """Each named metric of one resample (a count per customer), sharing the sums."""
        weights = counts[self.order].astype(float)
        tp = np.cumsum(weights * self.y)[self.thresholds]
        fp = np.cumsum(weights * (1.0 - self.y))[self.thresholds]
        out = {}
        for name in names:
            if name == "roc_auc":
                tpr, fpr = np.r_[0.0, tp / tp[-1]], np.r_[0.0, fp / fp[-1]]
                out[name] = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))
                continue
            # average precision: sum over thresholds of (recall step) x precision there; a
            # threshold no resampled row reaches adds no recall, so its precision is irrelevant
            recall = np.r_[0.0, tp / tp[-1]]
            seen = tp + fp
            precision = np.divide(tp, seen, out=np.zeros_like(tp), where=seen > 0)
            out[name] = float(np.sum(np.diff(recall) * precision))
        return out
