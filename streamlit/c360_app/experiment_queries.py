"""Campaign experiments in the data: the audience to split, stored assignments, outcomes.

``gold.campaign_assignments`` holds one row per customer and campaign: the group
(``treated`` / ``holdout``), the strata it was drawn in, the seed and hold-out share, and
the campaign window. The readout measures, per assigned customer, whether they were
still transacting (an approved transaction) in the window and what they spent — the
same definition of "retained" the churn label uses on the other side of the window.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd

from c360_app.queries import PROFILE, ProfileFilter
from toolkit.pipeline.gold_tables import GOLD_APP_DDL

ASSIGNMENTS = "gold.campaign_assignments"
ASSIGNMENT_COLUMNS = (
    "campaign_id",
    "customer_id",
    "group_name",
    "customer_segment",
    "churn_risk_category",
    "seed",
    "holdout_fraction",
    "campaign_start",
    "campaign_end",
    "assigned_at",
)
# declared once in the toolkit's table registry, which the stacks also declare in Snowflake
ASSIGNMENTS_DDL = GOLD_APP_DDL["campaign_assignments"]


# Snowflake: the rows of one assignment as a single bound JSON array (VARIANT paths, casts
# to the declared column types; https://docs.snowflake.com/en/sql-reference/functions/flatten).
ASSIGNMENTS_INSERT_FROM_JSON = """
insert into gold.campaign_assignments (
    campaign_id, customer_id, group_name, customer_segment, churn_risk_category, seed,
    holdout_fraction, campaign_start, campaign_end, assigned_at)
select r.value:campaign_id::varchar, r.value:customer_id::varchar, r.value:group_name::varchar,
       r.value:customer_segment::varchar, r.value:churn_risk_category::varchar,
       r.value:seed::bigint, r.value:holdout_fraction::double, r.value:campaign_start::date,
       r.value:campaign_end::date, r.value:assigned_at::timestamp_ntz
from table(flatten(input => parse_json(?))) as r"""


def assignments_json(rows: pd.DataFrame) -> str:
    """The rows as a JSON array of objects, dates and timestamps in ISO text."""
    frame = rows[list(ASSIGNMENT_COLUMNS)].copy()
    for column in ("campaign_start", "campaign_end"):
        frame[column] = pd.to_datetime(frame[column]).dt.strftime("%Y-%m-%d")
    frame["assigned_at"] = pd.to_datetime(frame["assigned_at"]).dt.strftime("%Y-%m-%d %H:%M:%S")
    return frame.to_json(orient="records")


def audience_members(source, flt: ProfileFilter) -> pd.DataFrame:
    """Every customer of the audience with the strata the split is stratified by."""
    where, params = flt.where()
    return source.query(
        f"""
        select customer_id, customer_segment, churn_risk_category
        from {PROFILE} {where}
        order by customer_id
        """,  # noqa: S608 - placeholders only
        params,
    )


def assignment_rows(
    split: pd.DataFrame,
    *,
    campaign_id: str,
    seed: int,
    holdout_fraction: float,
    start: date,
    end: date,
    assigned_at: datetime,
) -> pd.DataFrame:
    """The rows of ``gold.campaign_assignments`` for one split (also the CSV export)."""
    frame = split.rename(columns={"group": "group_name"}).copy()
    frame["campaign_id"] = campaign_id
    frame["seed"] = int(seed)
    frame["holdout_fraction"] = float(holdout_fraction)
    frame["campaign_start"] = start
    frame["campaign_end"] = end
    frame["assigned_at"] = assigned_at
    return frame[list(ASSIGNMENT_COLUMNS)]


def stored_campaigns(source) -> pd.DataFrame:
    """Campaigns with a stored assignment (empty when none has been stored yet)."""
    try:
        return source.query(
            f"""
            select campaign_id, min(campaign_start) as campaign_start,
                   min(campaign_end) as campaign_end, count(*) as customers,
                   sum(case when group_name = 'holdout' then 1 else 0 end) as holdout,
                   max(assigned_at) as assigned_at
            from {ASSIGNMENTS}
            group by campaign_id
            order by max(assigned_at) desc
            """  # noqa: S608 - constant table name
        )
    except Exception as exc:
        if "does not exist" in str(exc).lower() or "catalog error" in str(exc).lower():
            return pd.DataFrame(columns=["campaign_id", "campaign_start", "campaign_end"])
        raise


def campaign_outcomes(source, campaign_id: str) -> pd.DataFrame:
    """Per assigned customer: group, retained (any approved transaction in the window), spend."""
    return source.query(
        f"""
        select a.customer_id, a.group_name as "group",
               case when count(f.transaction_id) > 0 then 1 else 0 end as retained,
               coalesce(sum(f.amount), 0) as spend
        from {ASSIGNMENTS} a
        left join gold.fct_transactions f
            on f.customer_id = a.customer_id
            and f.status = 'approved'
            and f.transaction_date >= a.campaign_start
            and f.transaction_date < a.campaign_end
        where a.campaign_id = ?
        group by a.customer_id, a.group_name
        """,  # noqa: S608 - constant table names; the campaign id is bound
        [campaign_id],
    )


def data_as_of(source) -> Any:
    frame = source.query("select max(transaction_date) as as_of from gold.fct_transactions")
    return frame.iloc[0]["as_of"] if len(frame) else None
