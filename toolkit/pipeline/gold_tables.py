"""Gold tables written by the app, not by dbt: the table registry's gold part.

dbt owns the gold models; the few gold tables another writer fills are declared here, once,
like bronze (``toolkit.pipeline.bronze``) and observability
(``toolkit.pipeline.observability``): the app runs this DDL on DuckDB, and the stacks
declare the same columns in Snowflake (``stacks.tables.declared_tables``), where the app
role can insert rows but create no table.
"""

from __future__ import annotations

GOLD_APP_DDL = {
    # Campaign Simulator experiments: one row per customer and campaign, the group it drew
    # (written by the app's Experiment tab, streamlit/c360_app/experiment_queries.py).
    "campaign_assignments": """
create table if not exists gold.campaign_assignments (
    campaign_id varchar not null,
    customer_id varchar not null,
    group_name varchar not null,          -- treated | holdout
    customer_segment varchar,
    churn_risk_category varchar,
    seed bigint not null,
    holdout_fraction double not null,
    campaign_start date not null,
    campaign_end date not null,           -- exclusive
    assigned_at timestamp not null
)""",
}
