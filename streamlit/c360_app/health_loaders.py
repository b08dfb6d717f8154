"""Cached loaders for the Pipeline Health page: each query cached by its parameters.

The data source is hashed by its ``cache_key`` (``hash_funcs``), which changes when the
local database file changes, so a new pipeline run is never served from a stale cache;
in Snowflake the ttl bounds staleness. No wrapper pairs: the cached function is the loader.
"""

from __future__ import annotations

from c360_app import health_queries as q
from c360_app.loaders import cached

TTL_SECONDS = 120  # operational data: fresher than the business tabs

_cached = cached(ttl=TTL_SECONDS, max_entries=64)

recent_runs = _cached(q.recent_runs)
run_steps = _cached(q.run_steps)
load_batches = _cached(q.load_batches)
load_totals = _cached(q.load_totals)
rejects_by_reason = _cached(q.rejects_by_reason)
rejected_sample = _cached(q.rejected_sample)
data_quality = _cached(q.data_quality)
layer_counts_over_time = _cached(q.layer_counts_over_time)
latest_table_counts = _cached(q.latest_table_counts)
model_versions = _cached(q.model_versions)
baselines = _cached(q.baselines)
clv_holdout = _cached(q.clv_holdout)
feedback_summary = _cached(q.feedback_summary)
unanswered_questions = _cached(q.unanswered_questions)
