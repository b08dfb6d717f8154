"""NBD (Gamma-Poisson) purchase model: BG/NBD without dropout.

Ehrenberg's NBD: each customer buys as a Poisson process with rate λ ~ Gamma(r, α) and
never leaves. For frequent card spend — dozens of purchases a quarter — a BG/NBD fit
often drives the dropout probability a/(a+b) towards zero (b in the thousands), i.e.
it degenerates into this model; fitting it directly is the honest alternative, and the
calibration/holdout check (:mod:`toolkit.clv.holdout`) reports both.

Counts are repeat purchases x in (0, T] after the first one, as for BG/NBD.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln


@dataclass(frozen=True)
class NbdParams:
    r: float
    alpha: float
    log_likelihood: float

    def as_dict(self) -> dict[str, float]:
        return {"r": self.r, "alpha": self.alpha, "log_likelihood": self.log_likelihood}


def log_likelihood_terms(r, alpha, x, big_t) -> np.ndarray:
    """ln P(X(T) = x) under the NBD, without the constant −ln x!."""
    return (
        gammaln(r + x)
        - gammaln(r)
        + r * (np.log(alpha) - np.log(alpha + big_t))
        + x * (np.log(big_t) - np.log(alpha + big_t))
    )


def fit_nbd(frequency, T) -> NbdParams:
    x = np.asarray(frequency, dtype=float)
    big_t = np.asarray(T, dtype=float)
    keep = big_t > 0  # a customer observed for no time carries no rate information
    x, big_t = x[keep], big_t[keep]
    if x.size == 0:
        raise ValueError("cannot fit the NBD on zero customers")
    scale = float(np.median(big_t)) or 1.0
    # gammaln(r + x) once per distinct purchase count, gathered; log T never changes. Each
    # customer's term is the same operations in the same order as log_likelihood_terms, so
    # the fit is unchanged to the last bit (tests/clv/test_clv_speed.py).
    unique_x, inverse = np.unique(x, return_inverse=True)
    log_t = np.log(big_t)

    def negative_ll(log_params: np.ndarray) -> float:
        r, alpha_s = np.exp(log_params)
        alpha = alpha_s * scale
        log_alpha_t = np.log(alpha + big_t)
        terms = (
            (gammaln(r + unique_x) - gammaln(r))[inverse]
            + r * (np.log(alpha) - log_alpha_t)
            + x * (log_t - log_alpha_t)
        )
        return -float(terms.mean())

    result = minimize(negative_ll, x0=np.zeros(2), method="L-BFGS-B", bounds=[(-15.0, 15.0)] * 2)
    r, alpha_s = np.exp(result.x)
    alpha = float(alpha_s * scale)
    ll = float(log_likelihood_terms(r, alpha, x, big_t).sum())
    return NbdParams(float(r), alpha, ll)


def expected_purchases(params: NbdParams, t: float, frequency, T) -> np.ndarray:
    """E[purchases in (T, T + t] | x, T] = (r + x) / (α + T) · t (the posterior mean rate)."""
    x = np.asarray(frequency, dtype=float)
    big_t = np.asarray(T, dtype=float)
    return (params.r + x) / (params.alpha + big_t) * t
