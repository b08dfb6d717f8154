"""The Campaign Simulator's "Experiment" sub-tab: design the hold-out, store it, read it out.

Before launch: the sample size needed to detect the uplift the simulator assumes (its
expected customers saved, as an intention-to-treat uplift in retention) at the chosen
power and significance, against the audience at hand; then a seeded random hold-out,
stratified by segment and churn risk, exported as CSV and stored in
``gold.campaign_assignments``. After the window: the measured retention and spend uplift,
treated vs hold-out, with confidence intervals. The maths is ``toolkit.experiments``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pandas as pd

import streamlit as st
from c360_app import experiment_queries as xq
from c360_app import fmt
from c360_app.loaders import cached
from c360_app.queries import ProfileFilter
from c360_app.widgets import csv_download
from toolkit import experiments as ex

_CAMPAIGN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$")


_cached = cached(max_entries=32)
audience_members = _cached(xq.audience_members)


@_cached
def holdout_split(source, flt: ProfileFilter, holdout: float, seed: int):
    """The audience's seeded split, cached so reruns of the page do not redraw it."""
    return ex.assign_holdout(xq.audience_members(source, flt), holdout_fraction=holdout, seed=seed)


stored_campaigns = _cached(xq.stored_campaigns)
campaign_outcomes = _cached(xq.campaign_outcomes)
data_as_of = _cached(xq.data_as_of)


def assumed_rates(audience, result) -> tuple[float, float]:
    """Baseline retention (1 − mean churn probability) and the intention-to-treat uplift
    (expected customers saved ÷ customers targeted) the simulator assumes."""
    baseline = 1 - audience.expected_churners / audience.customers
    uplift = result.retained_customers / audience.customers
    return baseline, uplift


def _design(audience, result) -> tuple[float, float, float, int]:
    cols = st.columns(4)
    holdout = cols[0].slider("Hold-out share (%)", 5, 50, 20, key="exp_holdout") / 100
    alpha = cols[1].select_slider(
        "Significance (α)", [0.01, 0.05, 0.10], value=0.05, key="exp_alpha"
    )
    power = cols[2].select_slider("Power", [0.7, 0.8, 0.9, 0.95], value=0.8, key="exp_power")
    seed = int(cols[3].number_input("Seed", 0, 2**31 - 1, 42, step=1, key="exp_seed"))
    baseline, uplift = assumed_rates(audience, result)
    if not 0 < baseline < 1 or uplift <= 0 or baseline + uplift >= 1:
        st.info(
            "The simulator assumes no measurable retention uplift for this audience (no "
            "responders, no retention, or no churn risk), so there is nothing to size. Raise "
            "the response or retention rate, or target customers at risk."
        )
        return holdout, alpha, power, seed
    size = ex.required_sample_size(
        baseline, uplift, alpha=alpha, power=power, holdout_fraction=holdout
    )
    n_holdout = round(audience.customers * holdout)
    n_treated = audience.customers - n_holdout
    achieved = ex.power_for(n_treated, n_holdout, baseline, uplift, alpha=alpha)
    mde = ex.minimum_detectable_uplift(n_treated, n_holdout, baseline, alpha=alpha, power=power)
    row = st.columns(4)
    row[0].metric(
        "Assumed retention uplift",
        f"{uplift * 100:+.2f} pts",
        help=f"From {fmt.percent(baseline)} expected retention without the campaign.",
        border=True,
    )
    row[1].metric(
        "Customers needed",
        fmt.count(size.total),
        help=f"{size.treated:,} treated + {size.holdout:,} held out "
        "(two-proportion test, Fleiss' formula).",
        border=True,
    )
    row[2].metric("Power with this audience", fmt.percent(achieved), border=True)
    row[3].metric(
        "Smallest detectable uplift",
        "–" if mde is None else f"{mde * 100:.2f} pts",
        border=True,
    )
    if size.total <= audience.customers:
        st.success(
            f"The audience ({audience.customers:,}) is large enough: holding out "
            f"{n_holdout:,} customers detects the assumed uplift with "
            f"{fmt.percent(achieved)} power.",
            icon=":material/science:",
        )
    else:
        st.warning(
            f"Too small to detect the assumed uplift: {size.total:,} customers are needed, the "
            f"audience has {audience.customers:,}. Widen the audience, raise the hold-out share "
            "towards 50%, or accept a lower power.",
            icon=":material/science:",
        )
    return holdout, alpha, power, seed


def _assign(source, flt: ProfileFilter, holdout: float, seed: int) -> None:
    st.markdown("**Assignment**")
    cols = st.columns([2, 1, 1], vertical_alignment="bottom")
    campaign_id = (
        cols[0]
        .text_input("Campaign name", placeholder="e.g. winback-2025-q1", key="exp_campaign")
        .strip()
    )
    as_of = data_as_of(source)
    default_start = (pd.Timestamp(as_of).date() + timedelta(days=1)) if as_of else date.today()
    start = cols[1].date_input("Starts", value=default_start, key="exp_start")
    window = int(cols[2].number_input("Window (days)", 7, 365, 90, key="exp_window"))
    split = holdout_split(source, flt, holdout, seed)
    counts = (
        split.groupby(["customer_segment", "churn_risk_category", "group"])
        .size()
        .unstack("group", fill_value=0)
        .reset_index()
    )
    st.dataframe(
        counts,
        hide_index=True,
        column_config={
            "customer_segment": "Segment",
            "churn_risk_category": "Risk",
            ex.TREATED: st.column_config.NumberColumn("Treated", format="localized"),
            ex.HOLDOUT: st.column_config.NumberColumn("Hold-out", format="localized"),
        },
        key="exp_strata",
    )
    if not campaign_id:
        st.caption("Name the campaign to export or store its assignment.")
        return
    if not _CAMPAIGN_ID.match(campaign_id):
        st.warning("Use letters, digits, spaces, '.', '_' or '-' (up to 64) in the name.")
        return
    rows = xq.assignment_rows(
        split,
        campaign_id=campaign_id,
        seed=seed,
        holdout_fraction=holdout,
        start=start,
        end=start + timedelta(days=window),
        assigned_at=datetime.now().replace(microsecond=0),
    )
    left, right = st.columns(2)
    with left:
        csv_download(
            "Download assignment (CSV)",
            rows.to_csv(index=False).encode(),
            file_name=f"c360_assignment_{re.sub(r'[^A-Za-z0-9_.-]', '_', campaign_id)}.csv",
            key="exp_download",
        )
    if right.button("Store assignment", icon=":material/save:", key="exp_store"):
        try:
            source.record_assignments(rows)
        except ValueError as exc:
            st.warning(str(exc))
        else:
            stored_campaigns.clear()
            st.toast(f"Stored {len(rows):,} assignments for “{campaign_id}”.")


def _estimate_row(label: str, estimate: ex.Estimate, *, money: bool) -> dict:
    show = fmt.money if money else (lambda v: fmt.percent(v, digits=2))
    diff = fmt.money(estimate.difference) if money else f"{estimate.difference * 100:+.2f} pts"
    low = fmt.money(estimate.low) if money else f"{estimate.low * 100:+.2f}"
    high = fmt.money(estimate.high) if money else f"{estimate.high * 100:+.2f} pts"
    return {
        "measure": label,
        "treated": show(estimate.treated),
        "holdout": show(estimate.holdout),
        "uplift": diff,
        "interval": f"{low} to {high}",
        "p_value": round(estimate.p_value, 4),
    }


def _readout(source) -> None:
    st.markdown("**Readout**")
    campaigns = stored_campaigns(source)
    if campaigns.empty:
        st.info(
            "No stored assignment yet. Store one above; after its window the measured uplift "
            "appears here.",
            icon=":material/monitoring:",
        )
        return
    chosen = st.selectbox("Campaign", list(campaigns["campaign_id"]), key="exp_readout_campaign")
    info = campaigns.set_index("campaign_id").loc[chosen]
    as_of = data_as_of(source)
    end = pd.Timestamp(info["campaign_end"])
    if as_of is None or pd.Timestamp(as_of) < end - pd.Timedelta(days=1):
        st.info(
            f"The campaign window runs until {end:%d %b %Y}; the data reaches "
            f"{pd.Timestamp(as_of):%d %b %Y}. The readout appears once the window is covered.",
            icon=":material/hourglass_top:",
        )
        return
    outcomes = campaign_outcomes(source, chosen)
    try:
        result = ex.readout(outcomes)
    except ValueError as exc:
        st.warning(f"No readout: {exc}.")
        return
    st.caption(
        f"{result.n_treated:,} treated vs {result.n_holdout:,} held out, "
        f"{pd.Timestamp(info['campaign_start']):%d %b %Y} → {end:%d %b %Y}; "
        f"{int(result.confidence * 100)}% confidence intervals."
    )
    st.dataframe(
        pd.DataFrame(
            [
                _estimate_row("Retention (still transacting)", result.retention, money=False),
                _estimate_row("Spend in the window, per customer", result.spend, money=True),
            ]
        ),
        hide_index=True,
        column_config={
            "measure": "Measure",
            "treated": "Treated",
            "holdout": "Hold-out",
            "uplift": "Measured uplift",
            "interval": "Confidence interval",
            "p_value": "p-value",
        },
        key="exp_readout",
    )


def render(source, flt: ProfileFilter, audience, result) -> None:
    st.markdown("**Design** — size the hold-out before launch")
    holdout, _alpha, _power, seed = _design(audience, result)
    _assign(source, flt, holdout, seed)
    _readout(source)
