"""Campaign experiment maths (toolkit/experiments.py) against textbook figures and simulation.

Reference numbers:
- Fleiss, Levin & Paik (2003), eq. 4.14 without continuity correction: p = 0.4 vs 0.6,
  α = 0.05 two-sided, power 0.80 → 97 per group (the same figure statsmodels'
  ``NormalIndPower`` gives with Cohen's h = 0.4027: ((1.95996 + 0.84162) / 0.4027)² × 2 = 96.8).
- z quantiles from scipy.stats.norm; Welch degrees of freedom checked against
  scipy.stats.ttest_ind(equal_var=False).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

from toolkit import experiments as ex


def test_textbook_sample_size_two_proportions():
    size = ex.required_sample_size(0.4, 0.2, alpha=0.05, power=0.8)
    assert (size.treated, size.holdout) == (97, 97)
    # a second textbook case: 0.10 → 0.15 needs 686 per group (uncorrected formula)
    size = ex.required_sample_size(0.10, 0.05)
    expected = (
        1.959964 * math.sqrt(2 * 0.125 * 0.875) + 0.841621 * math.sqrt(0.1 * 0.9 + 0.15 * 0.85)
    ) ** 2 / 0.05**2
    assert size.holdout == math.ceil(expected) == 686


@settings(max_examples=60, deadline=None)
@given(
    baseline=st.floats(0.05, 0.9),
    uplift=st.floats(0.01, 0.08),
    holdout=st.floats(0.1, 0.5),
    power=st.floats(0.6, 0.95),
)
def test_sample_size_is_the_smallest_that_reaches_the_power(baseline, uplift, holdout, power):
    """The closed form agrees with numerically inverting the power function."""
    if baseline + uplift >= 0.99:
        return
    size = ex.required_sample_size(baseline, uplift, power=power, holdout_fraction=holdout)
    k = (1 - holdout) / holdout
    achieved = ex.power_for(size.treated, size.holdout, baseline, uplift)
    assert achieved >= power - 1e-3
    # continuous root of power(n_c) = power, with n_t = k n_c
    root = optimize.brentq(
        lambda n: ex.power_for(k * n, n, baseline, uplift) - power, 1.0, 10 * size.holdout + 10
    )
    assert size.holdout == pytest.approx(root, abs=1.01)


def test_simulated_power_matches_the_target():
    """At the formula's size, a simulated test rejects about `power` of the time."""
    rng = np.random.default_rng(11)
    size = ex.required_sample_size(0.70, 0.05, power=0.8, holdout_fraction=0.3)
    sims = 4000
    x_t = rng.binomial(size.treated, 0.75, sims)
    x_c = rng.binomial(size.holdout, 0.70, sims)
    p_t, p_c = x_t / size.treated, x_c / size.holdout
    pooled = (x_t + x_c) / size.total
    z = (p_t - p_c) / np.sqrt(pooled * (1 - pooled) * (1 / size.treated + 1 / size.holdout))
    rejected = np.mean(np.abs(z) > stats.norm.ppf(0.975))
    assert rejected == pytest.approx(0.8, abs=0.03)


def test_minimum_detectable_uplift_inverts_the_sample_size():
    size = ex.required_sample_size(0.6, 0.04, holdout_fraction=0.2)
    mde = ex.minimum_detectable_uplift(size.treated, size.holdout, 0.6)
    assert mde == pytest.approx(0.04, rel=0.02)
    assert ex.minimum_detectable_uplift(3, 1, 0.5) is None


@pytest.mark.parametrize("bad", [{"holdout_fraction": 0}, {"power": 1.0}, {"alpha": 0}])
def test_bad_design_input_is_one_clear_error(bad):
    with pytest.raises(ValueError, match="between 0 and 1"):
        ex.required_sample_size(0.5, 0.05, **bad)
    with pytest.raises(ValueError, match="zero"):
        ex.required_sample_size(0.5, 0.0)


def test_retention_interval_coverage():
    """95% Wald intervals cover the true difference about 95% of the time."""
    rng = np.random.default_rng(5)
    n_t, n_c, p_t, p_c = 3000, 1000, 0.78, 0.72
    covered = 0
    sims = 2000
    for x_t, x_c in zip(rng.binomial(n_t, p_t, sims), rng.binomial(n_c, p_c, sims), strict=True):
        covered += ex.retention_difference(x_t, n_t, x_c, n_c).covers(p_t - p_c)
    assert covered / sims == pytest.approx(0.95, abs=0.015)


def test_spend_interval_coverage_on_skewed_spend():
    """Welch intervals on gamma-distributed (skewed) spend keep ~95% coverage."""
    rng = np.random.default_rng(9)
    covered = 0
    sims = 1500
    for _ in range(sims):
        treated = rng.gamma(2.0, 330.0, 1200)  # mean 660
        holdout = rng.gamma(2.0, 300.0, 400)  # mean 600
        covered += ex.mean_difference(treated, holdout).covers(60.0)
    assert covered / sims == pytest.approx(0.95, abs=0.02)


def test_welch_matches_scipy():
    rng = np.random.default_rng(3)
    a, b = rng.normal(10, 3, 50), rng.normal(9, 1, 30)
    estimate = ex.mean_difference(a, b)
    reference = stats.ttest_ind(a, b, equal_var=False)
    assert estimate.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    low, high = reference.confidence_interval(0.95)
    assert (estimate.low, estimate.high) == pytest.approx((low, high), rel=1e-9)


def _audience(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:06d}" for i in range(n)],
            "customer_segment": rng.choice(["Declining", "New & Growing", "Stable Mid-Value"], n),
            "churn_risk_category": rng.choice(["High Risk", "Medium Risk", "Low Risk"], n),
        }
    )


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 800), fraction=st.floats(0.05, 0.5), seed=st.integers(0, 2**31))
def test_assignment_is_stratified_seeded_and_complete(n, fraction, seed):
    audience = _audience(n, seed % 97)
    split = ex.assign_holdout(audience, holdout_fraction=fraction, seed=seed)
    assert sorted(split["customer_id"]) == sorted(audience["customer_id"])
    for _, stratum in split.groupby(["customer_segment", "churn_risk_category"]):
        held = (stratum["group"] == ex.HOLDOUT).sum()
        assert abs(held - len(stratum) * fraction) <= 0.5 + 1e-9
    # same seed, rows in another order: the same split
    again = ex.assign_holdout(
        audience.sample(frac=1, random_state=1), holdout_fraction=fraction, seed=seed
    )
    assert again.set_index("customer_id")["group"].equals(
        split.set_index("customer_id")["group"].loc[again["customer_id"]]
    )


def test_another_seed_gives_another_split():
    audience = _audience(500)
    a = ex.assign_holdout(audience, holdout_fraction=0.2, seed=1)
    b = ex.assign_holdout(audience, holdout_fraction=0.2, seed=2)
    assert not a["group"].equals(b["group"])


def test_simulated_campaign_with_known_uplift_is_measured_back():
    """A campaign that truly lifts retention by 4 points and spend by $50 per customer,
    split by assign_holdout and read out by readout: over 300 simulated outcomes the 95%
    intervals cover the truth about 95% of the time and the estimates centre on it."""
    rng = np.random.default_rng(2024)
    split = ex.assign_holdout(_audience(20_000, 4), holdout_fraction=0.25, seed=77)
    treated = (split["group"] == ex.TREATED).to_numpy()
    retention = np.where(treated, 0.74, 0.70)
    covered = {"retention": 0, "spend": 0}
    estimates = []
    sims = 300
    for _ in range(sims):
        split["retained"] = rng.random(len(split)) < retention
        split["spend"] = rng.gamma(2.0, 250.0, len(split)) + np.where(treated, 50.0, 0.0)
        result = ex.readout(split)
        covered["retention"] += result.retention.covers(0.04)
        covered["spend"] += result.spend.covers(50.0)
        estimates.append((result.retention.difference, result.spend.difference))
    assert covered["retention"] / sims == pytest.approx(0.95, abs=0.035)
    assert covered["spend"] / sims == pytest.approx(0.95, abs=0.035)
    mean_retention, mean_spend = np.mean(estimates, axis=0)
    assert mean_retention == pytest.approx(0.04, abs=0.002)
    assert mean_spend == pytest.approx(50.0, abs=2.0)
    assert (result.n_treated, result.n_holdout) == (treated.sum(), (~treated).sum())
