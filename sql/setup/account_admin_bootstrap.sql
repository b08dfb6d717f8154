-- One-off account bootstrap, run once per Snowflake account by a human account
-- administrator BEFORE the first `c360 deploy`. It holds the only steps Snowflake
-- reserves to ACCOUNTADMIN; Terraform itself never runs as ACCOUNTADMIN.
--   1. resource monitors: CREATE RESOURCE MONITOR is ACCOUNTADMIN-only, so the monitors
--      the stacks attach their warehouses to are created here (quotas =
--      toolkit.config monthly_credit_quota; tests/infra checks they stay in step);
--   2. CREATE INTEGRATION for SYSADMIN (storage + git API integrations of the stacks).
-- The deployer users themselves (key-pair, SYSADMIN + SECURITYADMIN) are created as in
-- the README's "First-time bootstrap".
USE ROLE ACCOUNTADMIN;

CREATE RESOURCE MONITOR IF NOT EXISTS C360_DEV_MONITOR WITH
  CREDIT_QUOTA = 50
  FREQUENCY = MONTHLY
  START_TIMESTAMP = IMMEDIATELY
  TRIGGERS ON 75 PERCENT DO NOTIFY ON 100 PERCENT DO SUSPEND ON 110 PERCENT DO SUSPEND_IMMEDIATE;

CREATE RESOURCE MONITOR IF NOT EXISTS C360_PROD_MONITOR WITH
  CREDIT_QUOTA = 400
  FREQUENCY = MONTHLY
  START_TIMESTAMP = IMMEDIATELY
  TRIGGERS ON 75 PERCENT DO NOTIFY ON 100 PERCENT DO SUSPEND ON 110 PERCENT DO SUSPEND_IMMEDIATE;

GRANT MONITOR, MODIFY ON RESOURCE MONITOR C360_DEV_MONITOR TO ROLE SYSADMIN;
GRANT MONITOR, MODIFY ON RESOURCE MONITOR C360_PROD_MONITOR TO ROLE SYSADMIN;

GRANT CREATE INTEGRATION ON ACCOUNT TO ROLE SYSADMIN;
