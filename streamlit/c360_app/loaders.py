"""Cached loaders: every query of ``queries`` wrapped once in ``st.cache_data``.

Streamlit keys each cache by the wrapped function and its arguments. A data source is
hashed by its ``cache_key`` (``hash_funcs``), which changes when the local database file
changes, so a rebuilt database is never served from a stale cache. In Snowflake the ttl
bounds staleness after a pipeline run.
"""

from __future__ import annotations

import os

import streamlit as st
from c360_app import queries
from c360_app.data import DB_PATH_ENV_VAR, DuckDBSource, SnowparkSource, open_source

TTL_SECONDS = 600


def _source_key(source) -> str:
    return source.cache_key


_HASH_SOURCES = {DuckDBSource: _source_key, SnowparkSource: _source_key}


def cached(func=None, *, ttl: int = TTL_SECONDS, max_entries: int = 256):
    """``func`` cached by its arguments, its data source hashed by the source's cache key.

    Use bare (``cached(f)``, ``@cached``) or with settings (``cached(ttl=120)(f)``).
    """
    decorate = st.cache_data(
        ttl=ttl, show_spinner=False, max_entries=max_entries, hash_funcs=_HASH_SOURCES
    )
    return decorate if func is None else decorate(func)


@st.cache_resource(show_spinner=False)
def _source_for(location: str):
    return open_source()


def get_source():
    """The app's data source, opened once per process (and per local database path)."""
    return _source_for(os.environ.get(DB_PATH_ENV_VAR) or "default")


def clear_caches() -> None:
    st.cache_data.clear()


data_status = cached(queries.data_status)
filter_options = cached(queries.filter_options)
segment_kpis = cached(queries.segment_kpis)
segment_distribution = cached(queries.segment_distribution)
ltv_box_stats = cached(queries.ltv_box_stats)
churn_histogram = cached(queries.churn_histogram)
mom_trend = cached(queries.mom_trend)
customer_page = cached(queries.customer_page)
search_customers = cached(queries.search_customers)
customers_to_watch = cached(queries.customers_to_watch)
customer_profile = cached(queries.customer_profile)
customer_monthly_spend = cached(queries.customer_monthly_spend)
customer_transactions = cached(queries.customer_transactions)
customer_card_history = cached(queries.customer_card_history)
customer_churn = cached(queries.customer_churn)
audience_summary = cached(queries.audience_summary)
target_list = cached(queries.target_list)
target_summary = cached(queries.target_summary)


@cached
def customer_export_csv(source, flt: queries.ProfileFilter) -> bytes:
    return queries.customer_export(source, flt).to_csv(index=False).encode()


@cached
def target_list_csv(source, flt: queries.ProfileFilter, coefficients, *, paying_only=False):
    frame = queries.target_list(source, flt, coefficients, limit=None, paying_only=paying_only)
    return frame.to_csv(index=False).encode()
