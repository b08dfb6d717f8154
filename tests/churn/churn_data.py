"""A simulated gold layer for the churn tests (imported by name: ``from churn_data import ...``;
a conftest module cannot be imported reliably when several test folders have one)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from toolkit.safety import mark_database

DATA_START = date(2023, 7, 1)
DATA_END = date(2024, 12, 31)

CATEGORIES = pd.DataFrame(
    {
        "merchant_category_key": [1, 2, 3],
        "merchant_category_id": ["MC001", "MC002", "MC003"],
        "category_name": ["Airlines", "Grocery Stores", "Restaurants"],
        "category_group": ["Travel", "Groceries", "Dining"],
        "is_discretionary": [True, False, True],
        "is_necessity": [False, True, False],
        "is_travel": [True, False, False],
    }
)


def write_gold(db_path: Path, customers: pd.DataFrame, transactions: pd.DataFrame) -> Path:
    """gold.dim_customer / dim_merchant_category / fct_transactions from frames."""
    con = duckdb.connect(str(db_path))
    try:
        mark_database(con)  # stands in for a c360-built database (toolkit/safety.py)
        for schema in ("bronze", "silver", "gold", "observability"):
            con.execute(f"create schema if not exists {schema}")
        con.register("customers_in", customers)
        con.register("transactions_in", transactions)
        con.register("categories_in", CATEGORIES)
        con.execute(
            """
            create or replace table gold.dim_customer as
            select
                row_number() over (order by customer_id, valid_from) as customer_key,
                customer_id,
                customer_id as full_name,
                card_type,
                cast(credit_limit as decimal(12, 2)) as credit_limit,
                cast(account_open_date as date) as account_open_date,
                cast(valid_from as date) as valid_from,
                cast(valid_to as date) as valid_to,
                valid_to is null as is_current
            from customers_in
            """
        )
        con.execute(
            "create or replace table gold.dim_merchant_category as select * from categories_in"
        )
        con.execute(
            """
            create or replace table gold.fct_transactions as
            select
                row_number() over (order by transaction_ts, customer_id) as transaction_key,
                'T' || lpad(cast(row_number() over (order by transaction_ts, customer_id)
                    as varchar), 10, '0') as transaction_id,
                customer_id,
                merchant_category_key,
                cast(transaction_ts as timestamp) as transaction_ts,
                cast(transaction_ts as date) as transaction_date,
                cast(amount as decimal(12, 2)) as amount,
                channel,
                status
            from transactions_in
            """
        )
    finally:
        con.close()
    return db_path


def simulate_portfolio(n_customers: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A portfolio with learnable churn: 'faders' slow down over ~2 months, then stop.

    Everyone buys as a Poisson process (0.2-0.8 purchases a day); a fifth of customers
    start fading at a random date in 2024, with a rising decline rate while they fade.
    """
    rng = np.random.default_rng(seed)
    days = pd.date_range(DATA_START, DATA_END, freq="D")
    ids = np.array([f"C{i:06d}" for i in range(1, n_customers + 1)])
    open_offset = rng.integers(-900, 200, n_customers)  # some open during the data
    open_date = pd.Timestamp(DATA_START) + pd.to_timedelta(open_offset, unit="D")
    base_rate = rng.uniform(0.2, 0.8, n_customers)
    fader = rng.random(n_customers) < 0.2
    fade_start = rng.integers(200, len(days), n_customers)
    day_index = np.arange(len(days))
    progress = np.clip((day_index[None, :] - fade_start[:, None]) / 60.0, 0.0, 1.0)
    level = np.where(fader[:, None], 1.0 - progress, 1.0)
    open_mask = days.values[None, :] >= open_date.values[:, None]
    rates = base_rate[:, None] * level * open_mask
    counts = rng.poisson(rates)
    cust_idx, day_idx = np.nonzero(counts)
    reps = counts[cust_idx, day_idx]
    cust_idx, day_idx = np.repeat(cust_idx, reps), np.repeat(day_idx, reps)
    n = len(cust_idx)
    seconds = rng.integers(8 * 3600, 22 * 3600, n)
    ts = days.values[day_idx] + seconds.astype("timedelta64[s]")
    category = rng.choice([1, 2, 3], size=n, p=[0.1, 0.5, 0.4])
    amount = np.round(rng.lognormal(3.5, 0.6, n) * np.where(category == 1, 5, 1), 2)
    p_decline = 0.03 + 0.10 * (fader[cust_idx] & (progress[cust_idx, day_idx] > 0))
    status = np.where(rng.random(n) < p_decline, "declined", "approved")
    channel = rng.choice(["Online", "In-Store", "Mobile"], size=n)
    transactions = pd.DataFrame(
        {
            "customer_id": ids[cust_idx],
            "transaction_ts": ts,
            "amount": amount,
            "merchant_category_key": category,
            "status": status,
            "channel": channel,
        }
    )
    tiers = np.array(["Basic", "Silver", "Gold", "Platinum"])
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "card_type": tiers[rng.integers(0, 4, n_customers)],
            "credit_limit": rng.integers(20, 200, n_customers) * 100.0,
            "account_open_date": open_date.date,
            "valid_from": open_date.date,
            "valid_to": [None] * n_customers,
        }
    )
    return customers, transactions
