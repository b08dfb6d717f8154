"""The generator: deterministic, realistic, behaviour-driven, laid out like the bucket."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from toolkit.domain import CREDIT_LIMIT_RANGES
from toolkit.generate import generate_landing, read_manifest
from toolkit.generate.calendar import DATA_END, DATA_START, SNAPSHOT_DATES
from toolkit.generate.customers import DECLINING, NEW, PREMIUM, make_customers
from toolkit.generate.reference import MERCHANT_CATEGORIES


def _digest(folder: Path) -> str:
    sha = hashlib.sha256()
    for path in sorted(folder.rglob("*.parquet")):
        sha.update(path.relative_to(folder).as_posix().encode())
        sha.update(pq.ParquetFile(path).read().to_pandas().to_csv().encode())
    return sha.hexdigest()


def test_layout_matches_the_landing_bucket(clean_landing):
    landing, summary = clean_landing
    snapshots = sorted(p.name for p in (landing / "customers").iterdir())
    assert snapshots == [f"snapshot_date={d.isoformat()}" for d in SNAPSHOT_DATES]
    days = sorted(p.name for p in (landing / "transactions").iterdir())
    assert days[0] == f"dt={DATA_START.isoformat()}" and days[-1] == f"dt={DATA_END.isoformat()}"
    assert len(days) == summary.transaction_files == (DATA_END - DATA_START).days + 1
    assert (landing / "merchant_categories" / "merchant_categories.csv").exists()
    assert read_manifest(landing)["transactions"] == summary.transactions


def test_same_seed_same_data_other_seed_other_data(tmp_path, clean_landing):
    landing, _ = clean_landing
    again = generate_landing(tmp_path / "a", customers=300, seed=11, show_progress=False)
    other = generate_landing(tmp_path / "b", customers=300, seed=12, show_progress=False)
    assert _digest(tmp_path / "a") == _digest(landing)
    assert _digest(tmp_path / "b") != _digest(landing)
    assert again.transactions != other.transactions or _digest(tmp_path / "a") != _digest(
        tmp_path / "b"
    )


def test_rerun_with_same_request_reuses_and_new_request_replaces(tmp_path):
    first = generate_landing(tmp_path / "l", customers=50, seed=1, show_progress=False)
    again = generate_landing(tmp_path / "l", customers=50, seed=1, show_progress=False)
    assert again.reused and again.transactions == first.transactions
    other = generate_landing(tmp_path / "l", customers=60, seed=1, show_progress=False)
    assert not other.reused and read_manifest(tmp_path / "l")["customers"] == 60


def test_about_270_transactions_per_customer_with_3_to_5_percent_declined(clean_landing):
    landing, summary = clean_landing
    per_customer = summary.transactions / summary.customers
    assert 220 <= per_customer <= 320
    con = duckdb.connect()
    declined, channels = con.execute(
        "select avg((status = 'declined')::int), count(distinct channel) from read_parquet(?)",
        [str(landing / "transactions" / "*" / "*.parquet")],
    ).fetchone()
    assert 0.03 <= declined <= 0.05
    assert channels == 3


def test_customers_are_realistic_and_cards_match_limits(clean_landing):
    landing, _ = clean_landing
    con = duckdb.connect()
    rows = con.execute(
        """
        select customer_id, email, phone, date_of_birth::date, card_type, credit_limit::double,
               account_open_date::date, state, zip_code
        from read_parquet(?)
        """,
        [
            str(
                landing
                / "customers"
                / f"snapshot_date={DATA_END.isoformat()}"
                / "customers.parquet"
            )
        ],
    ).fetchall()
    assert len(rows) == 300
    assert rows[0][0] == "C000001"
    assert len({r[1] for r in rows}) == 300  # unique e-mails
    for _, email, phone, dob, card, limit, opened, state, zip_code in rows:
        assert "@" in email and phone.startswith("(") and len(state) == 2 and len(zip_code) == 5
        age = (DATA_END - dob).days / 365.25
        assert 17.9 <= age <= 81
        low, high = CREDIT_LIMIT_RANGES[card]
        assert low <= limit <= high, (card, limit)
        assert 2020 <= opened.year <= 2024
        assert (opened - dob).days / 365.25 >= 18  # nobody opens a card account before 18


def test_snapshots_carry_card_upgrades_and_limit_changes(clean_landing):
    landing, _ = clean_landing
    con = duckdb.connect()
    changes = con.execute(
        """
        with s as (
            select customer_id, snapshot_date, card_type, credit_limit::double as credit_limit,
                   lag(card_type) over w as prev_card, lag(credit_limit::double) over w as prev_limit
            from read_parquet(?)
            window w as (partition by customer_id order by snapshot_date)
        )
        select count(*) filter (where card_type <> prev_card),
               count(*) filter (where card_type = prev_card and abs(credit_limit - prev_limit) > 0.1 * prev_limit)
        from s
        """,
        [str(landing / "customers" / "*" / "*.parquet")],
    ).fetchone()
    upgrades, limit_changes = changes
    assert upgrades >= 5 and limit_changes >= 5


def test_fifty_categories_with_groups_and_flags():
    assert len(MERCHANT_CATEGORIES) == 50
    groups = {c.group for c in MERCHANT_CATEGORIES}
    assert {"Travel", "Dining", "Groceries", "Gas", "Utilities"} <= groups
    assert any(c.is_travel for c in MERCHANT_CATEGORIES)
    assert all(not (c.is_discretionary and c.is_necessity) for c in MERCHANT_CATEGORIES)


@pytest.fixture(scope="module")
def behaviour_frame(clean_landing):
    """Spend per customer by period, joined with the generator's latent profile."""
    landing, _ = clean_landing
    people = make_customers(300, np.random.default_rng(np.random.SeedSequence(11).spawn(6)[0]))
    con = duckdb.connect()
    con.register(
        "profiles", pd.DataFrame({"customer_id": people.customer_id, "profile": people.profile})
    )
    return (
        con.execute(
            """
        select p.profile,
               avg(t.amount::double) filter (where m.is_travel) as travel_ticket,
               sum(t.amount::double) filter (where m.is_travel) / sum(t.amount::double) as travel_share,
               avg(t.amount::double) as ticket,
               count(*) / count(distinct t.customer_id) as per_customer,
               sum(t.amount::double) filter (where t.transaction_ts >= '2024-10-03')
                 / nullif(sum(t.amount::double) filter (where t.transaction_ts >= '2024-01-01'
                                                        and t.transaction_ts < '2024-04-01'), 0) as recent_vs_early
        from read_parquet(?) t
        join profiles p using (customer_id)
        join read_csv(?) m using (merchant_category_id)
        group by p.profile
        order by p.profile
        """,
            [
                str(landing / "transactions" / "*" / "*.parquet"),
                str(landing / "merchant_categories" / "*.csv"),
            ],
        )
        .df()
        .set_index("profile")
    )


def test_premium_travellers_spend_big_on_travel(behaviour_frame):
    premium = behaviour_frame.loc[PREMIUM]
    others = behaviour_frame.drop(index=PREMIUM)
    assert premium.travel_share > 3 * others.travel_share.max()
    assert premium.ticket > others.ticket.max()


def test_declining_customers_fall_and_new_customers_grow(behaviour_frame):
    assert (
        behaviour_frame.loc[DECLINING].recent_vs_early
        < 0.75 * behaviour_frame.drop(index=[DECLINING, NEW]).recent_vs_early.min()
    )
    # new customers mostly opened after the early window: their recent spend dominates
    assert behaviour_frame.loc[NEW].recent_vs_early > 2 or np.isnan(
        behaviour_frame.loc[NEW].recent_vs_early
    )
