"""The faster churn code paths give what the code they replaced gave (issue 14).

Each reference below is the replaced implementation as it stood at commit 5e338e0, kept
verbatim so the comparison cannot drift. Equality is exact (bit for bit, or the same
strings), not approximate: a speed-up must not move a score, a metric or an interval.
"""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score, precision_score, recall_score

from toolkit.churn import bootstrap, explain
from toolkit.churn.features import FEATURE_NAMES, describe_feature, max_gap_days
from toolkit.churn.model import ChurnModel, _concepts_for, _matrix, _precision_recall_f1


def _max_gap_reference(active):
    rows, ages = np.nonzero(active)
    steps = np.diff(ages)
    same_row = rows[1:] == rows[:-1]
    best = np.full(len(active), np.nan)
    if same_row.any():
        gap_rows, gaps = rows[1:][same_row], steps[same_row]
        starts = np.r_[0, np.nonzero(gap_rows[1:] != gap_rows[:-1])[0] + 1]
        best[gap_rows[starts]] = np.maximum.reduceat(gaps, starts)
    return best


@pytest.mark.parametrize("density", [0.0, 0.01, 0.05, 0.5, 1.0])
def test_max_gap_days_is_the_reference(density):
    rng = np.random.default_rng(int(density * 100))
    active = rng.random((3_000, 180)) < density
    active[0] = False  # no purchase
    active[1] = False
    active[1, 17] = True  # a single purchase: no gap
    active[2] = False
    active[2, [0, 179]] = True  # the widest gap
    got = max_gap_days(active)
    np.testing.assert_array_equal(got, _max_gap_reference(active))
    assert np.isnan(got[0]) and np.isnan(got[1]) and got[2] == 179


@pytest.fixture(scope="module")
def model_and_features():
    """A small LightGBM churn model and a feature frame with NaNs, ties and -0.0."""
    rng = np.random.default_rng(5)
    n = 6_000
    values = rng.normal(size=(n, len(FEATURE_NAMES)))
    values[:, 1] = rng.integers(0, 12, n)  # a count: many customers share a value
    values[rng.random((n, len(FEATURE_NAMES))) < 0.05] = np.nan
    values[::97, 5] = -0.0
    features = pd.DataFrame(values, columns=list(FEATURE_NAMES))
    features.index = pd.Index([f"C{i:06d}" for i in range(n)], name="customer_id")
    y = (np.nan_to_num(values[:, 0]) + rng.normal(size=n) > 0.5).astype(int)
    params = {"objective": "binary", "num_leaves": 15, "verbosity": -1, "seed": 1}
    booster = lgb.train(params, lgb.Dataset(features, y), num_boost_round=40)
    return ChurnModel(booster, 1.3, -0.2, 0.4), features


def _top_risk_factors_reference(model, features, k=3):
    matrix = _matrix(features, model.feature_names)
    contrib = _contributions_reference(model.booster, matrix)
    values = matrix.to_numpy(float)
    concepts = list(_concepts_for(model.feature_names).values())
    by_concept = np.column_stack([contrib[:, idx].sum(axis=1) for idx in concepts])
    order = np.argsort(-by_concept, axis=1, kind="stable")[:, :k]
    speakable = np.where(np.isnan(values), -np.inf, contrib)
    spokesman = np.column_stack(
        [np.asarray(idx)[np.argmax(speakable[:, idx], axis=1)] for idx in concepts]
    )
    rows = np.arange(len(matrix))
    phrases = [[] for _ in rows]
    for rank in range(order.shape[1]):
        concept = order[:, rank]
        feature = spokesman[rows, concept]
        pushes_up = by_concept[rows, concept] > 0
        known = ~np.isnan(values[rows, feature])
        for row in np.nonzero(pushes_up & known)[0]:
            j = feature[row]
            phrases[row].append(describe_feature(model.feature_names[j], values[row, j]))
    return ["; ".join(p) if p else "no notable risk factors" for p in phrases]


def _contributions_reference(booster, matrix):
    tables = explain.path_tables(booster)[0]
    leaves = np.asarray(booster.predict(matrix, pred_leaf=True), dtype=np.int64)
    total = np.zeros((len(matrix), booster.num_feature()))
    for tree_index, table in enumerate(tables):
        total += table[leaves[:, tree_index]]
    return total


def test_blocked_contributions_are_the_reference_bit_for_bit(model_and_features, monkeypatch):
    model, features = model_and_features
    matrix = _matrix(features, model.feature_names)
    reference = _contributions_reference(model.booster, matrix)
    np.testing.assert_array_equal(explain.contributions(model.booster, matrix), reference)
    monkeypatch.setattr(explain, "ROW_BLOCK", 7)  # blocks that do not divide the rows
    np.testing.assert_array_equal(explain.contributions(model.booster, matrix), reference)


def test_top_risk_factors_are_the_reference_phrases(model_and_features):
    model, features = model_and_features
    got = model.top_risk_factors(features)
    assert got == _top_risk_factors_reference(model, features)


@pytest.mark.parametrize("seed", range(6))
def test_precision_recall_f1_are_sklearns(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    y = (rng.random(n) < rng.random()).astype(int)
    cases = [
        (rng.random(n) < rng.random()).astype(int),
        np.zeros(n, dtype=int),  # nothing predicted: precision 0 by zero_division
        np.ones(n, dtype=int),
        y.copy(),
    ]
    for predicted in cases:
        expected = (
            float(precision_score(y, predicted, zero_division=0)),
            float(recall_score(y, predicted, zero_division=0)),
            float(f1_score(y, predicted, zero_division=0)),
        )
        assert _precision_recall_f1(y, predicted) == expected
    no_positives = np.zeros(n, dtype=int)
    assert _precision_recall_f1(no_positives, no_positives) == (0.0, 0.0, 0.0)


def test_shared_resamples_give_each_metrics_own_interval():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 777)  # odd size: the draws must still line up
    a = y * 0.4 + rng.random(777)
    b = np.round(y * 0.2 + rng.random(777), 1)  # ties
    both = bootstrap.paired_differences(y, a, b, metrics=("pr_auc", "roc_auc"), seed=9)
    for metric in ("pr_auc", "roc_auc"):
        alone = bootstrap.paired_difference(y, a, b, metric=metric, seed=9)
        assert both[metric] == alone
        assert alone == _paired_difference_reference(y, a, b, metric=metric, seed=9)


def _paired_difference_reference(y, score_a, score_b, *, metric, seed, resamples=400):
    """The per-resample loop at 5e338e0, one metric per call."""
    fn = bootstrap.METRICS[metric]
    a, b = float(fn(y, score_a)), float(fn(y, score_b))
    curve_a, curve_b = bootstrap._SortedScores(y, score_a), bootstrap._SortedScores(y, score_b)
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(resamples):
        counts = np.bincount(rng.integers(0, len(y), len(y)), minlength=len(y))
        positives = int(counts @ y)
        if positives in (0, len(y)):
            continue
        diffs.append(curve_a.metric(metric, counts) - curve_b.metric(metric, counts))
    tail = (1 - bootstrap.LEVEL) / 2 * 100
    low, high = np.percentile(diffs, [tail, 100 - tail])
    return bootstrap.Difference(metric, a, b, a - b, float(low), float(high), len(y))
