"""The calibration/holdout check on CDNOW's transaction log (Fader, Hardie & Lee 2005).

The CDNOW sample ships inside the dev-only ``lifetimes`` package as a transaction log
(``CDNOW_sample.txt``: 2,357 customers who first bought in Q1 1997). As in the paper,
purchases are counted per day, the calibration period ends 1997-09-30 (39 weeks) and the
holdout runs 39 more weeks, to 1998-06-30.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toolkit.clv import clv_from_frames, nbd
from toolkit.clv.holdout import holdout_check, holdout_from_frames

CALIBRATION_END = pd.Timestamp("1997-09-30")
HOLDOUT_END = pd.Timestamp("1998-06-30")


@pytest.fixture(scope="module")
def cdnow_report():
    spec = importlib.util.find_spec("lifetimes")
    assert spec is not None and spec.submodule_search_locations, "lifetimes (dev) missing"
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "CDNOW_sample.txt"
    names = ["master_id", "customer_id", "date", "cds", "spend"]
    raw = pd.read_csv(path, sep=r"\s+", header=None, names=names)
    raw["date"] = pd.to_datetime(raw["date"].astype(str))
    daily = raw.groupby(["customer_id", "date"], as_index=False)["spend"].sum()
    calibration = daily[daily["date"] <= CALIBRATION_END].sort_values(["customer_id", "date"])
    summary = (
        calibration.groupby("customer_id")
        .agg(
            purchase_count=("date", "size"),
            first_purchase_ts=("date", "min"),
            last_purchase_ts=("date", "max"),
            total_spend=("spend", "sum"),
            first_purchase_amount=("spend", "first"),
        )
        .reset_index()
    )
    later = daily[(daily["date"] > CALIBRATION_END) & (daily["date"] <= HOLDOUT_END)]
    holdout = (
        later.groupby("customer_id")
        .agg(holdout_purchases=("date", "size"), holdout_spend=("spend", "sum"))
        .reset_index()
    )
    days = (HOLDOUT_END - CALIBRATION_END).days
    return holdout_from_frames(summary, holdout, calibration_end=CALIBRATION_END, holdout_days=days)


def test_bgnbd_tracks_the_cdnow_holdout_and_beats_the_nbd(cdnow_report):
    r = cdnow_report
    assert len(r.customers) == 2357 and r.total("actual") == pytest.approx(1882)
    # The paper's estimates (r 0.243, α 4.414 weeks = 30.9 days, a 0.793, b 2.426).
    assert r.bgnbd.r == pytest.approx(0.243, abs=0.01) and r.bgnbd.b == pytest.approx(2.43, abs=0.1)
    assert not r.degenerate and r.trusted_model == "bgnbd"
    assert abs(r.total_error("bgnbd")) < 0.15
    # CDNOW's customers do drop out: a model without dropout over-predicts badly.
    assert r.total_error("nbd") > 0.4 and r.mae("bgnbd") < r.mae("nbd")


def test_deciles_partition_the_customers_and_order_by_frequency(cdnow_report):
    table = cdnow_report.by_decile
    assert list(table["decile"]) == list(range(1, 11))
    assert (
        table["customers"].sum() == 2357
        and table["customers"].max() - table["customers"].min() <= 1
    )
    assert table["actual"].sum() == pytest.approx(cdnow_report.total("actual"))
    assert (np.diff(table["x_min"]) >= 0).all()
    # Heavy calibration buyers buy most in the holdout, and the model sees it.
    assert table["actual"].iloc[-1] == table["actual"].max()
    assert table["predicted_bgnbd"].iloc[-1] == table["predicted_bgnbd"].max()


def test_holdout_figures_become_model_metrics_rows(cdnow_report):
    rows = cdnow_report.metrics().set_index("metric")["value"]
    assert set(cdnow_report.metrics()["split"]) == {"holdout"}
    assert rows["holdout_actual_purchases"] == pytest.approx(1882)
    assert rows["bgnbd_holdout_total_error"] == pytest.approx(cdnow_report.total_error("bgnbd"))
    assert rows["decile_10_actual"] == cdnow_report.by_decile["actual"].iloc[-1]
    assert rows["bgnbd_degenerate"] == 0.0
    assert "BG/NBD" in cdnow_report.describe() and "decile" in cdnow_report.table()


def _frequent_buyers(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Card-like buyers who never leave: Poisson purchases, ~1 every 3 days."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(4.0, 1 / 12.0, n)  # purchases per day
    big_t = rng.uniform(200, 365, n)
    x = rng.poisson(rate * big_t)
    recency = big_t - rng.exponential(1 / np.maximum(rate, 1e-3))
    recency = np.clip(np.where(x > 0, recency, 0.0), 0, big_t)
    ids = pd.Index([f"C{i:05d}" for i in range(n)], name="customer_id")
    rfm = pd.DataFrame(
        {"frequency": x, "recency": recency, "T": big_t, "monetary_value": 40.0}, index=ids
    )
    actual = pd.DataFrame(
        {"holdout_purchases": rng.poisson(rate * 180), "holdout_spend": 40.0}, index=ids
    )
    actual["holdout_spend"] = actual["holdout_purchases"] * 40.0
    return rfm, actual


def test_a_degenerate_bgnbd_fit_is_flagged_and_the_nbd_is_trusted():
    rfm, actual = _frequent_buyers(3000, seed=1)
    report = holdout_check(rfm, actual, calibration_end=pd.Timestamp("2024-06-30"))
    assert report.degenerate and "degenerate" in report.describe()
    assert report.metrics().set_index("metric")["value"]["bgnbd_degenerate"] == 1.0
    # Degenerate BG/NBD and the NBD then predict alike, and both track the holdout.
    assert abs(report.total_error("nbd")) < 0.05 and abs(report.total_error("bgnbd")) < 0.05


def test_scoring_falls_back_to_the_nbd_when_bgnbd_degenerates():
    rfm, _ = _frequent_buyers(3000, seed=2)
    as_of = pd.Timestamp("2024-06-30")
    end = as_of + pd.Timedelta(days=1)
    first = end - pd.to_timedelta(rfm["T"], unit="D")
    summary = pd.DataFrame(
        {
            "customer_id": rfm.index,
            "purchase_count": rfm["frequency"] + 1,
            "first_purchase_ts": first,
            "last_purchase_ts": first + pd.to_timedelta(rfm["recency"], unit="D"),
            "total_spend": 40.0 * (rfm["frequency"] + 1),
            "first_purchase_amount": 40.0,
        }
    ).reset_index(drop=True)
    population = pd.Series(first.dt.normalize().to_numpy(), index=rfm.index)
    result = clv_from_frames(
        summary, population, as_of=as_of, model_version="clv-test", scored_at=as_of
    )
    assert result.degenerate and result.purchase_model == "nbd"
    params = nbd.fit_nbd(rfm["frequency"], rfm["T"])
    expected = nbd.expected_purchases(params, 365.0, rfm["frequency"], rfm["T"])
    got = result.customers.set_index("customer_id")["predicted_purchases_12m"]
    np.testing.assert_allclose(got.to_numpy(), np.asarray(expected), rtol=1e-2)
