"""The BG/NBD and Gamma-Gamma fitting code reproduces the published CDNOW estimates.

The CDNOW summaries ship inside the ``lifetimes`` package (a dev-only dependency). We
only read its CSV files: locating them with ``find_spec`` does not execute
``lifetimes/__init__.py``, and ``lifetimes.datasets`` itself needs pkg_resources.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toolkit.clv.bgnbd import (
    expected_purchases,
    expected_purchases_new_customer,
    fit_bgnbd,
    probability_alive,
)
from toolkit.clv.gamma_gamma import conditional_expected_average_value, fit_gamma_gamma


def _cdnow_csv(name: str) -> pd.DataFrame:
    spec = importlib.util.find_spec("lifetimes")
    assert spec is not None and spec.submodule_search_locations, "lifetimes (dev) missing"
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / name
    return pd.read_csv(path)


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return _cdnow_csv("cdnow_customers_summary.csv")


@pytest.fixture(scope="module")
def bgnbd(cdnow):
    return fit_bgnbd(cdnow["frequency"], cdnow["recency"], cdnow["T"])


def test_cdnow_fixture_is_the_papers_cohort(cdnow):
    # Fader, Hardie & Lee: 2,357 customers, 39-week calibration period.
    assert len(cdnow) == 2357
    assert cdnow["T"].max() == pytest.approx(38.86, abs=0.01)


@pytest.mark.parametrize(
    ("name", "published"),
    [("r", 0.243), ("alpha", 4.414), ("a", 0.793), ("b", 2.426), ("log_likelihood", -9582.4)],
)
def test_bgnbd_reproduces_fader_hardie_lee(bgnbd, name, published):
    assert bgnbd.as_dict()[name] == pytest.approx(published, rel=0.01)


def test_bgnbd_fit_is_a_maximum_not_just_close(bgnbd, cdnow):
    # Nudging any parameter by 2% lowers the likelihood: the optimiser converged.
    from toolkit.clv.bgnbd import log_likelihood_terms

    base = dict(r=bgnbd.r, alpha=bgnbd.alpha, a=bgnbd.a, b=bgnbd.b)
    x, t_x, big_t = (cdnow[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    for key in base:
        for factor in (0.98, 1.02):
            nudged = {**base, key: base[key] * factor}
            ll = log_likelihood_terms(**nudged, x=x, t_x=t_x, big_t=big_t).sum()
            assert ll < bgnbd.log_likelihood


def test_bgnbd_conditional_expectation_matches_paper_example(bgnbd):
    # The paper's worked example: x = 2, t_x = 30.43, T = 38.86 → 1.226 purchases in 39 weeks.
    value = expected_purchases(bgnbd, 39.0, [2], [30.43], [38.86])[0]
    assert value == pytest.approx(1.226, rel=0.01)


def test_bgnbd_population_expectation_is_increasing_and_sane(bgnbd):
    e39 = expected_purchases_new_customer(bgnbd, 39.0)
    e78 = expected_purchases_new_customer(bgnbd, 78.0)
    # Paper, Figure 1: a new customer makes ~1.5 repeat purchases in 78 weeks.
    assert 0 < e39 < e78 < 3.0


def test_probability_alive_bounds_and_ordering(bgnbd):
    # Same history, longer silence since the last purchase → less likely alive.
    p = probability_alive(bgnbd, [5, 5, 5, 0], [38.0, 20.0, 2.0, 0.0], [38.86] * 4)
    assert np.all((p > 0) & (p <= 1))
    assert p[0] > p[1] > p[2]
    assert p[3] == 1.0  # no repeat purchase: BG/NBD cannot have seen a drop-out


@pytest.fixture(scope="module")
def cdnow_spend() -> pd.DataFrame:
    return _cdnow_csv("cdnow_customers_summary_with_transactions.csv")


def test_gamma_gamma_reproduces_fader_hardie(cdnow_spend):
    repeat = cdnow_spend[cdnow_spend["x"] > 0]
    params = fit_gamma_gamma(repeat["x"], repeat["zbar"])
    assert params.p == pytest.approx(6.25, rel=0.01)
    assert params.q == pytest.approx(3.74, rel=0.01)
    assert params.gamma == pytest.approx(15.44, rel=0.01)


def test_gamma_gamma_conditional_mean_shrinks_towards_population(cdnow_spend):
    repeat = cdnow_spend[cdnow_spend["x"] > 0]
    params = fit_gamma_gamma(repeat["x"], repeat["zbar"])
    population = params.population_mean
    # One purchase of $100 is shrunk hard towards the population mean; 20 purchases less so.
    one, twenty = conditional_expected_average_value(params, [1, 20], [100.0, 100.0])
    assert population < one < twenty < 100.0
    assert conditional_expected_average_value(params, [0], [np.nan])[0] == population


def test_analytic_gradients_match_finite_differences(cdnow, cdnow_spend):
    from scipy.optimize import approx_fprime

    from toolkit.clv import bgnbd as bg
    from toolkit.clv import gamma_gamma as gg

    x, t_x, big_t = (cdnow[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    point = np.array([0.3, 5.0, 0.9, 2.0])
    _, gradient = bg.log_likelihood_and_gradient(*point, x, t_x, big_t)
    numeric = approx_fprime(point, lambda p: bg.log_likelihood_terms(*p, x, t_x, big_t).sum(), 1e-6)
    np.testing.assert_allclose(gradient, numeric, rtol=1e-3)

    repeat = cdnow_spend[cdnow_spend["x"] > 0]
    xs, ms = repeat["x"].to_numpy(float), repeat["zbar"].to_numpy(float)
    point = np.array([5.0, 3.0, 12.0])
    _, gradient = gg.log_likelihood_and_gradient(*point, xs, ms)
    numeric = approx_fprime(point, lambda p: gg.log_likelihood_terms(*p, xs, ms).sum(), 1e-6)
    np.testing.assert_allclose(gradient, numeric, rtol=1e-3)
