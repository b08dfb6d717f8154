"""AppTest on the real app file against a small real build: one test (or more) per tab.

Expected values come from SQL run directly on the same database, never from the app's
own query functions, so a wrong query or a wrong formatting shows up as a failure.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.slow

# Not imported from conftest: every test folder has a module called conftest.
APP_FILE = Path(__file__).resolve().parents[2] / "streamlit" / "streamlit_app.py"

TOP_TABS = ["Segment Explorer", "Customer 360", "AI Assistant", "Campaign Simulator"]


def _run(**query_params) -> AppTest:
    at = AppTest.from_file(str(APP_FILE), default_timeout=90)
    for key, value in query_params.items():
        at.query_params[key] = value
    return at.run()


def _metric(block, label: str) -> str:
    values = [m.value for m in block.metric if m.label == label]
    assert values, f"no metric {label!r}; have {[m.label for m in block.metric]}"
    return values[0]


def _clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_four_tabs_sidebar_and_no_exception(app_env, db):
    from c360_app import fmt

    at = _run()
    _clean(at)
    assert [tab.label for tab in at.tabs[:4]] == TOP_TABS
    as_of, customers = db.execute(
        "select (select max(as_of_date) from gold.customer_segments),"
        " (select count(*) from gold.customer_360_profile)"
    ).fetchone()
    assert _metric(at.sidebar, "Data as of") == pd.Timestamp(as_of).strftime("%d %b %Y")
    assert _metric(at.sidebar, "Customers") == fmt.count(customers)


def test_segment_explorer_kpis_filters_table_and_export(app_env, db):
    from c360_app import fmt

    at = _run()
    tab = at.tabs[0]
    total, total_ltv, avg_churn = db.execute(
        "select count(*), sum(lifetime_value), avg(churn_probability) from gold.customer_360_profile"
    ).fetchone()
    assert _metric(tab, "Customers") == fmt.count(total)
    assert _metric(tab, "Total lifetime value") == fmt.money_compact(total_ltv)
    assert _metric(tab, "Average churn probability") == fmt.percent(avg_churn)

    at.multiselect(key="seg_segments").set_value(["Declining"]).run()
    at.multiselect(key="seg_cards").set_value(["Gold", "Platinum"]).run()
    _clean(at)
    declining, spend_90 = db.execute(
        "select count(*), sum(spend_last_90_days) from gold.customer_360_profile"
        " where customer_segment = 'Declining' and card_type in ('Gold', 'Platinum')"
    ).fetchone()
    assert declining > 0
    tab = at.tabs[0]
    assert _metric(tab, "Customers") == fmt.count(declining)
    assert _metric(tab, "Spend, last 90 days") == fmt.money_compact(spend_90)

    # Sorted by churn probability, highest first: the first row is the riskiest customer.
    at.selectbox(key="seg_sort").set_value("Churn probability").run()
    page = at.dataframe[0].value
    assert len(page) == min(25, declining)
    assert set(page["customer_segment"]) == {"Declining"}
    top_probability = db.execute(
        "select max(churn_probability) from gold.customer_360_profile"
        " where customer_segment = 'Declining' and card_type in ('Gold', 'Platinum')"
    ).fetchone()[0]
    assert page["churn_probability"].iloc[0] == pytest.approx(float(top_probability))
    assert list(page["churn_probability"]) == sorted(page["churn_probability"], reverse=True)

    # Page 2 continues where page 1 stopped.
    if declining > 25:
        at.number_input(key="seg_page").set_value(2).run()
        second = at.dataframe[0].value
        assert not set(second["customer_id"]) & set(page["customer_id"])

    assert not at.get("download_button")
    at.button(key="seg_prepare_export").click().run()
    _clean(at)
    assert len(at.get("download_button")) >= 1


def test_segment_explorer_empty_state(app_env, db):
    # The segment whose richest customer is poorest, with the LTV range set above that.
    segment, segment_max = db.execute(
        "select customer_segment, max(lifetime_value) as m from gold.customer_360_profile"
        " group by customer_segment order by m limit 1"
    ).fetchone()
    at = _run()
    slider = at.slider(key="seg_ltv")
    low = math.ceil(segment_max) + 1
    assert low < slider.max
    at.multiselect(key="seg_segments").set_value([segment]).run()
    at.slider(key="seg_ltv").set_value((low, slider.max)).run()
    _clean(at)
    assert any("No customers match these filters" in i.value for i in at.tabs[0].info)
    assert not at.tabs[0].dataframe


def _customer_with_history(db) -> tuple[str, str, int]:
    """A customer with more than one card version (an upgrade or a limit change)."""
    row = db.execute(
        """
        select p.customer_id, p.full_name, count(*) as versions
        from gold.dim_customer d join gold.customer_360_profile p using (customer_id)
        group by p.customer_id, p.full_name
        order by versions desc, p.customer_id
        limit 1
        """
    ).fetchone()
    return row[0], row[1], row[2]


def test_customer_360_search_profile_and_history(app_env, db):
    from c360_app import fmt

    customer_id, full_name, versions = _customer_with_history(db)
    assert versions >= 2, "the build should contain SCD2 card or limit changes"
    at = _run()
    assert any("Search by customer ID" in i.value for i in at.tabs[1].info)
    # The empty state offers the riskiest valuable customers; one click opens one.
    watched = db.execute(
        "select customer_id from gold.customer_360_profile where churn_risk_category = 'High Risk'"
        " order by churn_probability * lifetime_value desc, customer_id limit 1"
    ).fetchone()
    assert watched, "the build should have high-risk customers"
    at.button(key=f"c360_watch_{watched[0]}").click().run()
    _clean(at)
    assert at.text_input(key="c360_search").value == watched[0]
    at.text_input(key="c360_search").input("").run()

    # Partial, case-insensitive id search: the exact id is the first suggestion.
    at.text_input(key="c360_search").input(customer_id.lower()).run()
    _clean(at)
    pickers = [box for box in at.selectbox if box.key == "c360_pick"]
    if pickers:  # several ids contain this one: the exact match comes first
        assert pickers[0].value == customer_id
    tab = at.tabs[1]
    ltv, atv, days = db.execute(
        "select lifetime_value, avg_transaction_value, days_since_last_transaction"
        " from gold.customer_360_profile where customer_id = ?",
        [customer_id],
    ).fetchone()
    assert _metric(tab, "Lifetime value") == fmt.money_fit(ltv)
    assert _metric(tab, "Avg transaction") == fmt.money(atv, cents=True)
    assert _metric(tab, "Days inactive") == fmt.count(days)
    assert any(full_name in m.value for m in tab.markdown)

    card_history = [df.value for df in tab.dataframe if "valid_from" in df.value.columns]
    assert len(card_history) == 1 and len(card_history[0]) == versions
    assert card_history[0]["is_current"].sum() == 1

    transactions = [df.value for df in tab.dataframe if "transaction_id" in df.value.columns][0]
    in_window = db.execute(
        """
        select count(*) from gold.fct_transactions
        where customer_id = ?
          and transaction_date > (select max(transaction_date) from gold.fct_transactions
                                  where customer_id = ?) - interval 90 day
        """,
        [customer_id, customer_id],
    ).fetchone()[0]
    assert len(transactions) == in_window

    # Spend by category instead of by group: still renders.
    at.radio(key="c360_category_level").set_value("category_name").run()
    _clean(at)

    # Filter the history to declined transactions only.
    at.multiselect(key="c360_status").set_value(["declined"]).run()
    tab = at.tabs[1]
    transactions = [df.value for df in tab.dataframe if "transaction_id" in df.value.columns][0]
    assert set(transactions["status"]) <= {"declined"}

    # A name fragment in another case finds the same customer among the suggestions.
    fragment = full_name.split()[-1][:4].upper()
    at.text_input(key="c360_search").input(fragment).run()
    _clean(at)
    expected = db.execute(
        "select count(*) from gold.customer_360_profile where strpos(lower(customer_id), lower(?)) > 0"
        " or strpos(lower(full_name), lower(?)) > 0 or strpos(lower(email), lower(?)) > 0",
        [fragment, fragment, fragment],
    ).fetchone()[0]
    assert expected >= 1
    pickers = [box for box in at.selectbox if box.key == "c360_pick"]
    if expected > 1:
        assert len(pickers[0].options) == min(expected, 10)
    else:
        assert not pickers


def test_customer_360_deep_link_and_unknown_customer(app_env, db):
    customer_id, full_name, _ = _customer_with_history(db)
    at = _run(customer=customer_id)
    _clean(at)
    assert at.text_input(key="c360_search").value == customer_id
    assert any(full_name in m.value for m in at.tabs[1].markdown)
    at.text_input(key="c360_search").input("C999999").run()
    _clean(at)
    assert any("No customer matches" in w.value for w in at.tabs[1].warning)


def test_ai_assistant_suggestion_sql_results_and_feedback(app_env):
    from toolkit.assistant import ask

    question = "How many customers are in each segment?"
    at = _run()
    assert any("Pick a suggested question" in i.value for i in at.tabs[2].info)
    at.button(key="assistant_suggest_Segments_0").click().run()
    _clean(at)
    tab = at.tabs[2]
    assert [m.markdown[0].value for m in tab.chat_message if m.name == "user"] == [question]
    import duckdb

    con = duckdb.connect(str(app_env), read_only=True)
    try:
        expected = ask(question, connection=con)
        total = con.execute("select count(*) from gold.customer_360_profile").fetchone()[0]
    finally:
        con.close()
    assert expected["error"] is None
    assert tab.code[0].value == expected["sql"]
    shown = tab.dataframe[0].value
    assert len(shown) == len(expected["rows"]) == 5
    assert shown.select_dtypes("number").iloc[:, 0].sum() == total

    # Thumbs up is written to observability.assistant_feedback.
    at.button(key="assistant_up_0").click().run()
    _clean(at)
    assert any("You rated this answer" in c.value for c in at.tabs[2].caption)
    from c360_app.data import close_all_sources

    close_all_sources()
    con = duckdb.connect(str(app_env), read_only=True)
    try:
        rows = con.execute(
            "select question, rating, generated_sql from observability.assistant_feedback"
        ).fetchall()
    finally:
        con.close()
    assert (question, "up", expected["sql"]) in rows


def test_ai_assistant_engine_failure_is_a_message_not_a_crash(app_env, monkeypatch):
    import toolkit.assistant

    def broken(question, **kwargs):
        raise RuntimeError("engine down")

    monkeypatch.setattr(toolkit.assistant, "ask", broken)
    at = _run()
    at.chat_input(key="assistant_input").set_value("How many customers?").run()
    _clean(at)
    assert any("engine down" in w.value for w in at.tabs[2].warning)


def test_campaign_simulator_scenario_kpis_and_targets(app_env, db):
    from c360_app import fmt

    from toolkit.campaign import (
        PREBUILT_SCENARIOS,
        Audience,
        best_scenario,
        evaluate,
        priority_coefficients,
    )

    def audience(where: str, params: list) -> Audience:
        n, spend, at_risk, churners = db.execute(
            "select count(*), coalesce(sum(coalesce(spend_last_90_days, 0)) / 3, 0),"
            " coalesce(sum(coalesce(churn_probability, 0) * coalesce(spend_last_90_days, 0)) / 3, 0),"
            " coalesce(sum(coalesce(churn_probability, 0)), 0)"
            f" from gold.customer_360_profile {where}",
            params,
        ).fetchone()
        spend, at_risk, churners = float(spend), float(at_risk), float(churners)
        return Audience(int(n), spend, min(at_risk, spend), min(churners, n))

    at = _run()
    _clean(at)
    tab = at.tabs[3]
    everyone = audience("", [])
    assert _metric(tab, "Customers targeted") == fmt.count(everyone.customers)

    scenario = next(s for s in PREBUILT_SCENARIOS if s.name == "Declining Recovery")
    at.selectbox(key="camp_start").set_value(scenario.name).run()
    _clean(at)
    assert at.multiselect(key="camp_segments").value == ["Declining"]
    assert at.slider(key="camp_response").value == 20
    declining = audience("where customer_segment = ?", ["Declining"])
    expected = evaluate(declining, scenario.params)
    tab = at.tabs[3]
    assert _metric(tab, "Customers targeted") == fmt.count(declining.customers)
    assert _metric(tab, "Net benefit") == fmt.money(expected.net_benefit)
    assert _metric(tab, "ROI") == fmt.percent(expected.roi)

    # The comparison covers the 5 pre-built scenarios plus the current settings.
    comparison = [df.value for df in tab.dataframe if "scenario" in df.value.columns][0]
    assert list(comparison["scenario"])[:5] == [s.name for s in PREBUILT_SCENARIOS]
    assert len(comparison) == 6
    results = {}
    for s in PREBUILT_SCENARIOS:
        clauses, params = [], []
        if s.audience.segments:
            clauses.append(f"customer_segment in ({', '.join('?' * len(s.audience.segments))})")
            params += list(s.audience.segments)
        if s.audience.risk_categories:
            clauses.append(
                f"churn_risk_category in ({', '.join('?' * len(s.audience.risk_categories))})"
            )
            params += list(s.audience.risk_categories)
        where = "where " + " and ".join(clauses) if clauses else ""
        results[s.name] = evaluate(audience(where, params), s.params)
    results["Current settings"] = expected
    best = best_scenario(results)
    assert any(f"**{best}**" in c.value for c in tab.caption)

    # The target list is ranked by expected net benefit, computed independently here.
    a, b, c = priority_coefficients(scenario.params)
    ranked = db.execute(
        "select customer_id, ? * coalesce(churn_probability, 0) * coalesce(spend_last_90_days, 0) / 3"
        " + ? * coalesce(spend_last_90_days, 0) / 3 - ? as v from gold.customer_360_profile"
        " where customer_segment = 'Declining' order by v desc, customer_id",
        [a, b, c],
    ).fetchall()
    paying = sum(1 for _, v in ranked if v > 0)
    assert any(
        f"{paying:,} of {len(ranked):,} customers are expected" in c.value for c in tab.caption
    )
    at.toggle(key="camp_paying_only").set_value(False).run()
    _clean(at)
    targets = [
        df.value for df in at.tabs[3].dataframe if "expected_net_benefit" in df.value.columns
    ][0]
    assert "email" not in targets.columns  # the preview stays narrow; the CSV has it
    assert targets["customer_id"].iloc[0] == ranked[0][0]
    assert targets["expected_net_benefit"].iloc[0] == pytest.approx(float(ranked[0][1]))
    assert len(targets) == min(50, len(ranked))
    at.toggle(key="camp_paying_only").set_value(True).run()
    _clean(at)
    if paying:
        targets = [
            df.value for df in at.tabs[3].dataframe if "expected_net_benefit" in df.value.columns
        ][0]
        assert len(targets) == min(50, paying)
        assert (targets["expected_net_benefit"] > 0).all()
    else:
        assert any("No customer in this audience" in i.value for i in at.tabs[3].info)

    # Save the current settings as a custom scenario: it joins the list and the comparison.
    at.text_input(key="camp_save_name").input("My win-back").run()
    at.button(key="camp_save").click().run()
    _clean(at)
    assert "My win-back" in at.selectbox(key="camp_start").options
    comparison = [df.value for df in at.tabs[3].dataframe if "scenario" in df.value.columns][0]
    assert "My win-back" in list(comparison["scenario"])


def test_campaign_simulator_empty_audience(app_env):
    at = _run()
    at.slider(key="camp_min_churn").set_value(100).run()
    at.number_input(key="camp_min_ltv").set_value(10_000_000.0).run()
    _clean(at)
    assert any("No customers match this audience" in i.value for i in at.tabs[3].info)


def test_every_suggested_question_is_answered(app_env):
    """The UI only suggests questions the engine answers on a real build."""
    import duckdb
    from c360_app.tab_assistant import SUGGESTED_QUESTIONS

    from toolkit.assistant import ask

    con = duckdb.connect(str(app_env), read_only=True)
    try:
        for questions in SUGGESTED_QUESTIONS.values():
            for question in questions:
                answer = ask(question, connection=con)
                assert answer["error"] is None, (question, answer["error"])
                assert answer["rows"], question
    finally:
        con.close()
