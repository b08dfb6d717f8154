"""Customer 360: find one customer and see everything about them on one screen."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pandas as pd

import streamlit as st
from c360_app import charts, fmt, loaders
from c360_app.widgets import csv_download
from toolkit.campaign import suggest_retention_action
from toolkit.domain import RISK_BADGE_COLORS, SEGMENT_BADGE_COLORS


def risk_factors(value: Any) -> list[str]:
    """``top_risk_factors`` as a list of readable strings, whatever shape the column has.

    The churn step may store a list, a JSON text or a ``;``-separated text; items may be
    plain strings or ``{"feature": …, "impact"|"value": …}`` objects.
    """
    if value is None:
        return []
    if hasattr(value, "tolist") and not isinstance(value, str):
        value = value.tolist()
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return []
        try:
            value = json.loads(text)
        except ValueError:
            return [part.strip() for part in text.replace("|", ";").split(";") if part.strip()]
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list | tuple):
        return [str(value)]
    items = []
    for item in value:
        if isinstance(item, dict):
            name = item.get("description") or item.get("feature") or item.get("factor") or ""
            detail = item.get("impact", item.get("value", item.get("contribution")))
            items.append(f"{name} ({detail})" if detail is not None and name else str(name or item))
        elif item is not None:
            items.append(str(item))
    return items


def _open(customer_id: str) -> None:
    st.session_state["c360_search"] = customer_id


def _watch_list(source) -> None:
    """An empty search still offers somewhere to start: the biggest value at risk."""
    watch = loaders.customers_to_watch(source)
    if watch.empty:
        return
    st.markdown("**Customers to watch** — high churn risk, most lifetime value at stake")
    columns = st.columns(len(watch))
    for column, row in zip(columns, watch.itertuples(), strict=True):
        column.button(
            f"{row.full_name}  \n{row.customer_id} · {row.churn_probability:.0%} risk",
            key=f"c360_watch_{row.customer_id}",
            on_click=_open,
            args=(row.customer_id,),
            width="stretch",
            help=f"{row.customer_segment} · lifetime value {fmt.money(row.lifetime_value)}",
        )


def _search(source) -> str | None:
    """The customer to show: from the search box, or a ``?customer=`` deep link."""
    linked = st.query_params.get("customer")
    if linked and "c360_search" not in st.session_state:
        st.session_state["c360_search"] = linked
    term = st.text_input(
        "Find a customer",
        key="c360_search",
        placeholder="Customer ID, name or email, e.g. C000042, garcia, @example",
        help="Partial and case-insensitive.",
    )
    if not term.strip():
        st.info("Search by customer ID, name or email to open a customer's 360° view.")
        _watch_list(source)
        return None
    matches = loaders.search_customers(source, term)
    if matches.empty:
        st.warning(
            f"No customer matches “{term.strip()}”. Customer IDs look like C000042; "
            "names and emails match on any part."
        )
        return None
    labels = {
        row.customer_id: f"{row.customer_id} · {row.full_name} · {row.email}"
        for row in matches.itertuples()
    }
    if len(matches) > 1:
        return st.selectbox(
            f"{len(matches)} matches" + (" (showing the first 10)" if len(matches) >= 10 else ""),
            list(labels),
            format_func=labels.get,
            key="c360_pick",
        )
    return matches["customer_id"].iloc[0]


def _profile_card(profile: dict, as_of: date | None) -> None:
    segment = profile.get("customer_segment") or "Unsegmented"
    risk = profile.get("churn_risk_category") or "Not scored"
    with st.container(border=True):
        left, right = st.columns([3, 2])
        with left:
            st.markdown(f"### {profile.get('full_name', '')}")
            badges = (
                f":{SEGMENT_BADGE_COLORS.get(segment, 'gray')}-badge[{segment}] "
                f":{RISK_BADGE_COLORS.get(risk, 'gray')}-badge[{risk}]"
            )
            st.markdown(badges)
            st.caption(f"{profile['customer_id']} · {profile.get('email', '')}")
        with right:
            opened = profile.get("account_open_date")
            tenure = ""
            if opened is not None and not pd.isna(opened) and as_of is not None:
                months = (pd.Timestamp(as_of) - pd.Timestamp(opened)).days // 30
                tenure = f" · {months // 12} y {months % 12} m"
            st.markdown(
                f"**{profile.get('card_type', '–')} card** · limit {fmt.md(fmt.money(profile.get('credit_limit')))}  \n"
                f"Age {fmt.count(profile.get('age'))} · {profile.get('city', '')}, {profile.get('state', '')}  \n"
                f"Customer since {_opened_on(opened)}{tenure}"
            )


def _metrics(profile: dict, transactions: pd.DataFrame, as_of: date | None) -> None:
    approved = transactions[transactions["status"] == "approved"]
    if as_of is not None and not approved.empty:
        recent = approved[approved["transaction_date"] > as_of - timedelta(days=90)]
        frequency = len(recent) / 3
    else:
        frequency = None
    spend_90 = profile.get("spend_last_90_days")
    prior_90 = profile.get("spend_prior_90_days")
    delta_90 = None
    if spend_90 is not None and prior_90 is not None and not pd.isna(prior_90):
        delta_90 = fmt.money(float(spend_90) - float(prior_90))
    mom = profile.get("mom_spend_change_pct")
    mom_text = "–" if mom is None or pd.isna(mom) else f"{fmt.arrow(mom)} {abs(float(mom)):.0f}%"
    cards = st.columns(6)
    cards[0].metric("Lifetime value", fmt.money_fit(profile.get("lifetime_value")), border=True)
    cards[1].metric(
        "90-day spend",
        fmt.money(spend_90),
        delta_90,
        help="Change vs the prior 90 days.",
        border=True,
    )
    cards[2].metric(
        "Avg transaction", fmt.money(profile.get("avg_transaction_value"), cents=True), border=True
    )
    cards[3].metric(
        "MoM change", mom_text, help="Spend change, latest month vs the one before.", border=True
    )
    cards[4].metric(
        "Txns / month",
        "–" if frequency is None else f"{frequency:.1f}",
        help="Approved transactions in the last 90 days, per month.",
        border=True,
    )
    cards[5].metric(
        "Days inactive",
        fmt.count(profile.get("days_since_last_transaction")),
        help="Days since the last transaction, as of the data's as-of date.",
        border=True,
    )


def _spend_charts(source, customer_id: str, transactions: pd.DataFrame) -> None:
    left, right = st.columns([3, 2])
    with left:
        st.markdown("**Monthly spend** (bars) **and 3-month moving average** (line)")
        monthly = loaders.customer_monthly_spend(source, customer_id)
        if monthly.empty:
            st.caption("No approved spend yet.")
        else:
            st.altair_chart(charts.customer_monthly_spend(monthly))
    with right:
        level = st.radio(
            "Spend by",
            ["category_group", "category_name"],
            format_func={"category_group": "Category group", "category_name": "Category"}.get,
            horizontal=True,
            key="c360_category_level",
        )
        approved = transactions[transactions["status"] == "approved"]
        if approved.empty:
            st.caption("No approved transactions yet.")
        else:
            by_category = (
                approved.groupby(level, dropna=False)
                .agg(spend=("amount", "sum"), transactions=("amount", "size"))
                .reset_index()
                .rename(columns={level: "category_name"})
            )
            by_category["share"] = by_category["spend"] / by_category["spend"].sum()
            st.altair_chart(charts.category_breakdown(top_categories(by_category)))


def top_categories(by_category: pd.DataFrame, keep: int = 8) -> pd.DataFrame:
    """The ``keep`` biggest categories, the rest summed as "Other" (a chart stays readable)."""
    ordered = by_category.sort_values("spend", ascending=False)
    if len(ordered) <= keep + 1:
        return ordered
    head, tail = ordered.iloc[:keep], ordered.iloc[keep:]
    other = pd.DataFrame(
        {
            "category_name": [f"Other ({len(tail)} categories)"],
            "spend": [tail["spend"].sum()],
            "transactions": [tail["transactions"].sum()],
            "share": [tail["share"].sum()],
        }
    )
    return pd.concat([head, other], ignore_index=True)


def _history(transactions: pd.DataFrame, customer_id: str) -> None:
    st.markdown("**Transaction history**")
    if transactions.empty:
        st.caption("No transactions.")
        return
    first, last = transactions["transaction_date"].min(), transactions["transaction_date"].max()
    col1, col2, col3 = st.columns([2, 2, 1])
    chosen = col1.date_input(
        "Dates",
        value=(max(first, last - timedelta(days=89)), last),
        min_value=first,
        max_value=last,
        key="c360_dates",
    )
    categories = sorted(transactions["category_name"].dropna().unique())
    picked = col2.multiselect("Category", categories, key="c360_categories", placeholder="All")
    statuses = col3.multiselect(
        "Status", ["approved", "declined"], key="c360_status", placeholder="All"
    )
    shown = transactions
    if isinstance(chosen, tuple | list) and len(chosen) == 2:
        shown = shown[
            (shown["transaction_date"] >= chosen[0]) & (shown["transaction_date"] <= chosen[1])
        ]
    if picked:
        shown = shown[shown["category_name"].isin(picked)]
    if statuses:
        shown = shown[shown["status"].isin(statuses)]
    st.dataframe(
        shown.drop(columns=["transaction_date", "category_group"]),
        hide_index=True,
        height=280,
        column_config={
            "transaction_id": "Transaction",
            "transaction_ts": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
            "amount": st.column_config.NumberColumn("Amount", format="dollar"),
            "category_name": "Category",
            "channel": "Channel",
            "status": "Status",
        },
        key="c360_history",
    )
    st.caption(f"{len(shown):,} of {len(transactions):,} transactions")
    csv_download(
        "Download these transactions (CSV)",
        shown.to_csv(index=False).encode(),
        file_name=f"{customer_id}_transactions.csv",
        key="c360_download",
    )


def _card_history(source, customer_id: str) -> None:
    st.markdown("**Card and credit-limit history**")
    history = loaders.customer_card_history(source, customer_id)
    if history.empty:
        st.caption("No card history.")
        return
    changes = []
    for before, after in zip(
        history.iloc[:-1].itertuples(), history.iloc[1:].itertuples(), strict=True
    ):
        if before.card_type != after.card_type:
            changes.append(f"{before.card_type} → {after.card_type}")
        if before.credit_limit != after.credit_limit:
            changes.append(
                f"limit {fmt.money(before.credit_limit)} → {fmt.money(after.credit_limit)}"
            )
    st.dataframe(
        history,
        hide_index=True,
        column_config={
            "card_type": "Card",
            "credit_limit": st.column_config.NumberColumn("Credit limit", format="dollar"),
            "valid_from": st.column_config.DateColumn("From"),
            "valid_to": st.column_config.DateColumn("To"),
            "is_current": st.column_config.CheckboxColumn("Current"),
        },
        key="c360_cards",
    )
    st.caption(fmt.md("Changes: " + "; ".join(changes)) if changes else "No card or limit changes.")


def _churn(source, customer_id: str, profile: dict) -> None:
    st.markdown("**Churn risk**")
    churn = loaders.customer_churn(source, customer_id)
    if not churn:
        st.caption("This customer has not been scored yet.")
        return
    category = churn.get("churn_risk_category") or ""
    st.altair_chart(charts.churn_gauge(churn.get("churn_risk_score") or 0, category))
    st.markdown(
        f"**{category}** · probability {fmt.percent(churn.get('churn_probability'))} "
        f"· model {churn.get('model_version', '–')}"
    )
    factors = risk_factors(churn.get("top_risk_factors"))
    if factors:
        st.markdown("Top risk factors:\n" + "\n".join(f"- {f}" for f in factors[:5]))
    action = suggest_retention_action(profile.get("customer_segment"), category, factors)
    st.success(action, icon=":material/lightbulb:")


def render(source) -> None:
    st.subheader("Customer 360")
    st.caption("One customer: profile, value, spending, history and churn risk.")
    customer_id = _search(source)
    if customer_id is None:
        return
    profile = loaders.customer_profile(source, customer_id)
    if not profile:
        st.error(f"Customer {customer_id} is not in the profile table (yet).")
        return
    as_of = loaders.data_status(source).get("as_of_date")
    as_of = pd.Timestamp(as_of).date() if as_of is not None and not pd.isna(as_of) else None
    transactions = loaders.customer_transactions(source, customer_id)
    _profile_card(profile, as_of)
    _metrics(profile, transactions, as_of)
    _spend_charts(source, customer_id, transactions)
    left, right = st.columns([3, 2])
    with left:
        _history(transactions, customer_id)
    with right:
        _churn(source, customer_id, profile)
        _card_history(source, customer_id)


def _opened_on(opened) -> str:
    """The account-opening date as text, or a dash when the profile has none."""
    return str(pd.Timestamp(opened).date()) if opened is not None and not pd.isna(opened) else "–"
