"""The Campaign Simulator's Experiment sub-tab on a real small build (AppTest).

Expected figures come from SQL on the same database and toolkit.experiments (itself
checked against textbook values in test_experiments.py).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from toolkit import experiments as ex
from toolkit.campaign import OfferParameters

pytestmark = pytest.mark.slow

APP_FILE = Path(__file__).resolve().parents[2] / "streamlit" / "streamlit_app.py"


def _tab(at: AppTest, label: str):
    found = [t for t in at.tabs if t.label == label]
    assert found, [t.label for t in at.tabs]
    return found[0]


def _metric(block, label: str) -> str:
    values = [m.value for m in block.metric if m.label == label]
    assert values, f"no metric {label!r}; have {[m.label for m in block.metric]}"
    return values[0]


def _clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_design_assign_store_and_read_out(app_env):
    from c360_app import fmt

    at = AppTest.from_file(str(APP_FILE), default_timeout=120).run()
    _clean(at)
    # default audience = every customer; default offer parameters
    import duckdb

    # short-lived: DuckDB refuses the app's write while this process holds a read-only handle
    con = duckdb.connect(str(app_env), read_only=True)
    try:
        customers, churners = con.execute(
            "select count(*), sum(churn_probability) from gold.customer_360_profile"
        ).fetchone()
        as_of = con.execute("select max(transaction_date) from gold.fct_transactions").fetchone()[0]
    finally:
        con.close()
    params = OfferParameters()
    baseline = 1 - churners / customers
    uplift = params.response_rate * params.retention_rate * churners / customers
    size = ex.required_sample_size(baseline, uplift, alpha=0.05, power=0.8, holdout_fraction=0.2)
    tab = _tab(at, "Experiment")
    assert _metric(tab, "Customers needed") == fmt.count(size.total)
    assert _metric(tab, "Assumed retention uplift") == f"{uplift * 100:+.2f} pts"
    assert (
        "Too small" in " ".join(w.value for w in tab.warning)
        if size.total > customers
        else "large enough" in " ".join(s.value for s in tab.success)
    )
    strata = tab.dataframe[0].value
    assert strata[ex.HOLDOUT].sum() + strata[ex.TREATED].sum() == customers

    # a campaign backdated so its 90-day window ends at the data's as-of date: an A/A test
    start = as_of - timedelta(days=89)
    at.text_input(key="exp_campaign").set_value("aa-check").run()
    at.date_input(key="exp_start").set_value(start).run()
    at.button(key="exp_store").click().run()
    _clean(at)
    con = duckdb.connect(str(app_env), read_only=True)
    try:
        stored = con.execute(
            "select count(*), count(distinct customer_id),"
            " sum(case when group_name = 'holdout' then 1 else 0 end)"
            " from gold.campaign_assignments where campaign_id = 'aa-check'"
        ).fetchone()
        outcomes = con.execute(
            """
            select a.group_name as "group",
                   (select count(*) from gold.fct_transactions f where f.customer_id = a.customer_id
                      and f.status = 'approved' and f.transaction_date >= a.campaign_start
                      and f.transaction_date < a.campaign_end) > 0 as retained,
                   (select coalesce(sum(amount), 0) from gold.fct_transactions f
                      where f.customer_id = a.customer_id and f.status = 'approved'
                      and f.transaction_date >= a.campaign_start
                      and f.transaction_date < a.campaign_end) as spend
            from gold.campaign_assignments a where a.campaign_id = 'aa-check'
            """
        ).df()
    finally:
        con.close()
    assert stored[0] == stored[1] == customers
    assert abs(stored[2] - 0.2 * customers) <= 15  # rounding per stratum

    readout = _tab(at, "Experiment").dataframe[-1].value
    expected = ex.readout(outcomes)
    assert list(readout["measure"]) == [
        "Retention (still transacting)",
        "Spend in the window, per customer",
    ]
    assert readout.iloc[0]["uplift"] == f"{expected.retention.difference * 100:+.2f} pts"
    assert readout.iloc[1]["uplift"] == fmt.money(expected.spend.difference)
    low, high = expected.retention.low * 100, expected.retention.high * 100
    assert readout.iloc[0]["interval"] == f"{low:+.2f} to {high:+.2f} pts"
    assert readout.iloc[0]["p_value"] == round(expected.retention.p_value, 4)

    # storing the same campaign twice is refused, nothing overwritten
    at.button(key="exp_store").click().run()
    assert any("already has a stored assignment" in w.value for w in at.warning)


def test_readout_waits_for_the_window(app_env):
    at = AppTest.from_file(str(APP_FILE), default_timeout=120).run()
    at.text_input(key="exp_campaign").set_value("future-campaign").run()
    at.button(key="exp_store").click().run()
    _clean(at)
    at.selectbox(key="exp_readout_campaign").set_value("future-campaign").run()
    infos = " ".join(i.value for i in _tab(at, "Experiment").info)
    assert "The campaign window runs until" in infos


def test_saved_customers_is_a_whole_number(app_env):
    at = AppTest.from_file(str(APP_FILE), default_timeout=120).run()
    value = _metric(_tab(at, "Campaign Simulator"), "Customers saved from churn")
    assert "." not in value and value.replace(",", "").isdigit()
