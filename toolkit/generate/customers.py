"""Synthetic customers, sampled in bulk with numpy from Faker's en_US data.

Each customer carries a latent *behaviour profile* that drives how they spend.
The profile is generator-internal: it never reaches the landing files, so nothing
downstream (segments, churn model) can learn it except from behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from faker.providers.address.en_US import Provider as AddressProvider
from faker.providers.internet.en_US import Provider as InternetProvider
from faker.providers.person.en_US import Provider as PersonProvider

from toolkit.domain import CARD_TYPES, CREDIT_LIMIT_RANGES
from toolkit.generate.calendar import DATA_END, day_number
from toolkit.generate.reference import CITIES, EMPLOYMENT_STATUSES

PROFILES = ("premium_traveler", "stable", "budget", "declining", "new_growing")
PROFILE_SHARES = np.array([0.12, 0.36, 0.25, 0.16, 0.11])
PREMIUM, STABLE, BUDGET, DECLINING, NEW = range(5)

# Card tier probabilities (Basic, Silver, Gold, Platinum) per profile.
_CARD_MIX = np.array(
    [
        [0.00, 0.05, 0.35, 0.60],  # premium travellers
        [0.15, 0.45, 0.30, 0.10],  # stable
        [0.60, 0.32, 0.08, 0.00],  # budget
        [0.20, 0.40, 0.28, 0.12],  # declining
        [0.45, 0.35, 0.15, 0.05],  # new & growing
    ]
)
# Spend multiplier on every ticket, per card tier (richer cards, bigger tickets).
_TIER_SPEND = np.array([0.55, 0.85, 1.25, 1.9])
_PROFILE_SPEND = np.array([1.35, 1.0, 0.55, 1.0, 0.9])


@dataclass
class Customers:
    """Column arrays for N customers (index i is customer ``C{i+1:06d}``)."""

    customer_id: np.ndarray
    profile: np.ndarray  # int8 index into PROFILES (generator-internal)
    first_name: np.ndarray
    last_name: np.ndarray
    email: np.ndarray
    phone: np.ndarray
    date_of_birth: np.ndarray  # datetime64[D]
    street_address: np.ndarray
    city: np.ndarray
    state: np.ndarray
    zip_code: np.ndarray
    employment_status: np.ndarray
    annual_income: np.ndarray
    card_tier: np.ndarray  # int8 index into CARD_TYPES at the first snapshot
    credit_limit: np.ndarray  # dollars at the first snapshot
    open_day: np.ndarray  # account opening, days since 1970-01-01
    spend_multiplier: np.ndarray

    def __len__(self) -> int:
        return len(self.customer_id)

    @property
    def account_open_date(self) -> np.ndarray:
        return self.open_day.astype("datetime64[D]")


def _weighted(rng: np.random.Generator, mapping, size: int) -> np.ndarray:
    names = np.array(list(mapping.keys()), dtype=object)
    weights = np.array(list(mapping.values()), dtype=float)
    return names[rng.choice(len(names), size=size, p=weights / weights.sum())]


def limit_for_tier(rng: np.random.Generator, tier: np.ndarray) -> np.ndarray:
    """A credit limit inside the tier's range, rounded to $100."""
    low = np.array([CREDIT_LIMIT_RANGES[c][0] for c in CARD_TYPES])[tier]
    high = np.array([CREDIT_LIMIT_RANGES[c][1] for c in CARD_TYPES])[tier]
    return np.round((low + rng.beta(2.0, 2.5, size=len(tier)) * (high - low)) / 100.0) * 100.0


def make_customers(n: int, rng: np.random.Generator) -> Customers:
    profile = rng.choice(len(PROFILES), size=n, p=PROFILE_SHARES).astype(np.int8)

    female = rng.random(n) < 0.51
    first_f = _weighted(rng, PersonProvider.first_names_female, n)
    first_m = _weighted(rng, PersonProvider.first_names_male, n)
    first_name = np.where(female, first_f, first_m)
    last_name = _weighted(rng, PersonProvider.last_names, n)

    ids = np.arange(1, n + 1)
    customer_id = np.array([f"C{i:06d}" for i in ids], dtype=object)
    domains = np.array(InternetProvider.free_email_domains, dtype=object)
    domain = domains[rng.integers(0, len(domains), n)]
    # the numeric suffix keeps e-mails unique, as a real issuer's would be
    email = np.array(
        [
            f"{first}.{last}{i % 997}@{d}".lower()
            for first, last, i, d in zip(first_name, last_name, ids, domain, strict=True)
        ],
        dtype=object,
    )
    area = rng.integers(201, 990, n)
    exchange = rng.integers(200, 999, n)
    line = rng.integers(0, 10_000, n)
    phone = np.array(
        [f"({a}) {e}-{x:04d}" for a, e, x in zip(area, exchange, line, strict=True)], dtype=object
    )

    # Age: premium customers skew older, budget and new customers younger.
    age_mean = np.array([50.0, 45.0, 33.0, 46.0, 30.0])[profile]
    age = np.clip(np.round(rng.normal(age_mean, 11.0)), 18, 80).astype(np.int32)
    # whole years of age at the as-of date, never younger than 18
    dob_day = (
        day_number(DATA_END) - np.ceil(age * 365.25).astype(np.int64) - rng.integers(0, 365, n)
    )

    city_weights = np.array([c[2] for c in CITIES])
    city_idx = rng.choice(len(CITIES), size=n, p=city_weights / city_weights.sum())
    city = np.array([CITIES[i][0] for i in city_idx], dtype=object)
    state = np.array([CITIES[i][1] for i in city_idx], dtype=object)
    zip_low = np.array(
        [AddressProvider.states_postcode.get(CITIES[i][1], (20001, 20099))[0] for i in city_idx]
    )
    zip_code = np.array([f"{z:05d}" for z in zip_low + rng.integers(0, 60, n)], dtype=object)
    street_names = np.array(list(PersonProvider.last_names.keys()), dtype=object)
    suffixes = np.array(AddressProvider.street_suffixes, dtype=object)
    street_address = np.array(
        [
            f"{num} {name} {suf}"
            for num, name, suf in zip(
                rng.integers(1, 9999, n),
                street_names[rng.integers(0, len(street_names), n)],
                suffixes[rng.integers(0, len(suffixes), n)],
                strict=True,
            )
        ],
        dtype=object,
    )

    employment = np.full(n, EMPLOYMENT_STATUSES[0], dtype=object)
    roll = rng.random(n)
    employment[roll < 0.12] = "Self-Employed"
    employment[(age >= 62) & (roll < 0.75)] = "Retired"
    employment[(age <= 24) & (roll < 0.45)] = "Student"
    employment[(roll > 0.965) & (age < 62)] = "Unemployed"

    card_tier = np.empty(n, dtype=np.int8)
    for p in range(len(PROFILES)):
        members = profile == p
        card_tier[members] = rng.choice(4, size=int(members.sum()), p=_CARD_MIX[p])
    credit_limit = limit_for_tier(rng, card_tier)
    income = np.round(credit_limit * rng.uniform(2.5, 6.0, n) + rng.normal(25_000, 6_000, n), -2)
    annual_income = np.clip(income, 12_000, 950_000)

    # Opening dates: 2020-2024. New & growing customers opened in the last ~10 months
    # of the data, everyone else earlier (a few during the data window, so tenure varies).
    start, end = day_number(date(2020, 1, 1)), day_number(date(2024, 2, 29))
    open_day = rng.integers(start, end, n)
    new_members = profile == NEW
    open_day[new_members] = rng.integers(
        day_number(date(2024, 3, 1)), day_number(date(2024, 10, 15)), new_members.sum()
    )
    # Nobody opens a card account before 18: move such birth dates earlier.
    adult_at_opening = open_day - np.ceil(18 * 365.25).astype(np.int64)
    too_young = dob_day > adult_at_opening
    dob_day[too_young] = adult_at_opening[too_young] - rng.integers(
        0, 3 * 365, int(too_young.sum())
    )
    spend_multiplier = (
        _TIER_SPEND[card_tier] * _PROFILE_SPEND[profile] * rng.lognormal(0.0, 0.25, n)
    )

    return Customers(
        customer_id=customer_id,
        profile=profile,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        date_of_birth=dob_day.astype("datetime64[D]"),
        street_address=street_address,
        city=city,
        state=state,
        zip_code=zip_code,
        employment_status=employment,
        annual_income=annual_income,
        card_tier=card_tier,
        credit_limit=credit_limit,
        open_day=open_day.astype(np.int64),
        spend_multiplier=spend_multiplier,
    )
