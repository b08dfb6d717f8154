"""c360 — the Customer 360 app: Segment Explorer, Customer 360, AI Assistant, Campaign Simulator,
Pipeline Health.

Locally: ``c360 app`` (or ``streamlit run streamlit/streamlit_app.py``) on the DuckDB file
named by ``C360_DUCKDB_PATH``. In Snowflake: the Streamlit object's main file, with the
repository root as its root, reading through the app's Snowpark session.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Both layouts import the same way: this folder holds the c360_app package, the repository
# root holds toolkit. Appended, not prepended, so nothing here can shadow an installed library.
_APP_DIR = Path(__file__).resolve().parent
for _path in (_APP_DIR, _APP_DIR.parent):
    if str(_path) not in sys.path:
        sys.path.append(str(_path))

import pandas as pd  # noqa: E402
from c360_app import (  # noqa: E402
    fmt,
    loaders,
    tab_assistant,
    tab_campaign,
    tab_customer,
    tab_pipeline_health,
    tab_segments,
)

import streamlit as st  # noqa: E402

TABS = {
    "Segment Explorer": tab_segments.render,
    "Customer 360": tab_customer.render,
    "AI Assistant": tab_assistant.render,
    "Campaign Simulator": tab_campaign.render,
    "Pipeline Health": tab_pipeline_health.render,
}


def _sidebar(source) -> None:
    with st.sidebar:
        st.title(":material/credit_card: c360")
        st.caption("Customer 360 for the acquired card portfolio")
        status = loaders.data_status(source)
        as_of = status.get("as_of_date")
        as_of_text = (
            pd.Timestamp(as_of).strftime("%d %b %Y")
            if as_of is not None and not pd.isna(as_of)
            else "–"
        )
        st.metric(
            "Data as of",
            as_of_text,
            help="The latest transaction date; every 'last 90 days' figure ends here.",
        )
        st.metric("Customers", fmt.count(status.get("customers")))
        scored = status.get("scored_at")
        model = status.get("model_version") or "not scored yet"
        scored_text = (
            f" · scored {pd.Timestamp(scored):%d %b %Y}"
            if scored is not None and not pd.isna(scored)
            else ""
        )
        st.caption(f"Churn model: {model}{scored_text}")
        st.caption(f"Source: {source.describe()}")
        if st.button("Refresh data", icon=":material/refresh:", key="sidebar_refresh"):
            loaders.clear_caches()
            st.rerun()


def main() -> None:
    st.set_page_config(
        page_title="c360 · Customer 360", page_icon=":material/credit_card:", layout="wide"
    )
    try:
        source = loaders.get_source()
    except FileNotFoundError as exc:
        st.title("c360")
        st.error(f"{exc}", icon=":material/database:")
        st.markdown(
            "Build the local database first: `uv run c360 demo --no-app`, then `uv run c360 app`."
        )
        return
    try:
        _sidebar(source)
    except Exception as exc:  # a missing gold table: say which, and how to build it
        st.error(f"The gold tables are not ready: {exc}. Run `c360 pipeline run` and refresh.")
        return
    for tab, render in zip(st.tabs(list(TABS)), TABS.values(), strict=True):
        with tab:
            render(source)


main()
