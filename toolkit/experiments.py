"""Campaigns as experiments: hold-out design, sample size and the measured readout.

Pure maths and pandas, no I/O; the Campaign Simulator and ``gold.campaign_assignments``
use it. Notation: a campaign treats ``n_t`` customers and holds out ``n_c``; the outcome is
retention (a customer still transacting in the campaign window, a proportion) and spend
in the window (a mean).

Sample size (two proportions, two-sided test at level α, power 1 − β, unpooled variance
under the alternative — Fleiss, Levin & Paik, *Statistical Methods for Rates and
Proportions*, 3rd ed., eq. 4.14, without continuity correction), with k = n_t / n_c::

    n_c = ( z_{1-α/2} · sqrt(p̄ q̄ (1 + 1/k)) + z_{1-β} · sqrt(p_t q_t / k + p_c q_c) )² / Δ²
    p̄   = (k p_t + p_c) / (1 + k)

For p_c = 0.4, p_t = 0.6, α = 0.05, power 0.8, k = 1 it gives the textbook 97 per group.

Readout: retention difference with the Wald interval (unpooled standard error) and the
pooled z-test p-value; spend difference of means with Welch's t interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

TREATED = "treated"
HOLDOUT = "holdout"


def _check_rate(name: str, value: float, *, open_interval: bool = True) -> None:
    low_ok = value > 0 if open_interval else value >= 0
    high_ok = value < 1 if open_interval else value <= 1
    if not (low_ok and high_ok):
        raise ValueError(f"{name} must be between 0 and 1 (got {value})")


def _z(p: float) -> float:
    return float(stats.norm.ppf(p))


# --------------------------------------------------------------------------- design


@dataclass(frozen=True)
class SampleSize:
    """Customers needed in each arm to detect ``uplift`` on ``baseline_rate``."""

    treated: int
    holdout: int
    baseline_rate: float
    uplift: float
    alpha: float
    power: float

    @property
    def total(self) -> int:
        return self.treated + self.holdout


def _allocation(holdout_fraction: float) -> float:
    _check_rate("holdout_fraction", holdout_fraction)
    return (1 - holdout_fraction) / holdout_fraction  # k = n_t / n_c


def required_sample_size(
    baseline_rate: float,
    uplift: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    holdout_fraction: float = 0.5,
) -> SampleSize:
    """Per-arm sizes for a two-sided test of retention ``baseline_rate`` → ``+ uplift``."""
    _check_rate("baseline_rate", baseline_rate)
    _check_rate("alpha", alpha)
    _check_rate("power", power)
    if uplift == 0:
        raise ValueError("an uplift of zero cannot be detected; assume a non-zero uplift")
    p_c, p_t = baseline_rate, baseline_rate + uplift
    _check_rate("baseline_rate + uplift", p_t)
    k = _allocation(holdout_fraction)
    p_bar = (k * p_t + p_c) / (1 + k)
    numerator = _z(1 - alpha / 2) * math.sqrt(p_bar * (1 - p_bar) * (1 + 1 / k)) + _z(
        power
    ) * math.sqrt(p_t * (1 - p_t) / k + p_c * (1 - p_c))
    n_c = math.ceil(numerator**2 / (p_t - p_c) ** 2 - 1e-9)
    n_t = math.ceil(k * n_c - 1e-9)
    return SampleSize(n_t, n_c, baseline_rate, uplift, alpha, power)


def power_for(
    n_treated: int, n_holdout: int, baseline_rate: float, uplift: float, *, alpha: float = 0.05
) -> float:
    """Power of the two-sided test with these arm sizes (the inverse of the formula above)."""
    if n_treated < 1 or n_holdout < 1:
        return 0.0
    p_c, p_t = baseline_rate, baseline_rate + uplift
    _check_rate("baseline_rate", p_c)
    _check_rate("baseline_rate + uplift", p_t)
    p_bar = (n_treated * p_t + n_holdout * p_c) / (n_treated + n_holdout)
    se_null = math.sqrt(p_bar * (1 - p_bar) * (1 / n_treated + 1 / n_holdout))
    se_alt = math.sqrt(p_t * (1 - p_t) / n_treated + p_c * (1 - p_c) / n_holdout)
    z_alpha = _z(1 - alpha / 2)
    delta = abs(p_t - p_c)
    return float(stats.norm.cdf((delta - z_alpha * se_null) / se_alt))


def minimum_detectable_uplift(
    n_treated: int,
    n_holdout: int,
    baseline_rate: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
) -> float | None:
    """The smallest positive uplift these arm sizes detect with ``power``; None if none can."""
    high = (1 - baseline_rate) - 1e-9
    if (
        n_treated < 1
        or n_holdout < 1
        or power_for(n_treated, n_holdout, baseline_rate, high, alpha=alpha) < power
    ):
        return None
    low = 1e-9
    for _ in range(80):  # bisection: power rises monotonically with the uplift
        mid = (low + high) / 2
        if power_for(n_treated, n_holdout, baseline_rate, mid, alpha=alpha) >= power:
            high = mid
        else:
            low = mid
    return high


# --------------------------------------------------------------------------- assignment


def _hash_key(seed: int) -> str:
    """The 16-character key SipHash takes, from the seed."""
    return f"{int(seed) % 10**16:016d}"


def assign_holdout(
    audience: pd.DataFrame,
    *,
    holdout_fraction: float,
    seed: int,
    strata: tuple[str, ...] = ("customer_segment", "churn_risk_category"),
) -> pd.DataFrame:
    """A seeded, stratified random split: ``customer_id``, the strata and ``group``.

    Within each stratum (segment × risk band) each customer gets a pseudo-random key, a
    64-bit hash of its id keyed by ``seed``; the round(n × fraction) smallest keys are held
    out. Every stratum is split in the same proportion, and the same seed gives the same
    split whatever order the rows arrive in (rows come back in their input order). Seeds
    are taken modulo 10¹⁶ (the key is 16 characters). Vectorised: no per-stratum loop.
    """
    _check_rate("holdout_fraction", holdout_fraction)
    if "customer_id" not in audience.columns:
        raise ValueError("the audience needs a customer_id column")
    missing = [column for column in strata if column not in audience.columns]
    if missing:
        raise ValueError(f"the audience has no {', '.join(missing)} column to stratify by")
    if audience["customer_id"].duplicated().any():
        raise ValueError("each customer may appear in the audience once")
    frame = audience[["customer_id", *strata]].reset_index(drop=True)
    if frame[list(strata)].isna().any().any():
        frame = frame.fillna({c: "(none)" for c in strata})
    n = len(frame)
    group = np.full(n, TREATED, dtype=object)
    if n:
        stratum_codes = [pd.factorize(frame[c], sort=True)[0] for c in strata]
        combined = np.zeros(n, dtype=np.int64)
        for column_codes in stratum_codes:
            combined = combined * (int(column_codes.max()) + 1) + column_codes
        codes = np.unique(combined, return_inverse=True)[1]  # stratum number of each row
        # each customer's key is a keyed 64-bit hash (SipHash, pandas' hash_pandas_object)
        # of its id with the seed as the key: uniform, reproducible, independent of row order
        keys = pd.util.hash_pandas_object(
            frame["customer_id"].astype(str), index=False, hash_key=_hash_key(seed)
        ).to_numpy()
        order = np.lexsort((keys, codes))  # by stratum, then by random key
        counts = np.bincount(codes)
        starts = np.cumsum(counts) - counts
        rank = np.arange(n) - starts[codes[order]]  # position within its stratum
        n_holdout = np.floor(counts * holdout_fraction + 0.5).astype(int)
        group[order[rank < n_holdout[codes[order]]]] = HOLDOUT
    frame["group"] = group
    return frame


# --------------------------------------------------------------------------- readout


@dataclass(frozen=True)
class Estimate:
    """Treated minus hold-out, with a two-sided confidence interval."""

    treated: float
    holdout: float
    difference: float
    low: float
    high: float
    p_value: float

    @property
    def relative(self) -> float | None:
        return self.difference / self.holdout if self.holdout else None

    def covers(self, value: float) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class Readout:
    n_treated: int
    n_holdout: int
    confidence: float
    retention: Estimate
    spend: Estimate


def retention_difference(
    retained_treated: int, n_treated: int, retained_holdout: int, n_holdout: int, *, confidence=0.95
) -> Estimate:
    """Difference of proportions: Wald interval (unpooled SE), pooled two-sided z-test."""
    if n_treated < 1 or n_holdout < 1:
        raise ValueError("both arms need at least one customer")
    p_t, p_c = retained_treated / n_treated, retained_holdout / n_holdout
    diff = p_t - p_c
    se = math.sqrt(p_t * (1 - p_t) / n_treated + p_c * (1 - p_c) / n_holdout)
    half = _z(1 - (1 - confidence) / 2) * se
    pooled = (retained_treated + retained_holdout) / (n_treated + n_holdout)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / n_treated + 1 / n_holdout))
    p_value = 1.0 if se0 == 0 else float(2 * stats.norm.sf(abs(diff) / se0))
    return Estimate(p_t, p_c, diff, diff - half, diff + half, p_value)


def mean_difference(treated: np.ndarray, holdout: np.ndarray, *, confidence=0.95) -> Estimate:
    """Difference of means with Welch's t interval (unequal variances)."""
    treated, holdout = np.asarray(treated, float), np.asarray(holdout, float)
    if len(treated) < 2 or len(holdout) < 2:
        raise ValueError("both arms need at least two customers for a spend interval")
    m_t, m_c = treated.mean(), holdout.mean()
    v_t, v_c = treated.var(ddof=1) / len(treated), holdout.var(ddof=1) / len(holdout)
    se = math.sqrt(v_t + v_c)
    diff = float(m_t - m_c)
    if se == 0:
        return Estimate(float(m_t), float(m_c), diff, diff, diff, 1.0 if diff == 0 else 0.0)
    dof = (v_t + v_c) ** 2 / (v_t**2 / (len(treated) - 1) + v_c**2 / (len(holdout) - 1))
    half = float(stats.t.ppf(1 - (1 - confidence) / 2, dof)) * se
    p_value = float(2 * stats.t.sf(abs(diff) / se, dof))
    return Estimate(float(m_t), float(m_c), diff, diff - half, diff + half, p_value)


def readout(outcomes: pd.DataFrame, *, confidence: float = 0.95) -> Readout:
    """Measured uplift from per-customer outcomes: columns ``group``, ``retained``, ``spend``."""
    for column in ("group", "retained", "spend"):
        if column not in outcomes.columns:
            raise ValueError(f"the outcomes need a {column} column")
    treated = outcomes[outcomes["group"] == TREATED]
    holdout = outcomes[outcomes["group"] == HOLDOUT]
    retention = retention_difference(
        int(treated["retained"].astype(bool).sum()),
        len(treated),
        int(holdout["retained"].astype(bool).sum()),
        len(holdout),
        confidence=confidence,
    )
    spend = mean_difference(
        treated["spend"].fillna(0).to_numpy(),
        holdout["spend"].fillna(0).to_numpy(),
        confidence=confidence,
    )
    return Readout(len(treated), len(holdout), confidence, retention, spend)
