"""Storing a campaign assignment through Snowpark (mocked session, real SQL checked).

Snowpark's ``Session.sql(query, params=[...])`` binds ``?`` placeholders and
``.collect()`` returns a list of ``Row`` objects that index like tuples
(https://docs.snowflake.com/en/developer-guide/snowpark/reference/python/latest/snowpark/api/snowflake.snowpark.Session.sql).
The INSERT is parsed with sqlglot's Snowflake dialect; the JSON it binds must round-trip
to the rows.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import pandas as pd
import pytest
import sqlglot
from c360_app.data import SnowparkSource
from c360_app.experiment_queries import ASSIGNMENT_COLUMNS, ASSIGNMENTS_INSERT_FROM_JSON
from c360_app.experiment_queries import assignment_rows as make_rows
from sqlglot import exp

from toolkit.pipeline.gold_tables import GOLD_APP_DDL


class _Result:
    def __init__(self, rows):
        self._rows = rows

    def collect(self):
        return self._rows


class FakeSession:
    def __init__(self, existing: int = 0):
        self.calls: list[tuple[str, list]] = []
        self.existing = existing

    def sql(self, query, params=None):
        self.calls.append((query, list(params or [])))
        if query.lstrip().lower().startswith("select count(*)"):
            return _Result([(self.existing,)])
        return _Result([])


def _rows() -> pd.DataFrame:
    split = pd.DataFrame(
        {
            "customer_id": ["C000001", "C000002", "C000003"],
            "customer_segment": ["Declining", "Declining", "New & Growing"],
            "churn_risk_category": ["High Risk", "High Risk", "Low Risk"],
            "group": ["treated", "holdout", "treated"],
        }
    )
    return make_rows(
        split,
        campaign_id="winback-q1",
        seed=42,
        holdout_fraction=0.2,
        start=date(2025, 1, 1),
        end=date(2025, 4, 1),
        assigned_at=datetime(2024, 12, 31, 9, 30),
    )


def test_one_insert_with_the_rows_as_bound_json():
    session = FakeSession()
    SnowparkSource(session).record_assignments(_rows())
    (check_sql, check_params), (insert_sql, insert_params) = session.calls
    assert check_params == ["winback-q1"]
    assert insert_sql == ASSIGNMENTS_INSERT_FROM_JSON
    tree = sqlglot.parse_one(insert_sql, read="snowflake")
    assert isinstance(tree, exp.Insert)
    assert tree.this.this.sql() == "gold.campaign_assignments"
    declared = sqlglot.parse_one(GOLD_APP_DDL["campaign_assignments"], read="duckdb")
    declared_columns = [c.name for c in declared.this.expressions]
    inserted = [c.name for c in tree.this.expressions]
    assert inserted == declared_columns == list(ASSIGNMENT_COLUMNS)
    payload = json.loads(insert_params[0])
    assert [r["customer_id"] for r in payload] == ["C000001", "C000002", "C000003"]
    assert payload[1]["group_name"] == "holdout"
    assert payload[0]["campaign_start"] == "2025-01-01"
    assert payload[0]["assigned_at"] == "2024-12-31 09:30:00"
    assert payload[0]["seed"] == 42 and payload[0]["holdout_fraction"] == 0.2


def test_a_stored_campaign_is_refused_and_nothing_inserted():
    session = FakeSession(existing=3)
    with pytest.raises(ValueError, match="already has a stored assignment"):
        SnowparkSource(session).record_assignments(_rows())
    assert len(session.calls) == 1


def test_rows_of_two_campaigns_are_refused():
    rows = pd.concat([_rows(), _rows().assign(campaign_id="other")])
    with pytest.raises(ValueError, match="exactly one named campaign"):
        SnowparkSource(FakeSession()).record_assignments(rows)
