"""Dated customer files: the same customers over time, some upgrading cards or limits.

Between consecutive snapshots a few customers move up a card tier (with a limit in
the new tier's range) and a few more see their credit limit change by more than 10%,
so the SCD Type 2 dimension has real history to track.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from toolkit.domain import CARD_TYPES, CREDIT_LIMIT_RANGES
from toolkit.generate.calendar import SNAPSHOT_DATES, day_number
from toolkit.generate.customers import DECLINING, NEW, Customers, limit_for_tier

_UPGRADE_P = np.array([0.05, 0.04, 0.025, 0.01, 0.09])
_LIMIT_CHANGE_P = np.array([0.05, 0.05, 0.04, 0.07, 0.10])
_TIER_LOW = np.array([CREDIT_LIMIT_RANGES[c][0] for c in CARD_TYPES], dtype=float)
_TIER_HIGH = np.array([CREDIT_LIMIT_RANGES[c][1] for c in CARD_TYPES], dtype=float)


def snapshot_states(customers: Customers, rng: np.random.Generator):
    """Yield ``(snapshot_date, member_mask, card_tier, credit_limit)`` per snapshot."""
    tier = customers.card_tier.copy()
    limit = customers.credit_limit.copy()
    profile = customers.profile
    n = len(customers)
    for i, snap in enumerate(SNAPSHOT_DATES):
        member = customers.open_day <= day_number(snap)
        if i > 0:
            was_member = customers.open_day <= day_number(SNAPSHOT_DATES[i - 1])
            upgrade = was_member & (tier < 3) & (rng.random(n) < _UPGRADE_P[profile])
            tier = np.where(upgrade, tier + 1, tier).astype(np.int8)
            upgraded_limit = np.maximum(
                limit_for_tier(rng, tier), np.round(limit * 1.15 / 100) * 100
            )
            limit = np.where(upgrade, np.minimum(upgraded_limit, _TIER_HIGH[tier]), limit)

            change = was_member & ~upgrade & (rng.random(n) < _LIMIT_CHANGE_P[profile])
            # declining customers' limits tend to be cut, growing customers' raised
            cut = change & ((profile == DECLINING) & (rng.random(n) < 0.6))
            factor = np.where(cut, rng.uniform(0.6, 0.85, n), rng.uniform(1.15, 1.45, n))
            factor = np.where(profile == NEW, np.maximum(factor, 1.2), factor)
            proposed = np.clip(
                np.round(limit * factor / 100) * 100, _TIER_LOW[tier], _TIER_HIGH[tier]
            )
            meaningful = np.abs(proposed - limit) > 0.10 * limit
            limit = np.where(change & meaningful, proposed, limit)
        yield snap, member, tier.copy(), limit.copy()


def snapshot_table(
    customers: Customers, snap: date, member: np.ndarray, tier: np.ndarray, limit: np.ndarray
) -> pa.Table:
    """One customer file as text columns, the way a core-banking extract lands."""
    idx = np.flatnonzero(member)

    def text(values) -> pa.Array:
        return pa.array(np.asarray(values, dtype=object)[idx], type=pa.string())

    def money(values) -> pa.Array:
        return pa.array([f"{v:.2f}" for v in np.asarray(values)[idx]], type=pa.string())

    card_names = np.array(CARD_TYPES, dtype=object)
    return pa.table(
        {
            "customer_id": text(customers.customer_id),
            "first_name": text(customers.first_name),
            "last_name": text(customers.last_name),
            "email": text(customers.email),
            "phone": text(customers.phone),
            "date_of_birth": text(customers.date_of_birth.astype(str)),
            "street_address": text(customers.street_address),
            "city": text(customers.city),
            "state": text(customers.state),
            "zip_code": text(customers.zip_code),
            "employment_status": text(customers.employment_status),
            "annual_income": money(customers.annual_income),
            "card_type": text(card_names[tier]),
            "credit_limit": money(limit),
            "account_open_date": text(customers.account_open_date.astype(str)),
            "snapshot_date": pa.array([snap.isoformat()] * len(idx), type=pa.string()),
        }
    )
