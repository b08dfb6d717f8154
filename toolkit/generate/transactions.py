"""Card transactions, generated a month at a time with numpy.

Each customer's expected transactions per month come from their latent profile:
premium travellers spend big on travel, budget customers make many small necessity
purchases, declining customers fall 40-60% (70% slowly, 30% suddenly; a quarter keep
only a trickle), new customers grow from their opening date, and about one customer in
ten pauses for 1-3 months and comes back — so silence is a signal, not a verdict. A month is generated from
its own seeded stream, so the output does not depend on how it is chunked and
memory stays bounded by one month whatever the scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from toolkit.domain import CHANNELS, STATUSES
from toolkit.generate.calendar import day_number, month_starts
from toolkit.generate.customers import BUDGET, DECLINING, NEW, PREMIUM, PROFILES, STABLE, Customers
from toolkit.generate.reference import MERCHANT_CATEGORIES

_CATS = MERCHANT_CATEGORIES
_TRAVEL = np.array([c.is_travel and c.group == "Travel" for c in _CATS])
_TYPICAL = np.array([c.typical_amount for c in _CATS])
_ONLINE = np.array([c.online_share for c in _CATS])
_MOBILE = np.array([c.mobile_share for c in _CATS])

# Base transactions per month, per profile (≈270 per customer over 18 months overall).
_BASE_RATE = np.array([13.2, 14.6, 21.6, 15.0, 16.0])
# Probability that a purchase is travel, per profile (premium travellers: about a third).
_TRAVEL_PROPENSITY = np.array([0.30, 0.025, 0.006, 0.02, 0.015])
_DECLINE_RATE = np.array([0.028, 0.035, 0.052, 0.045, 0.040])
_SEASONALITY = {1: 0.9, 2: 0.93, 11: 1.08, 12: 1.2}
# Share of customers who go quiet for a while and come back (see plan_behaviour).
PAUSE_SHARE = 0.10


def _group_weights() -> dict[str, np.ndarray]:
    """Non-travel category weights per profile: relative preference by category group."""
    by_group = {
        # group: premium, stable, budget, declining, new
        "Dining": (3.0, 2.0, 1.2, 2.0, 2.6),
        "Groceries": (1.2, 2.4, 4.2, 2.4, 2.0),
        "Gas": (0.8, 1.6, 2.4, 1.6, 1.4),
        "Utilities": (0.5, 0.9, 1.3, 0.9, 0.7),
        "Shopping": (2.2, 1.6, 0.7, 1.6, 2.2),
        "Entertainment": (1.6, 1.0, 0.6, 1.0, 1.6),
        "Health": (0.7, 0.8, 0.9, 0.8, 0.5),
        "Transportation": (1.2, 0.8, 1.3, 0.8, 1.0),
        "Services": (0.7, 0.7, 0.6, 0.7, 0.5),
        "Travel": (0.0, 0.0, 0.0, 0.0, 0.0),
    }
    weights = {}
    for p in range(len(PROFILES)):
        w = np.array([by_group[c.group][p] for c in _CATS], dtype=float)
        # many small purchases: budget customers favour the cheap necessity categories
        if p == BUDGET:
            w *= np.where(_TYPICAL < 80, 1.6, 0.5)
        weights[PROFILES[p]] = w / w.sum()
    return weights


_NON_TRAVEL_CDF = np.array([np.cumsum(w) for w in _group_weights().values()])
_TRAVEL_CDF = np.cumsum(np.where(_TRAVEL, 1.0 / np.maximum(_TYPICAL, 1) ** 0.3, 0.0))
_TRAVEL_CDF /= _TRAVEL_CDF[-1]


@dataclass
class Behaviour:
    """Per-customer, per-month expected transaction counts (generator-internal)."""

    rates: np.ndarray  # (customers, months) expected transactions in the month
    first_day: np.ndarray  # (customers, months) first possible day offset in the month
    decline_boost: np.ndarray  # (customers, months) extra decline probability


def plan_behaviour(customers: Customers, rng: np.random.Generator) -> Behaviour:
    months = month_starts()
    n, m_count = len(customers), len(months)
    profile = customers.profile
    month_day = np.array([day_number(m) for m in months])
    month_len = np.diff(np.append(month_day, month_day[-1] + 31))
    month_len[-1] = 31  # December

    base = _BASE_RATE[profile] * rng.lognormal(0.0, 0.3, n)
    mult = rng.lognormal(0.0, 0.08, (n, m_count))
    mult *= np.array([_SEASONALITY.get(m.month, 1.0) for m in months])
    boost = np.zeros((n, m_count))
    month_idx = np.arange(m_count)

    # Declining: start between 2024-03 and 2024-09; 70% fade slowly over 3-8 months, 30%
    # suddenly; the remaining level is 40-60% of normal, and a quarter of them all but
    # stop — a trickle of 2-6% of their old activity (a subscription, the odd purchase),
    # not silence: churners rarely vanish from a card statement.
    declining = profile == DECLINING
    k = int(declining.sum())
    start = rng.integers(8, 15, k)
    floor = rng.uniform(0.4, 0.6, k)
    stops = rng.random(k) < 0.25
    floor[stops] = rng.uniform(0.02, 0.06, int(stops.sum()))
    gradual = rng.random(k) < 0.7
    ramp = np.where(gradual, rng.integers(3, 9, k), 1)
    progress = np.clip((month_idx[None, :] - start[:, None] + 1) / ramp[:, None], 0.0, 1.0)
    level = 1.0 - (1.0 - floor[:, None]) * progress
    mult[declining] *= level
    boost[declining] = 0.04 * progress

    # A few otherwise steady customers go quiet late in the data: churn that behaviour
    # only hints at, so the churn model has honest, imperfect signal.
    quiet = np.isin(profile, [STABLE, BUDGET, PREMIUM]) & (rng.random(n) < 0.04)
    q = int(quiet.sum())
    quiet_start = rng.integers(11, 17, q)
    mult[quiet] *= np.where(month_idx[None, :] >= quiet_start[:, None], 0.05, 1.0)

    # Silence is not destiny: about one customer in ten (not declining, not quietly
    # churning) has one pause of 1-3 months at 0-3% of their usual activity — travel, a
    # lost card being replaced, a seasonal break — and then spends as before.
    paused = ~declining & ~quiet & (rng.random(n) < PAUSE_SHARE)
    p_count = int(paused.sum())
    pause_start = rng.integers(1, m_count - 1, p_count)
    pause_end = pause_start + rng.integers(1, 4, p_count)
    in_pause = (month_idx[None, :] >= pause_start[:, None]) & (
        month_idx[None, :] < pause_end[:, None]
    )
    mult[paused] *= np.where(in_pause, rng.uniform(0.0, 0.03, p_count)[:, None], 1.0)

    # New customers ramp up from opening to 130% of their base rate at the as-of date.
    new = profile == NEW
    open_month = np.searchsorted(month_day, customers.open_day[new], side="right") - 1
    span = np.maximum(m_count - 1 - open_month, 1)
    growth = 0.35 + 0.95 * np.clip(
        (month_idx[None, :] - open_month[:, None]) / span[:, None], 0.0, 1.0
    )
    mult[new] *= growth

    # Nobody transacts before opening; the opening month counts only its open days.
    offset = customers.open_day[:, None] - month_day[None, :]
    first_day = np.clip(offset, 0, month_len[None, :])
    open_fraction = 1.0 - first_day / month_len[None, :]
    rates = base[:, None] * mult * open_fraction
    return Behaviour(rates=rates, first_day=first_day.astype(np.int32), decline_boost=boost)


_HOUR_WEIGHTS = np.array(
    [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3.5, 4, 4.5, 5.5, 7, 6, 5, 5, 5.5, 6.5, 7, 6.5, 5, 4, 3, 2],
    dtype=float,
)
_HOUR_CDF = np.cumsum(_HOUR_WEIGHTS) / _HOUR_WEIGHTS.sum()


@dataclass
class MonthOfTransactions:
    """One month of transactions as arrays, sorted by timestamp."""

    customer_index: np.ndarray
    ts_seconds: np.ndarray  # seconds since epoch
    day: np.ndarray  # days since epoch
    amount_cents: np.ndarray
    category_index: np.ndarray
    channel_index: np.ndarray
    declined: np.ndarray

    def __len__(self) -> int:
        return len(self.customer_index)


def generate_month(
    month_index: int, customers: Customers, behaviour: Behaviour, rng: np.random.Generator
) -> MonthOfTransactions:
    months = month_starts()
    month_day = day_number(months[month_index])
    next_day = (
        day_number(months[month_index + 1]) if month_index + 1 < len(months) else month_day + 31
    )

    counts = rng.poisson(behaviour.rates[:, month_index])
    cust = np.repeat(np.arange(len(customers), dtype=np.int32), counts)
    total = len(cust)
    lo = behaviour.first_day[cust, month_index]
    span = (next_day - month_day) - lo
    day = month_day + lo + np.floor(rng.random(total) * span).astype(np.int64)
    hour = np.searchsorted(_HOUR_CDF, rng.random(total))
    ts = day * 86_400 + hour * 3_600 + rng.integers(0, 3_600, total)

    profile = customers.profile[cust]
    category = np.empty(total, dtype=np.int16)
    travel = rng.random(total) < _TRAVEL_PROPENSITY[profile]
    u = rng.random(total)
    category[travel] = np.searchsorted(_TRAVEL_CDF, u[travel])
    for p in range(len(PROFILES)):
        rows = (~travel) & (profile == p)
        category[rows] = np.searchsorted(_NON_TRAVEL_CDF[p], u[rows])
    category = np.minimum(category, len(_CATS) - 1)

    sigma = 0.55
    amount = (
        _TYPICAL[category]
        * customers.spend_multiplier[cust]
        * rng.lognormal(-(sigma**2) / 2, sigma, total)
    )
    amount_cents = np.maximum(np.round(amount * 100), 100).astype(np.int64)

    p_decline = _DECLINE_RATE[profile] + behaviour.decline_boost[cust, month_index]
    p_decline = p_decline + np.where(
        amount_cents / 100 > 0.25 * customers.credit_limit[cust], 0.12, 0.0
    )
    declined = rng.random(total) < p_decline

    v = rng.random(total)
    channel = np.where(
        v < _ONLINE[category], 0, np.where(v < _ONLINE[category] + _MOBILE[category], 2, 1)
    )

    order = np.argsort(ts, kind="stable")
    return MonthOfTransactions(
        customer_index=cust[order],
        ts_seconds=ts[order],
        day=day[order],
        amount_cents=amount_cents[order],
        category_index=category[order],
        channel_index=channel[order].astype(np.int8),
        declined=declined[order],
    )


def to_landing_table(month: MonthOfTransactions, customers: Customers, first_id: int) -> pa.Table:
    """Columns as a card processor lands them: numeric ids, amount and timestamp as text."""
    n = len(month)
    transaction_id = pa.array(np.arange(first_id, first_id + n, dtype=np.int64))
    dollars = pc.cast(pa.array(month.amount_cents // 100), pa.string())
    cents = pc.utf8_lpad(pc.cast(pa.array(month.amount_cents % 100), pa.string()), 2, "0")
    amount = pc.binary_join_element_wise(dollars, cents, ".")
    ts = pc.cast(
        pa.array(month.ts_seconds, type=pa.timestamp("s")), pa.string()
    )  # "YYYY-MM-DD HH:MM:SS"
    category_ids = pa.array([c.category_id for c in _CATS], type=pa.string())
    return pa.table(
        {
            "transaction_id": transaction_id,
            "customer_id": pc.take(
                pa.array(customers.customer_id, type=pa.string()), pa.array(month.customer_index)
            ),
            "transaction_ts": ts,
            "amount": amount,
            "merchant_category_id": pc.take(category_ids, pa.array(month.category_index)),
            "channel": pc.take(pa.array(CHANNELS, type=pa.string()), pa.array(month.channel_index)),
            "status": pc.take(pa.array(STATUSES), pa.array(month.declined.astype(np.int8))),
        }
    )
