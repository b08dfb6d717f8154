-- One-off account bootstrap, run once per Snowflake account by a human account
-- administrator BEFORE the first `terraform plan` (`c360 deploy`, `cdktf deploy`). It holds
-- what Terraform cannot do for itself; Terraform never runs as ACCOUNTADMIN. Every
-- statement is idempotent (IF NOT EXISTS, re-granting a held grant is a no-op): re-running
-- the whole file is safe.
--   1. resource monitors: CREATE RESOURCE MONITOR is ACCOUNTADMIN-only, so the monitors
--      the stacks attach their warehouses to are created here (quotas =
--      toolkit.config monthly_credit_quota; tests/infra checks they stay in step);
--   2. CREATE INTEGRATION for SYSADMIN (storage + git API integrations of the stacks);
--   3. the functional roles the stacks' `pipeline` and `app` provider aliases log in with
--      (stacks/naming.py BOOTSTRAP_ROLES): a provider connects with its role while
--      Terraform plans, so these roles must exist before the first plan. Created by
--      SECURITYADMIN (the role that manages every other functional role), with the very
--      comment the stack declares, and granted to SYSADMIN, through which the deployer
--      user (granted SYSADMIN) may use them: a role granted to a role the user holds can be
--      used (USE ROLE) by that user (https://www.phdata.io/blog/granting-role-to-another-role-snowflake/);
--      the stacks then adopt them with Terraform import blocks;
--   4. the Anaconda terms (see the end of this file: not SQL).
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

-- c360 alerts (stacks/alerts.py) are owned and run by SYSADMIN: an alert's owner needs the
-- account privilege EXECUTE ALERT (https://docs.snowflake.com/en/user-guide/alerts), and the
-- conditions call SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME(), which needs the SNOWFLAKE
-- database role ALERT_VIEWER
-- (https://docs.snowflake.com/en/sql-reference/functions/last_successful_scheduled_time).
GRANT EXECUTE ALERT ON ACCOUNT TO ROLE SYSADMIN;
GRANT DATABASE ROLE SNOWFLAKE.ALERT_VIEWER TO ROLE SYSADMIN;

USE ROLE SECURITYADMIN;

CREATE ROLE IF NOT EXISTS C360_DEV_PIPELINE COMMENT = 'c360 dev pipeline (functional role)';
CREATE ROLE IF NOT EXISTS C360_DEV_APP COMMENT = 'c360 dev app (functional role)';
CREATE ROLE IF NOT EXISTS C360_PROD_PIPELINE COMMENT = 'c360 prod pipeline (functional role)';
CREATE ROLE IF NOT EXISTS C360_PROD_APP COMMENT = 'c360 prod app (functional role)';

GRANT ROLE C360_DEV_PIPELINE TO ROLE SYSADMIN;
GRANT ROLE C360_DEV_APP TO ROLE SYSADMIN;
GRANT ROLE C360_PROD_PIPELINE TO ROLE SYSADMIN;
GRANT ROLE C360_PROD_APP TO ROLE SYSADMIN;

-- 4. Anaconda terms, once per organization, by an organization administrator (ORGADMIN):
--    Snowsight » Admin » Billing & Terms » Anaconda » Enable. Snowflake offers no SQL for
--    this step (https://docs.snowflake.com/developer-guide/udf/python/udf-python-packages,
--    "Getting Started"). Until it is done, the Python procedures' PACKAGES
--    (stacks/procedures.py PROCEDURE_PACKAGES) cannot be resolved and the first apply
--    fails on them; `c360 preflight` checks every package in INFORMATION_SCHEMA.PACKAGES.
