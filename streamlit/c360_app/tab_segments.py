"""Segment Explorer: filter the portfolio, see KPIs and charts, page through customers."""

from __future__ import annotations

import math

import streamlit as st
from c360_app import charts, fmt, loaders
from c360_app.queries import SORTABLE_COLUMNS, ProfileFilter
from c360_app.widgets import export_on_request
from toolkit.domain import CARD_TYPES, RISK_CATEGORIES, SEGMENTS

PAGE_SIZES = (25, 50, 100)

TABLE_COLUMNS = {
    "customer_id": st.column_config.TextColumn("Customer"),
    "full_name": st.column_config.TextColumn("Name"),
    "state": st.column_config.TextColumn("State", width="small"),
    "card_type": st.column_config.TextColumn("Card"),
    "customer_segment": st.column_config.TextColumn("Segment"),
    "lifetime_value": st.column_config.NumberColumn("Lifetime value", format="dollar"),
    "spend_last_90_days": st.column_config.NumberColumn("90-day spend", format="dollar"),
    "churn_probability": st.column_config.ProgressColumn(
        "Churn probability", format="percent", min_value=0.0, max_value=1.0
    ),
    "churn_risk_category": st.column_config.TextColumn("Risk"),
    "credit_limit": st.column_config.NumberColumn("Credit limit", format="dollar"),
    "days_since_last_transaction": st.column_config.NumberColumn("Days since last txn"),
}


def _range_slider(label: str, low, high, key: str, step: int):
    """A slider over [low, high]; returns None while it spans the whole range (no filter)."""
    if low is None or high is None or (isinstance(low, float) and math.isnan(low)):
        return None
    low_i, high_i = math.floor(float(low)), math.ceil(float(high))
    if low_i >= high_i:
        return None
    chosen = st.slider(
        label, min_value=low_i, max_value=high_i, value=(low_i, high_i), step=step, key=key
    )
    return None if chosen == (low_i, high_i) else chosen


def _filters(source) -> ProfileFilter:
    options = loaders.filter_options(source)
    with st.expander("Filters", expanded=True, icon=":material/filter_list:"):
        col1, col2, col3 = st.columns(3)
        segments = col1.multiselect("Segment", SEGMENTS, key="seg_segments", placeholder="All")
        states = col2.multiselect("State", options["states"], key="seg_states", placeholder="All")
        card_types = col3.multiselect("Card type", CARD_TYPES, key="seg_cards", placeholder="All")
        col4, col5, col6 = st.columns(3)
        risks = col4.multiselect("Churn risk", RISK_CATEGORIES, key="seg_risks", placeholder="All")
        with col5:
            ltv = _range_slider(
                "Lifetime value ($)", options["ltv_min"], options["ltv_max"], "seg_ltv", 100
            )
        with col6:
            limit = _range_slider(
                "Credit limit ($)",
                options["credit_limit_min"],
                options["credit_limit_max"],
                "seg_limit",
                500,
            )
    return ProfileFilter(
        segments=tuple(segments),
        states=tuple(states),
        card_types=tuple(card_types),
        risk_categories=tuple(risks),
        ltv_min=ltv[0] if ltv else None,
        ltv_max=ltv[1] if ltv else None,
        credit_limit_min=limit[0] if limit else None,
        credit_limit_max=limit[1] if limit else None,
    )


def _kpis(kpis: dict) -> None:
    cards = st.columns(5)
    cards[0].metric("Customers", fmt.count(kpis["customers"]), border=True)
    cards[1].metric("Total lifetime value", fmt.money_compact(kpis["total_ltv"]), border=True)
    cards[2].metric("Average lifetime value", fmt.money(kpis["avg_ltv"]), border=True)
    cards[3].metric(
        "Average churn probability", fmt.percent(kpis["avg_churn_probability"]), border=True
    )
    cards[4].metric("Spend, last 90 days", fmt.money_compact(kpis["spend_90d"]), border=True)


def _charts(source, flt: ProfileFilter) -> None:
    left, right = st.columns(2)
    with left:
        st.markdown("**Customers by segment**")
        st.altair_chart(charts.segment_distribution(loaders.segment_distribution(source, flt)))
        st.markdown("**Churn probability**")
        st.altair_chart(charts.churn_histogram(loaders.churn_histogram(source, flt)))
    with right:
        st.markdown("**Lifetime value by segment** (min · quartiles · max)")
        st.altair_chart(charts.ltv_box(loaders.ltv_box_stats(source, flt)))
        st.markdown("**Monthly spend and month-over-month change**")
        trend = loaders.mom_trend(source, flt)
        if trend.empty:
            st.caption("No monthly spend for these customers yet.")
        else:
            st.altair_chart(charts.monthly_trend(trend))


def _table(source, flt: ProfileFilter, total: int) -> None:
    st.markdown("**Customers**")
    col1, col2, col3, col4 = st.columns([2, 1, 1, 1])
    sort_label = col1.selectbox("Sort by", list(SORTABLE_COLUMNS), key="seg_sort")
    descending = col2.toggle("Descending", value=True, key="seg_desc")
    page_size = col3.selectbox("Rows per page", PAGE_SIZES, key="seg_page_size")
    pages = max(1, math.ceil(total / page_size))
    page = col4.number_input("Page", min_value=1, max_value=pages, value=1, key="seg_page")
    page = min(int(page), pages)
    frame = loaders.customer_page(
        source,
        flt,
        sort_by=SORTABLE_COLUMNS[sort_label],
        descending=descending,
        limit=page_size,
        offset=(page - 1) * page_size,
    )
    st.dataframe(frame, column_config=TABLE_COLUMNS, hide_index=True, key="seg_table")
    first = (page - 1) * page_size + 1
    st.caption(f"Rows {first:,}–{first + len(frame) - 1:,} of {total:,} · page {page} of {pages}")
    _export(source, flt, total)


def _export(source, flt: ProfileFilter, total: int) -> None:
    # The full list is fetched only on request, and only for the filters it was asked for.
    export_on_request(
        f"Prepare CSV of all {total:,} customers",
        request=flt,
        csv=lambda: loaders.customer_export_csv(source, flt),
        download_label="Download CSV",
        file_name="c360_customers.csv",
        prefix="seg",
    )


def render(source) -> None:
    st.subheader("Segment Explorer")
    st.caption("Slice the portfolio by segment, geography, card and risk.")
    flt = _filters(source)
    kpis = loaders.segment_kpis(source, flt)
    total = int(kpis.get("customers") or 0)
    if total == 0:
        st.info("No customers match these filters. Remove a filter or widen a range.")
        return
    _kpis(kpis)
    _charts(source, flt)
    _table(source, flt, total)
