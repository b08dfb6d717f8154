"""Campaign maths: expected values computed by hand, plus properties that must always hold."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from toolkit.campaign import (
    PREBUILT_SCENARIOS,
    SENSITIVITY_PARAMETERS,
    Audience,
    AudienceFilter,
    OfferParameters,
    best_scenario,
    cost_breakdown,
    customer_expected_net,
    evaluate,
    funnel,
    priority_coefficients,
    sensitivity,
    tornado,
)

# 1,000 customers spending $500/month on average; $100,000/month of it is "at risk"
# (Σ pᵢSᵢ) and 250 of them are expected to churn (Σ pᵢ).
AUDIENCE = Audience(
    customers=1000, monthly_spend=500_000, at_risk_monthly_spend=100_000, expected_churners=250
)
LOSING = OfferParameters(
    incentive_per_responder=50,
    cost_per_customer=5,
    response_rate=0.2,
    retention_rate=0.3,
    spend_lift=0.1,
    duration_months=6,
    margin_rate=0.03,
    value_horizon_months=12,
)


def test_losing_campaign_by_hand():
    result = evaluate(AUDIENCE, LOSING)
    # responders 0.2·1000 = 200; saved 0.2·0.3·250 = 15
    assert result.responders == pytest.approx(200)
    assert result.retained_customers == pytest.approx(15)
    # retention 0.2·0.3·100,000·0.03·12 = 2,160; lift 0.2·0.1·500,000·0.03·6 = 1,800
    assert result.retention_benefit == pytest.approx(2_160)
    assert result.lift_benefit == pytest.approx(1_800)
    # cost 1000·5 + 200·50 = 15,000
    assert result.contact_cost == pytest.approx(5_000)
    assert result.incentive_cost == pytest.approx(10_000)
    assert result.total_cost == pytest.approx(15_000)
    assert result.net_benefit == pytest.approx(-11_040)
    assert result.roi == pytest.approx(-0.736)
    # r* = (15,000 − 1,800) / (0.2·100,000·0.03·12 = 7,200) = 1.8333…: unreachable
    assert result.break_even_retention_rate == pytest.approx(13_200 / 7_200)


def test_profitable_campaign_by_hand():
    params = replace(LOSING, incentive_per_responder=10, cost_per_customer=1, margin_rate=0.05)
    result = evaluate(AUDIENCE, params)
    # retention 0.3·(0.2·100,000·0.05·12 = 12,000) = 3,600; lift 0.2·0.1·500,000·0.05·6 = 3,000
    # cost 1,000 + 200·10 = 3,000 → net 3,600, ROI 1.2; the lift alone pays the cost: r* = 0
    assert result.retention_benefit == pytest.approx(3_600)
    assert result.lift_benefit == pytest.approx(3_000)
    assert result.total_cost == pytest.approx(3_000)
    assert result.net_benefit == pytest.approx(3_600)
    assert result.roi == pytest.approx(1.2)
    assert result.break_even_retention_rate == pytest.approx(0.0)
    assert result.total_benefit == pytest.approx(6_600)


def test_free_campaign_has_no_roi_and_no_risk_has_no_break_even():
    free = replace(LOSING, incentive_per_responder=0, cost_per_customer=0)
    assert evaluate(AUDIENCE, free).roi is None
    riskless = Audience(
        customers=10, monthly_spend=1_000, at_risk_monthly_spend=0, expected_churners=0
    )
    assert evaluate(riskless, LOSING).break_even_retention_rate is None
    empty = Audience(0, 0, 0, 0)
    result = evaluate(empty, LOSING)
    assert (result.total_cost, result.net_benefit, result.roi) == (0, 0, None)


def test_invalid_inputs_are_rejected():
    with pytest.raises(ValueError, match="response_rate"):
        OfferParameters(response_rate=1.5)
    with pytest.raises(ValueError, match="negative"):
        OfferParameters(incentive_per_responder=-1)
    with pytest.raises(ValueError, match="at-risk"):
        Audience(customers=1, monthly_spend=10, at_risk_monthly_spend=11, expected_churners=0.5)
    with pytest.raises(ValueError, match="churners"):
        Audience(customers=1, monthly_spend=10, at_risk_monthly_spend=5, expected_churners=2)


def test_priority_coefficients_by_hand():
    a, b, c = priority_coefficients(LOSING)
    assert a == pytest.approx(0.2 * 0.3 * 0.03 * 12)  # 0.0216
    assert b == pytest.approx(0.2 * 0.1 * 0.03 * 6)  # 0.0036
    assert c == pytest.approx(5 + 0.2 * 50)  # 15
    # A customer at p = 0.5 spending $1,000/month: 0.0216·500 + 0.0036·1000 − 15 = −0.6
    assert customer_expected_net(0.5, 1_000, LOSING) == pytest.approx(-0.6)


customers_strategy = st.lists(
    st.tuples(st.floats(0, 1), st.floats(0, 5_000)), min_size=1, max_size=40
)


@settings(max_examples=60, deadline=None)
@given(customers=customers_strategy)
def test_per_customer_values_sum_to_the_campaign_net(customers):
    audience = Audience(
        customers=len(customers),
        monthly_spend=sum(s for _, s in customers),
        at_risk_monthly_spend=sum(p * s for p, s in customers),
        expected_churners=sum(p for p, _ in customers),
    )
    total = sum(customer_expected_net(p, s, LOSING) for p, s in customers)
    assert total == pytest.approx(evaluate(audience, LOSING).net_benefit, rel=1e-9, abs=1e-6)


params_strategy = st.builds(
    OfferParameters,
    incentive_per_responder=st.floats(0, 200),
    cost_per_customer=st.floats(0, 20),
    response_rate=st.floats(0.01, 1),
    retention_rate=st.just(0.0),
    spend_lift=st.floats(0, 0.5),
    duration_months=st.integers(1, 24),
    margin_rate=st.floats(0.005, 0.1),
    value_horizon_months=st.integers(1, 36),
)
audience_strategy = st.builds(
    lambda n, avg_spend, risk_share, churn_share: Audience(
        customers=n,
        monthly_spend=n * avg_spend,
        at_risk_monthly_spend=n * avg_spend * risk_share,
        expected_churners=n * churn_share,
    ),
    st.integers(1, 100_000),
    st.floats(10, 5_000),
    st.floats(0.01, 1),
    st.floats(0, 1),
)


@settings(max_examples=200, deadline=None)
@given(audience=audience_strategy, params=params_strategy)
def test_roi_is_zero_at_the_break_even_retention_rate(audience, params):
    break_even = evaluate(audience, params).break_even_retention_rate
    assert break_even is not None  # at-risk spend > 0 in this strategy
    assume(0 <= break_even <= 1)
    at_break_even = evaluate(audience, replace(params, retention_rate=break_even))
    assume(at_break_even.total_cost > 1e-6)
    assert at_break_even.roi == pytest.approx(0.0, abs=1e-9)
    assert math.isclose(at_break_even.net_benefit, 0.0, abs_tol=1e-6 * at_break_even.total_cost)


@settings(max_examples=100, deadline=None)
@given(audience=audience_strategy, params=params_strategy, delta=st.floats(0.01, 0.5))
def test_more_retention_never_lowers_net_benefit(audience, params, delta):
    low = evaluate(audience, params)
    high = evaluate(audience, replace(params, retention_rate=min(1.0, delta)))
    assert high.net_benefit >= low.net_benefit


def test_sensitivity_follows_the_parameter():
    rows = sensitivity(AUDIENCE, LOSING, "response_rate", [0.0, 0.1, 0.2])
    assert [value for value, _ in rows] == [0.0, 0.1, 0.2]
    assert rows[2][1].net_benefit == pytest.approx(-11_040)
    # At 0% response only the contact cost remains.
    assert rows[0][1].net_benefit == pytest.approx(-5_000)
    clamped = sensitivity(AUDIENCE, LOSING, "retention_rate", [1.7])
    assert clamped[0][1].retention_benefit == pytest.approx(7_200)  # clamped to 100%
    with pytest.raises(ValueError, match="unknown"):
        sensitivity(AUDIENCE, LOSING, "colour", [1])


def test_tornado_by_hand():
    bars = {bar.parameter: bar for bar in tornado(AUDIENCE, LOSING, swing=0.2)}
    assert set(bars) == set(SENSITIVITY_PARAMETERS)
    # Incentive ±20% moves the incentive cost 10,000 by ∓2,000.
    incentive = bars["incentive_per_responder"]
    assert (incentive.low_value, incentive.high_value) == pytest.approx((40, 60))
    assert incentive.net_at_low == pytest.approx(-9_040)
    assert incentive.net_at_high == pytest.approx(-13_040)
    # Duration 6 ± 20% rounds to whole months: 5 and 7; lift 1,800 → 1,500 / 2,100.
    duration = bars["duration_months"]
    assert (duration.low_value, duration.high_value) == (5, 7)
    assert duration.net_at_high - duration.net_at_low == pytest.approx(600)
    ordered = tornado(AUDIENCE, LOSING)
    assert [bar.swing for bar in ordered] == sorted((bar.swing for bar in ordered), reverse=True)


def test_funnel_and_cost_breakdown():
    result = evaluate(AUDIENCE, LOSING)
    assert funnel(result) == [
        ("Targeted", 1000.0),
        ("Responders", pytest.approx(200)),
        ("Retained (saved from churn)", pytest.approx(15)),
    ]
    assert dict(cost_breakdown(result)) == {
        "Contact cost": pytest.approx(5_000),
        "Incentives paid": pytest.approx(10_000),
    }


def test_five_prebuilt_scenarios_and_best():
    names = [s.name for s in PREBUILT_SCENARIOS]
    assert names == [
        "Aggressive Retention",
        "High-Value Focus",
        "Declining Recovery",
        "New Customer Nurture",
        "Budget Engagement",
    ]
    profitable = replace(LOSING, incentive_per_responder=10, cost_per_customer=1, margin_rate=0.05)
    results = {
        "losing": evaluate(AUDIENCE, LOSING),
        "profitable": evaluate(AUDIENCE, profitable),
        "empty": evaluate(Audience(0, 0, 0, 0), LOSING),
    }
    assert best_scenario(results) == "profitable"
    assert best_scenario(results, by="net_benefit") == "profitable"
    assert best_scenario({"empty": results["empty"]}) is None
    with pytest.raises(ValueError):
        best_scenario(results, by="vibes")


def test_audience_filter_describes_itself():
    assert AudienceFilter().describe() == "all customers"
    text = AudienceFilter(
        segments=("Declining",), risk_categories=("High Risk",), min_lifetime_value=5000
    ).describe()
    assert text == "Declining; High Risk; LTV ≥ $5,000"


def test_suggested_retention_action():
    from toolkit.campaign import suggest_retention_action

    assert suggest_retention_action("Declining", "Low Risk").startswith("No retention action")
    high = suggest_retention_action("High-Value Travelers", "High Risk", ["days since last txn"])
    assert high == (
        "Priority: offer a travel perk (lounge passes or travel credit) with a personal call. "
        "They have gone quiet: reach out now."
    )
    assert (
        suggest_retention_action("Budget-Conscious", "Medium Risk") == "Waive the next annual fee."
    )
    assert suggest_retention_action(None, "Medium Risk") == "Offer a tailored cashback bonus."
