"""The fast likelihoods equal the per-customer formulas they replaced, bit for bit.

``bgnbd.log_likelihood_and_gradient`` and ``gamma_gamma.log_likelihood_and_gradient``
evaluate the special functions once per distinct purchase count and gather them (issue
14: score at 50K customers). The references below are the per-customer formulas as
they stood before (commit 5e338e0), kept here verbatim so the comparison cannot drift.
Equal to the last bit means the L-BFGS-B path, the fitted parameters and every CLV
figure are unchanged.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import betaln, digamma, gammaln

from toolkit.clv import bgnbd, gamma_gamma


def _bgnbd_reference(r, alpha, a, b, x, t_x, big_t):
    ln_a3 = -(r + x) * np.log(alpha + big_t)
    has_repeat = x > 0
    ln_a4 = np.full_like(x, -np.inf)
    xr = x[has_repeat]
    ln_a4[has_repeat] = np.log(a) - np.log(b + xr - 1) - (r + xr) * np.log(alpha + t_x[has_repeat])
    l34 = np.logaddexp(ln_a3, ln_a4)
    w3 = np.exp(ln_a3 - l34)
    w4 = 1.0 - w3
    ll = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b) + l34
    b_x_1 = np.where(has_repeat, b + x - 1, 1.0)
    d_r = digamma(r + x) - digamma(r) + np.log(alpha)
    d_r += -w3 * np.log(alpha + big_t) - w4 * np.log(alpha + t_x)
    d_alpha = r / alpha - w3 * (r + x) / (alpha + big_t) - w4 * (r + x) / (alpha + t_x)
    d_a = digamma(a + b) - digamma(a + b + x) + w4 / a
    d_b = digamma(b + x) - digamma(a + b + x) - digamma(b) + digamma(a + b) - w4 / b_x_1
    gradient = np.array([d_r.sum(), d_alpha.sum(), d_a.sum(), d_b.sum()])
    return float(ll.sum()), gradient


def _gamma_gamma_reference(p, q, gamma, x, m_x):
    px = p * x
    log_total = np.log(gamma + m_x * x)
    ll = gamma_gamma.log_likelihood_terms(p, q, gamma, x, m_x).sum()
    d_p = x * (digamma(px + q) - digamma(px) + np.log(m_x) + np.log(x) - log_total)
    d_q = digamma(px + q) - digamma(q) + np.log(gamma) - log_total
    d_gamma = q / gamma - (px + q) / (gamma + m_x * x)
    return float(ll), np.array([d_p.sum(), d_q.sum(), d_gamma.sum()])


def _portfolio(n: int, seed: int):
    """Card-holder-like RFM: many customers share a purchase count, none a (t_x, T)."""
    rng = np.random.default_rng(seed)
    x = rng.negative_binomial(2, 0.02, n).astype(float)
    x[: n // 20] = 0.0  # one-off buyers
    big_t = rng.uniform(30, 900, n)
    t_x = np.where(x > 0, big_t * rng.uniform(0.2, 1.0, n), 0.0)
    m_x = rng.gamma(3.0, 20.0, n)
    return x, t_x, big_t, m_x


@pytest.mark.parametrize(
    "params", [(0.24, 4.4, 0.79, 2.4), (3.0, 0.8, 0.37, 4311.0), (1.0, 1.0, 1.0, 1.0)]
)
def test_bgnbd_grouped_likelihood_is_the_per_customer_one(params):
    x, t_x, big_t, _ = _portfolio(20_000, seed=7)
    assert len(np.unique(x)) < len(x) / 10  # the grouping has something to group
    ll, grad = bgnbd.log_likelihood_and_gradient(*params, x, t_x, big_t)
    ll_ref, grad_ref = _bgnbd_reference(*params, x, t_x, big_t)
    assert ll == ll_ref
    np.testing.assert_array_equal(grad, grad_ref)
    # and through the precomputed form the fit uses
    ll_pre, grad_pre = bgnbd.log_likelihood_and_gradient(*params, bgnbd.Customers(x, t_x, big_t))
    assert ll_pre == ll_ref
    np.testing.assert_array_equal(grad_pre, grad_ref)


@pytest.mark.parametrize("params", [(6.25, 3.74, 15.44), (1.0, 1.0, 1.0), (80.0, 1200.0, 0.5)])
def test_gamma_gamma_grouped_likelihood_is_the_per_customer_one(params):
    x, _, _, m_x = _portfolio(20_000, seed=8)
    keep = x > 0
    x, m_x = x[keep], m_x[keep]
    ll, grad = gamma_gamma.log_likelihood_and_gradient(*params, x, m_x)
    ll_ref, grad_ref = _gamma_gamma_reference(*params, x, m_x)
    assert ll == ll_ref
    np.testing.assert_array_equal(grad, grad_ref)


def test_fits_follow_the_reference_path_exactly(monkeypatch):
    """Fitting with the reference likelihood gives the very same parameters."""
    x, t_x, big_t, m_x = _portfolio(5_000, seed=9)
    fast_bg = bgnbd.fit_bgnbd(x, t_x, big_t, penalizer=1e-5)
    fast_gg = gamma_gamma.fit_gamma_gamma(x, m_x, penalizer=1e-5)

    def bg_reference(r, alpha, a, b, customers, *_):
        return _bgnbd_reference(r, alpha, a, b, customers.x, customers.t_x, customers.big_t)

    def gg_reference(p, q, gamma, buyers, *_):
        return _gamma_gamma_reference(p, q, gamma, buyers.x, buyers.m_x)

    monkeypatch.setattr(bgnbd, "log_likelihood_and_gradient", bg_reference)
    monkeypatch.setattr(gamma_gamma, "log_likelihood_and_gradient", gg_reference)
    assert bgnbd.fit_bgnbd(x, t_x, big_t, penalizer=1e-5) == fast_bg
    assert gamma_gamma.fit_gamma_gamma(x, m_x, penalizer=1e-5) == fast_gg


def test_nbd_fit_is_the_per_customer_fit(monkeypatch):
    """fit_nbd's grouped objective retraces the per-customer one to the same parameters."""
    from scipy import optimize

    from toolkit.clv import nbd

    x, _, big_t, _ = _portfolio(5_000, seed=10)
    fast = nbd.fit_nbd(x, big_t)
    scale = float(np.median(big_t))
    calls = []
    real_minimize = optimize.minimize

    def checking_minimize(fun, **kwargs):
        def wrapped(log_params):
            r, alpha_s = np.exp(log_params)
            reference = -float(nbd.log_likelihood_terms(r, alpha_s * scale, x, big_t).mean())
            value = fun(log_params)
            calls.append(value == reference)
            return value

        return real_minimize(wrapped, **kwargs)

    monkeypatch.setattr(nbd, "minimize", checking_minimize)
    assert nbd.fit_nbd(x, big_t) == fast
    assert calls and all(calls)
