"""Campaign Simulator: pick an audience and an offer, see ROI, break-even and sensitivity.

All the maths live in :mod:`toolkit.campaign` (pure, unit-tested); this tab gathers the
audience's sums in SQL and draws the results.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pandas as pd

import streamlit as st
from c360_app import charts, fmt, loaders, tab_experiment
from c360_app.queries import ProfileFilter
from c360_app.widgets import export_on_request
from toolkit.campaign import (
    OFFER_TYPES,
    PREBUILT_SCENARIOS,
    Audience,
    AudienceFilter,
    CampaignResult,
    OfferParameters,
    Scenario,
    best_scenario,
    cost_breakdown,
    evaluate,
    funnel,
    priority_coefficients,
    sensitivity,
    tornado,
)
from toolkit.domain import CARD_TYPES, RISK_CATEGORIES, SEGMENTS

CUSTOM_KEY = "campaign_custom_scenarios"
TARGET_PREVIEW_ROWS = 50

# Widget keys and how a scenario fills them (rates are shown as whole percentages).
WIDGETS = {
    "camp_segments": lambda s: list(s.audience.segments),
    "camp_risks": lambda s: list(s.audience.risk_categories),
    "camp_cards": lambda s: list(s.audience.card_types),
    "camp_min_ltv": lambda s: float(s.audience.min_lifetime_value or 0),
    "camp_min_churn": lambda s: round((s.audience.min_churn_probability or 0) * 100),
    "camp_offer": lambda s: s.params.offer_type,
    "camp_incentive": lambda s: float(s.params.incentive_per_responder),
    "camp_cost": lambda s: float(s.params.cost_per_customer),
    "camp_response": lambda s: round(s.params.response_rate * 100),
    "camp_retention": lambda s: round(s.params.retention_rate * 100),
    "camp_lift": lambda s: round(s.params.spend_lift * 100),
    "camp_duration": lambda s: int(s.params.duration_months),
    "camp_margin": lambda s: round(s.params.margin_rate * 100, 1),
    "camp_horizon": lambda s: int(s.params.value_horizon_months),
}


def profile_filter(audience: AudienceFilter) -> ProfileFilter:
    return ProfileFilter.from_audience(audience)


def audience_of(source, audience: AudienceFilter) -> Audience:
    sums = loaders.audience_summary(source, profile_filter(audience))
    customers = int(sums.get("customers") or 0)
    monthly = float(sums.get("monthly_spend") or 0)
    return Audience(
        customers=customers,
        monthly_spend=monthly,
        # Rounding in the database can leave Σ pS a hair above Σ S.
        at_risk_monthly_spend=min(float(sums.get("at_risk_monthly_spend") or 0), monthly),
        expected_churners=min(float(sums.get("expected_churners") or 0), customers),
    )


def _all_scenarios() -> list[Scenario]:
    return [*PREBUILT_SCENARIOS, *st.session_state.get(CUSTOM_KEY, [])]


def _load_scenario() -> None:
    name = st.session_state.get("camp_start")
    scenario = next((s for s in _all_scenarios() if s.name == name), None)
    if scenario is None:
        return
    for key, value in WIDGETS.items():
        st.session_state[key] = value(scenario)


def _init_widgets() -> None:
    """Give every input its default through Session State (and only there), so loading a
    scenario can overwrite them without Streamlit's "default value" warning."""
    default = Scenario("Default", "", AudienceFilter(), OfferParameters())
    for key, fill in WIDGETS.items():
        st.session_state.setdefault(key, fill(default))


def _inputs() -> tuple[AudienceFilter, OfferParameters]:
    _init_widgets()
    st.selectbox(
        "Start from a scenario",
        [s.name for s in _all_scenarios()],
        index=None,
        placeholder="Choose a pre-built or saved scenario…",
        key="camp_start",
        on_change=_load_scenario,
    )
    st.markdown("**Audience**")
    segments = st.multiselect("Segments", SEGMENTS, key="camp_segments", placeholder="All")
    risks = st.multiselect("Churn risk", RISK_CATEGORIES, key="camp_risks", placeholder="All")
    cards = st.multiselect("Card types", CARD_TYPES, key="camp_cards", placeholder="All")
    min_ltv = st.number_input(
        "Minimum lifetime value ($)", min_value=0.0, step=500.0, key="camp_min_ltv"
    )
    min_churn = st.slider("Minimum churn probability (%)", 0, 100, key="camp_min_churn")
    st.markdown("**Offer**")
    offer = st.selectbox(
        "Offer type", list(OFFER_TYPES), key="camp_offer", help="What responders receive."
    )
    st.caption(OFFER_TYPES[offer])
    incentive = st.number_input(
        "Incentive per responder ($)", 0.0, 1_000.0, step=5.0, key="camp_incentive"
    )
    cost = st.number_input(
        "Cost per targeted customer ($)",
        0.0,
        100.0,
        step=0.5,
        key="camp_cost",
        help="Contact, creative and fulfilment per customer targeted.",
    )
    response = st.slider("Response rate (%)", 0, 100, key="camp_response")
    retention = st.slider(
        "Retention rate (%)",
        0,
        100,
        key="camp_retention",
        help="Share of at-risk responders the offer keeps from churning.",
    )
    lift = st.slider("Spend lift (%)", 0, 100, key="camp_lift")
    duration = st.slider("Duration (months)", 1, 24, key="camp_duration")
    with st.expander("Economics"):
        margin = st.number_input(
            "Revenue margin on spend (%)",
            0.0,
            20.0,
            step=0.1,
            key="camp_margin",
            help="Interchange and interest earned per dollar spent.",
        )
        horizon = st.slider(
            "Value horizon of a saved customer (months)",
            1,
            36,
            key="camp_horizon",
        )
    audience = AudienceFilter(
        segments=tuple(segments),
        risk_categories=tuple(risks),
        card_types=tuple(cards),
        min_lifetime_value=float(min_ltv) if min_ltv else None,
        min_churn_probability=min_churn / 100 if min_churn else None,
    )
    params = OfferParameters(
        offer_type=offer,
        incentive_per_responder=float(incentive),
        cost_per_customer=float(cost),
        response_rate=response / 100,
        retention_rate=retention / 100,
        spend_lift=lift / 100,
        duration_months=int(duration),
        margin_rate=float(margin) / 100,
        value_horizon_months=int(horizon),
    )
    return audience, params


def _kpis(result: CampaignResult, params: OfferParameters) -> None:
    row1 = st.columns(3)
    row1[0].metric("Customers targeted", fmt.count(result.customers), border=True)
    row1[1].metric("Expected responders", fmt.count(result.responders), border=True)
    row1[2].metric(
        "Customers saved from churn",
        fmt.count(result.retained_customers),  # people are whole: an expected 231.4 shows 231
        help="Expected responders × retention rate, rounded to whole customers.",
        border=True,
    )
    row2 = st.columns(3)
    row2[0].metric("Total cost", fmt.money(result.total_cost), border=True)
    row2[1].metric(
        "Net benefit",
        fmt.money(result.net_benefit),
        help="Expected retention and spend-lift margin minus the campaign's cost.",
        border=True,
    )
    row2[2].metric("ROI", fmt.percent(result.roi), border=True)
    be = result.break_even_retention_rate
    if be is None:
        st.info("No break-even retention rate: this audience has no spend at risk.")
    elif be <= 0:
        st.success(
            "Break-even retention rate: **0%** — the spend lift alone pays for the campaign.",
            icon=":material/trending_up:",
        )
    elif be > 1:
        st.warning(
            f"Break-even retention rate: **{fmt.percent(be)}** — above 100%, so retention alone "
            "can never pay for this campaign. Lower the cost or target riskier, higher spenders.",
            icon=":material/trending_down:",
        )
    else:
        verdict = "above" if params.retention_rate >= be else "below"
        st.info(
            f"Break-even retention rate: **{fmt.percent(be)}** — your assumption "
            f"({fmt.percent(params.retention_rate, digits=0)}) is {verdict} it.",
            icon=":material/balance:",
        )


def _comparison(source, current: tuple[AudienceFilter, OfferParameters], rank_by: str) -> None:
    rows, results = [], {}
    for scenario in [*_all_scenarios(), Scenario("Current settings", "", *current)]:
        result = evaluate(audience_of(source, scenario.audience), scenario.params)
        results[scenario.name] = result
        rows.append(
            {
                "scenario": scenario.name,
                "audience": scenario.audience.describe(),
                "offer": scenario.params.offer_type,
                "customers": result.customers,
                "total_cost": result.total_cost,
                "net_benefit": result.net_benefit,
                "roi": result.roi,
                "break_even_retention": result.break_even_retention_rate,
            }
        )
    frame = pd.DataFrame(rows)
    best = best_scenario(results, by=rank_by)
    st.altair_chart(charts.scenario_comparison(frame, best))
    styled = frame.style.apply(
        lambda row: (
            ["background-color: rgba(44,160,44,0.18)" if row["scenario"] == best else ""] * len(row)
        ),
        axis=1,
    )
    st.dataframe(
        styled,
        hide_index=True,
        column_config={
            "scenario": "Scenario",
            "audience": "Audience",
            "offer": "Offer",
            "customers": st.column_config.NumberColumn("Customers", format="localized"),
            "total_cost": st.column_config.NumberColumn("Cost", format="dollar"),
            "net_benefit": st.column_config.NumberColumn("Net benefit", format="dollar"),
            "roi": st.column_config.NumberColumn("ROI", format="percent"),
            "break_even_retention": st.column_config.NumberColumn(
                "Break-even retention", format="percent"
            ),
        },
        key="camp_comparison",
    )
    if best:
        st.caption(
            f"Best by {'ROI' if rank_by == 'roi' else 'net benefit'}: **{best}** (highlighted)."
        )


def _save_custom(current: tuple[AudienceFilter, OfferParameters]) -> None:
    col1, col2 = st.columns([3, 1], vertical_alignment="bottom")
    name = col1.text_input(
        "Save the current settings as", key="camp_save_name", placeholder="My scenario"
    )
    if col2.button("Save scenario", key="camp_save", icon=":material/save:"):
        name = (name or "").strip()
        taken = {s.name for s in _all_scenarios()}
        if not name:
            st.warning("Give the scenario a name first.")
        elif name in taken:
            st.warning(f"A scenario called “{name}” already exists.")
        else:
            st.session_state.setdefault(CUSTOM_KEY, []).append(
                Scenario(name, "saved in this session", *current)
            )
            st.toast(f"Saved “{name}” for this session.")
            st.rerun()


def _sensitivity(audience: Audience, params: OfferParameters, result: CampaignResult) -> None:
    left, right = st.columns(2)
    response_values = [round(v, 2) for v in np.linspace(0.05, 0.60, 12)]
    lift_values = [round(v, 2) for v in np.linspace(0.0, 0.50, 11)]
    for column, name, values, title, current in (
        (left, "response_rate", response_values, "Response rate", params.response_rate),
        (right, "spend_lift", lift_values, "Spend lift", params.spend_lift),
    ):
        frame = pd.DataFrame(
            [
                {"value": v, "roi": r.roi, "net_benefit": r.net_benefit}
                for v, r in sensitivity(audience, params, name, values)
            ]
        )
        with column:
            st.markdown(f"**ROI vs {title.lower()}**")
            st.altair_chart(charts.sensitivity_line(frame, title, current))
    left, right = st.columns([3, 2])
    with left:
        st.markdown("**What moves net benefit most** (each input ±20%)")
        bars = pd.DataFrame([asdict(bar) for bar in tornado(audience, params)])
        st.altair_chart(charts.tornado(bars, result.net_benefit))
    with right:
        st.markdown("**Reach funnel**")
        st.altair_chart(charts.funnel(pd.DataFrame(funnel(result), columns=["stage", "customers"])))
        st.markdown("**Cost breakdown**")
        st.altair_chart(
            charts.cost_breakdown(pd.DataFrame(cost_breakdown(result), columns=["item", "amount"]))
        )


def _targets(source, audience: AudienceFilter, params: OfferParameters) -> None:
    st.markdown("**Prioritised target list** — highest expected net benefit first")
    flt = profile_filter(audience)
    coefficients = priority_coefficients(params)
    summary = loaders.target_summary(source, flt, coefficients)
    targets, paying = int(summary.get("targets") or 0), int(summary.get("paying") or 0)
    st.caption(
        f"{paying:,} of {targets:,} customers are expected to return more than they cost "
        f"(together {fmt.md(fmt.money(summary.get('paying_net')))} expected net benefit)."
    )
    paying_only = st.toggle(
        "Only customers expected to pay back", value=True, key="camp_paying_only"
    )
    top = loaders.target_list(
        source, flt, coefficients, limit=TARGET_PREVIEW_ROWS, paying_only=paying_only
    )
    if top.empty:
        st.info(
            "No customer in this audience is expected to pay back at these settings. "
            "Lower the cost or incentive, or raise the expected response or retention."
        )
        return
    st.dataframe(
        top.drop(columns=["email"]),
        hide_index=True,
        column_config={
            "customer_id": "Customer",
            "full_name": "Name",
            "customer_segment": "Segment",
            "churn_risk_category": "Risk",
            "churn_probability": st.column_config.NumberColumn(
                "Churn probability", format="percent"
            ),
            "monthly_spend": st.column_config.NumberColumn("Monthly spend", format="dollar"),
            "expected_net_benefit": st.column_config.NumberColumn(
                "Expected net benefit", format="dollar"
            ),
        },
        key="camp_targets",
    )
    size = paying if paying_only else targets
    st.caption(f"Showing the top {len(top):,} of {size:,}.")
    export_on_request(
        f"Prepare CSV of all {size:,} targets",
        request=(flt, coefficients, paying_only),
        csv=lambda: loaders.target_list_csv(source, flt, coefficients, paying_only=paying_only),
        download_label="Download target list (CSV)",
        file_name="c360_campaign_targets.csv",
        prefix="camp",
    )


def render(source) -> None:
    st.subheader("Campaign Simulator")
    st.caption("Estimate what a retention or engagement campaign returns before you run it.")
    inputs, outputs = st.columns([1, 3], gap="large")
    with inputs:
        audience_filter, params = _inputs()
    with outputs:
        audience = audience_of(source, audience_filter)
        if audience.customers == 0:
            st.info(
                "No customers match this audience. Remove a segment or risk filter, or lower "
                "the minimum lifetime value or churn probability."
            )
            return
        result = evaluate(audience, params)
        st.caption(f"Audience: {audience_filter.describe()} · offer: {params.offer_type}")
        _kpis(result, params)
        overview, sens, targets, experiment = st.tabs(
            ["Scenarios", "Sensitivity", "Target list", "Experiment"]
        )
        with overview:
            # A radio rather than st.segmented_control: AppTest cannot drive single-select
            # button groups in Streamlit 1.51.
            rank_by = st.radio(
                "Rank scenarios by",
                ["roi", "net_benefit"],
                format_func={"roi": "ROI", "net_benefit": "Net benefit"}.get,
                horizontal=True,
                key="camp_rank_by",
            )
            _comparison(source, (audience_filter, params), rank_by)
            _save_custom((audience_filter, params))
        with sens:
            _sensitivity(audience, params, result)
        with targets:
            _targets(source, audience_filter, params)
        with experiment:
            tab_experiment.render(source, profile_filter(audience_filter), audience, result)
