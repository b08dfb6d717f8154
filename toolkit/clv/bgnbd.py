"""BG/NBD ("Beta-Geometric / Negative Binomial Distribution") purchase model.

Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way: An Alternative to
the Pareto/NBD Model", Marketing Science 24(2). While alive a customer buys as a Poisson
process with rate λ ~ Gamma(r, α); after each purchase they drop out with probability
p ~ Beta(a, b). Each customer is summarised by ``frequency`` x (repeat purchases),
``recency`` t_x (time of the last purchase, measured from the first) and ``T`` (time
from the first purchase to the end of observation), all in the same time unit.

Fitting maximises the log-likelihood (paper, eq. 6) over log-parameters with L-BFGS-B,
so every parameter stays positive without bounds on the search space.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, digamma, gammaln, hyp2f1


@dataclass(frozen=True)
class BgNbdParams:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float

    def as_dict(self) -> dict[str, float]:
        return {
            "r": self.r,
            "alpha": self.alpha,
            "a": self.a,
            "b": self.b,
            "log_likelihood": self.log_likelihood,
        }


def _as_arrays(frequency, recency, T):
    x = np.asarray(frequency, dtype=float)
    t_x = np.asarray(recency, dtype=float)
    big_t = np.asarray(T, dtype=float)
    if not (x.shape == t_x.shape == big_t.shape):
        raise ValueError("frequency, recency and T must have the same length")
    if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > big_t + 1e-9):
        raise ValueError("need frequency >= 0 and 0 <= recency <= T")
    return x, t_x, big_t


def log_likelihood_terms(r, alpha, a, b, x, t_x, big_t) -> np.ndarray:
    """Per-customer log-likelihood ln L(r, α, a, b | x, t_x, T) (paper, eq. 6)."""
    ln_a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    ln_a2 = betaln(a, b + x) - betaln(a, b)
    ln_a3 = -(r + x) * np.log(alpha + big_t)
    has_repeat = x > 0
    # A4 only exists for repeat buyers; b + x - 1 > 0 there, so the log is defined.
    ln_a4 = np.full_like(x, -np.inf)
    xr = x[has_repeat]
    ln_a4[has_repeat] = np.log(a) - np.log(b + xr - 1) - (r + xr) * np.log(alpha + t_x[has_repeat])
    return ln_a1 + ln_a2 + np.logaddexp(ln_a3, ln_a4)


class Customers:
    """(x, t_x, T) arrays with what a likelihood evaluation reuses, computed once per fit.

    Every term that depends on a customer only through x (gammaln, betaln, digamma of
    r + x, b + x, a + b + x) is evaluated once per *distinct* x and gathered: a portfolio
    of 50,000 card holders has ~800 distinct purchase counts. (Grouping whole (x, t_x, T)
    triples would not help: t_x and T are in fractional days, so no two customers share
    one.) Each customer's value is still built by the same floating-point operations in
    the same order, so results equal the per-customer formula bit for bit
    (tests/clv/test_clv_speed.py).
    """

    def __init__(self, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray):
        self.x, self.t_x, self.big_t = x, t_x, big_t
        self.unique_x, self.inverse = np.unique(x, return_inverse=True)
        self.has_repeat = x > 0
        self.unique_repeat = self.unique_x > 0
        self.repeat_inverse = self.inverse[self.has_repeat]
        self.t_x_repeat = t_x[self.has_repeat]


def log_likelihood_and_gradient(
    r, alpha, a, b, x, t_x=None, big_t=None
) -> tuple[float, np.ndarray]:
    """Total log-likelihood and its gradient in (r, α, a, b), analytically.

    With ``L34 = ln(A3 + A4)`` and weights ``w3 = A3 / (A3 + A4)``, ``w4 = 1 − w3``, each
    term's derivative follows from digamma (ψ) identities; an analytic gradient makes
    L-BFGS-B several times faster than finite differences on 50,000 customers.
    ``x`` may be a :class:`Customers` (then ``t_x`` and ``T`` come from it).
    """
    c = x if isinstance(x, Customers) else Customers(*_as_arrays(x, t_x, big_t))
    x, t_x, big_t, inv = c.x, c.t_x, c.big_t, c.inverse
    ux, has_repeat = c.unique_x, c.has_repeat
    r_x = (r + ux)[inv]
    log_alpha_t = np.log(alpha + big_t)
    log_alpha_tx = np.log(alpha + t_x)
    ln_a3 = -r_x * log_alpha_t
    ln_a4 = np.full_like(x, -np.inf)
    # A4 only exists for repeat buyers; b + x - 1 > 0 there, so the log is defined.
    log_b_x_1 = np.zeros_like(ux)
    log_b_x_1[c.unique_repeat] = np.log(b + ux[c.unique_repeat] - 1)
    ln_a4[has_repeat] = (
        np.log(a) - log_b_x_1[c.repeat_inverse] - r_x[has_repeat] * log_alpha_tx[has_repeat]
    )
    l34 = np.logaddexp(ln_a3, ln_a4)
    w3 = np.exp(ln_a3 - l34)
    w4 = 1.0 - w3
    per_x = gammaln(r + ux) - gammaln(r) + r * np.log(alpha) + betaln(a, b + ux) - betaln(a, b)
    ll = per_x[inv] + l34
    # log(b + x − 1) only matters where w4 > 0 (repeat buyers); guard x = 0 rows.
    b_x_1 = np.where(c.unique_repeat, b + ux - 1, 1.0)[inv]
    d_r = (digamma(r + ux) - digamma(r) + np.log(alpha))[inv]
    d_r += -w3 * log_alpha_t - w4 * log_alpha_tx
    d_alpha = r / alpha - w3 * r_x / (alpha + big_t) - w4 * r_x / (alpha + t_x)
    digamma_abx = digamma(a + b + ux)
    d_a = (digamma(a + b) - digamma_abx)[inv] + w4 / a
    d_b = (digamma(b + ux) - digamma_abx - digamma(b) + digamma(a + b))[inv] - w4 / b_x_1
    gradient = np.array([d_r.sum(), d_alpha.sum(), d_a.sum(), d_b.sum()])
    return float(ll.sum()), gradient


def fit_bgnbd(
    frequency, recency, T, *, initial=(1.0, 1.0, 1.0, 1.0), penalizer: float = 0.0
) -> BgNbdParams:
    """Maximum-likelihood BG/NBD parameters for the given customers."""
    x, t_x, big_t = _as_arrays(frequency, recency, T)
    if x.size == 0:
        raise ValueError("cannot fit BG/NBD on zero customers")
    # Scaling times by a typical T keeps α near 1, which keeps L-BFGS-B well conditioned
    # whatever the time unit (days, weeks); α is scaled back below. r, a, b are unit-free.
    scale = float(np.median(big_t)) or 1.0
    t_x_s, big_t_s = t_x / scale, big_t / scale
    n = x.size
    customers = Customers(x, t_x_s, big_t_s)

    def negative_ll(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        ll, gradient = log_likelihood_and_gradient(*params, customers)
        # chain rule for the log-parameterisation: d/d(log θ) = θ · d/dθ
        penalty = penalizer * float(log_params @ log_params)
        return -ll / n + penalty, -gradient * params / n + 2 * penalizer * log_params

    result = minimize(
        negative_ll,
        x0=np.log(np.asarray(initial, dtype=float)),
        jac=True,
        method="L-BFGS-B",
        # Bounds on log-params only stop overflow in exp() during line searches.
        bounds=[(-15.0, 15.0)] * 4,
        options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9},
    )
    r, alpha_s, a, b = np.exp(result.x)
    alpha = alpha_s * scale
    ll = float(log_likelihood_terms(r, alpha, a, b, x, t_x, big_t).sum())
    return BgNbdParams(float(r), float(alpha), float(a), float(b), ll)


def probability_alive(params: BgNbdParams, frequency, recency, T) -> np.ndarray:
    """P(customer still alive at T | x, t_x, T) (Fader, Hardie & Lee 2008 note, eq. 2)."""
    x, t_x, big_t = _as_arrays(frequency, recency, T)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    log_ratio = np.zeros_like(x)
    rep = x > 0
    xr = x[rep]
    log_ratio[rep] = (
        np.log(a)
        - np.log(b + xr - 1)
        + (r + xr) * (np.log(alpha + big_t[rep]) - np.log(alpha + t_x[rep]))
    )
    # 1 / (1 + e^log_ratio) without overflow for long-silent heavy buyers.
    return np.where(rep, 1.0 / (1.0 + np.exp(np.minimum(log_ratio, 700.0))), 1.0)


def expected_purchases(params: BgNbdParams, t: float, frequency, recency, T) -> np.ndarray:
    """E[purchases in (T, T + t] | x, t_x, T] (paper, eq. 10).

    The paper's form multiplies ((α+T)/(α+T+t))^(r+x), which underflows, by
    2F1(r+x, b+x; a+b+x−1; z), which overflows, once x reaches the hundreds (a card
    holder's year). Euler's transformation 2F1(A, B; C; z) = (1−z)^(C−A−B) 2F1(C−A, C−B; C; z)
    folds the two into ((α+T)/(α+T+t))^(a−1) · 2F1(a+b−1−r, a−1; a+b+x−1; z), whose
    series converges quickly for any x.
    """
    x, t_x, big_t = _as_arrays(frequency, recency, T)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    z = t / (alpha + big_t + t)
    shrink = ((alpha + big_t) / (alpha + big_t + t)) ** (a - 1)
    hyp = hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
    numerator = (a + b + x - 1) / (a - 1) * (1.0 - shrink * hyp)
    return numerator * probability_alive(params, x, t_x, big_t)


def expected_purchases_new_customer(params: BgNbdParams, t: float) -> float:
    """E[X(t)] for a customer just acquired (paper, eq. 7)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    z = t / (alpha + t)
    return float(
        (a + b - 1) / (a - 1) * (1.0 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))
    )
