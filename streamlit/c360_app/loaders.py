"""Cached loaders: one ``st.cache_data`` function per query, keyed by its filters.

The source itself is not hashed (leading underscore); ``source_key`` stands in for it
and changes when the local database file changes, so a rebuilt database is never served
from a stale cache. In Snowflake the ttl bounds staleness after a pipeline run.
"""

from __future__ import annotations

import os

import streamlit as st
from c360_app import queries
from c360_app.data import DB_PATH_ENV_VAR, open_source
from c360_app.queries import ProfileFilter

TTL_SECONDS = 600


@st.cache_resource(show_spinner=False)
def _source_for(location: str):
    return open_source()


def get_source():
    """The app's data source, opened once per process (and per local database path)."""
    return _source_for(os.environ.get(DB_PATH_ENV_VAR) or "default")


def clear_caches() -> None:
    st.cache_data.clear()


def _cached(func):
    return st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=256)(func)


@_cached
def _data_status(_source, source_key: str):
    return queries.data_status(_source)


def data_status(source):
    return _data_status(source, source.cache_key)


@_cached
def _filter_options(_source, source_key: str):
    return queries.filter_options(_source)


def filter_options(source):
    return _filter_options(source, source.cache_key)


@_cached
def _segment_kpis(_source, source_key: str, flt: ProfileFilter):
    return queries.segment_kpis(_source, flt)


def segment_kpis(source, flt: ProfileFilter):
    return _segment_kpis(source, source.cache_key, flt)


@_cached
def _segment_distribution(_source, source_key: str, flt: ProfileFilter):
    return queries.segment_distribution(_source, flt)


def segment_distribution(source, flt: ProfileFilter):
    return _segment_distribution(source, source.cache_key, flt)


@_cached
def _ltv_box_stats(_source, source_key: str, flt: ProfileFilter):
    return queries.ltv_box_stats(_source, flt)


def ltv_box_stats(source, flt: ProfileFilter):
    return _ltv_box_stats(source, source.cache_key, flt)


@_cached
def _churn_histogram(_source, source_key: str, flt: ProfileFilter):
    return queries.churn_histogram(_source, flt)


def churn_histogram(source, flt: ProfileFilter):
    return _churn_histogram(source, source.cache_key, flt)


@_cached
def _mom_trend(_source, source_key: str, flt: ProfileFilter):
    return queries.mom_trend(_source, flt)


def mom_trend(source, flt: ProfileFilter):
    return _mom_trend(source, source.cache_key, flt)


@_cached
def _customer_page(
    _source, source_key: str, flt: ProfileFilter, sort_by: str, descending: bool, limit, offset
):
    return queries.customer_page(
        _source, flt, sort_by=sort_by, descending=descending, limit=limit, offset=offset
    )


def customer_page(source, flt, *, sort_by, descending, limit, offset):
    return _customer_page(source, source.cache_key, flt, sort_by, descending, limit, offset)


@_cached
def _customer_export_csv(_source, source_key: str, flt: ProfileFilter) -> bytes:
    return queries.customer_export(_source, flt).to_csv(index=False).encode()


def customer_export_csv(source, flt: ProfileFilter) -> bytes:
    return _customer_export_csv(source, source.cache_key, flt)


@_cached
def _search_customers(_source, source_key: str, term: str):
    return queries.search_customers(_source, term)


def search_customers(source, term: str):
    return _search_customers(source, source.cache_key, term)


@_cached
def _customers_to_watch(_source, source_key: str):
    return queries.customers_to_watch(_source)


def customers_to_watch(source):
    return _customers_to_watch(source, source.cache_key)


@_cached
def _customer_profile(_source, source_key: str, customer_id: str):
    return queries.customer_profile(_source, customer_id)


def customer_profile(source, customer_id: str):
    return _customer_profile(source, source.cache_key, customer_id)


@_cached
def _customer_monthly_spend(_source, source_key: str, customer_id: str):
    return queries.customer_monthly_spend(_source, customer_id)


def customer_monthly_spend(source, customer_id: str):
    return _customer_monthly_spend(source, source.cache_key, customer_id)


@_cached
def _customer_transactions(_source, source_key: str, customer_id: str):
    return queries.customer_transactions(_source, customer_id)


def customer_transactions(source, customer_id: str):
    return _customer_transactions(source, source.cache_key, customer_id)


@_cached
def _customer_card_history(_source, source_key: str, customer_id: str):
    return queries.customer_card_history(_source, customer_id)


def customer_card_history(source, customer_id: str):
    return _customer_card_history(source, source.cache_key, customer_id)


@_cached
def _customer_churn(_source, source_key: str, customer_id: str):
    return queries.customer_churn(_source, customer_id)


def customer_churn(source, customer_id: str):
    return _customer_churn(source, source.cache_key, customer_id)


@_cached
def _audience_summary(_source, source_key: str, flt: ProfileFilter):
    return queries.audience_summary(_source, flt)


def audience_summary(source, flt: ProfileFilter):
    return _audience_summary(source, source.cache_key, flt)


@_cached
def _target_list(_source, source_key: str, flt: ProfileFilter, coefficients, limit, paying_only):
    return queries.target_list(_source, flt, coefficients, limit=limit, paying_only=paying_only)


def target_list(source, flt: ProfileFilter, coefficients, *, limit, paying_only=False):
    return _target_list(source, source.cache_key, flt, tuple(coefficients), limit, paying_only)


@_cached
def _target_summary(_source, source_key: str, flt: ProfileFilter, coefficients):
    return queries.target_summary(_source, flt, coefficients)


def target_summary(source, flt: ProfileFilter, coefficients):
    return _target_summary(source, source.cache_key, flt, tuple(coefficients))


@_cached
def _target_list_csv(_source, source_key: str, flt, coefficients, paying_only) -> bytes:
    frame = queries.target_list(_source, flt, coefficients, limit=None, paying_only=paying_only)
    return frame.to_csv(index=False).encode()


def target_list_csv(source, flt: ProfileFilter, coefficients, *, paying_only=False) -> bytes:
    return _target_list_csv(source, source.cache_key, flt, tuple(coefficients), paying_only)
