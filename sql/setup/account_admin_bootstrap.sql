-- One-off account bootstrap, run once per Snowflake account by a human account
-- administrator BEFORE the first `terraform plan` (`c360 deploy`, `cdktf deploy`). It holds
-- what Terraform cannot or must not do for itself; Terraform never runs as ACCOUNTADMIN,
-- SYSADMIN or SECURITYADMIN. Every statement is idempotent (IF NOT EXISTS; re-granting a
-- held grant or re-transferring an owned object to its owner is a no-op): re-running the
-- whole file is safe.
--
-- Isolation (issue 13): dev and prod share one account, so each environment gets its own
-- deployer role, C360_<ENV>_DEPLOYER, and its own key-pair service user. A deployer
--   * OWNS its environment's database (created here, adopted by the stack with an import
--     block) and has no CREATE DATABASE: it cannot create, or squat, the other one;
--   * OWNS the two functional roles its provider aliases log in with (pipeline, app) and
--     creates the others itself (CREATE ROLE): a role's owner may grant it
--     (https://docs.snowflake.com/en/sql-reference/sql/grant-role, "Access control
--     requirements": OWNERSHIP on the role being granted);
--   * OWNS every schema it creates, all with managed access, so it can define the schema-
--     level (including future) grants the RBAC design needs without MANAGE GRANTS: "in a
--     managed access schema, the schema owner or a role with MANAGE GRANTS can grant
--     privileges on objects in the schema, including future grants"
--     (https://docs.snowflake.com/en/user-guide/security-access-control-configure,
--     "Creating managed access schemas"; https://docs.snowflake.com/en/sql-reference/sql/grant-privilege,
--     "Future grants");
--   * holds NO MANAGE GRANTS, SYSADMIN or SECURITYADMIN (those reach every database), and
--     nothing on the other environment's database. tests/infra/test_deployer_isolation.py
--     parses this file and fails if any of that changes; `c360 preflight` checks the account.
-- Account-level privileges (global privileges are granted here, by ACCOUNTADMIN, because
-- granting one needs MANAGE GRANTS, which no deployer holds):
--   CREATE ROLE            the functional/viewer roles of stacks/rbac.py
--   CREATE WAREHOUSE       the load/transform/app warehouses (stacks/snowflake_foundation.py)
--   CREATE INTEGRATION     storage, git API and notification integrations
--   EXECUTE ALERT          alerts are owned and run by the deployer (stacks/alerts.py,
--                          https://docs.snowflake.com/en/user-guide/alerts)
--   APPLY TAG, APPLY MASKING POLICY  the PII tag with propagation and its tag-based masking
--                          policies (stacks/governance.py: "Only the tag owner with the
--                          account-level APPLY TAG privilege" may set PROPAGATE,
--                          https://docs.snowflake.com/en/user-guide/object-tagging/propagation;
--                          https://docs.snowflake.com/en/user-guide/tag-based-masking-policies)
--   SNOWFLAKE.ALERT_VIEWER the alert conditions call LAST_SUCCESSFUL_SCHEDULED_TIME()
--                          (https://docs.snowflake.com/en/sql-reference/functions/last_successful_scheduled_time)
--   EXECUTE TASK           to the PIPELINE role, which owns and runs the task DAG. Its tasks
--                          all name a warehouse, so EXECUTE MANAGED TASK is not needed.
-- The deployer roles are granted to SYSADMIN, so the human administrators keep the usual
-- hierarchy above them (the reverse, SYSADMIN granted to a deployer, is what is forbidden).
-- Not SQL: each deployer user's public key (README "First deploy": ALTER USER … SET
-- RSA_PUBLIC_KEY) and the Anaconda terms (end of this file).
USE ROLE ACCOUNTADMIN;

-- 1. resource monitors: CREATE RESOURCE MONITOR is ACCOUNTADMIN-only; the stacks attach
--    their warehouses to them by name (quotas = toolkit.config monthly_credit_quota;
--    tests/infra checks they stay in step).
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

-- 2. dev: deployer role, its service user, its database, its provider roles, its privileges
CREATE ROLE IF NOT EXISTS C360_DEV_DEPLOYER COMMENT = 'c360 dev deployer: owns C360_DEV and the dev roles';
GRANT ROLE C360_DEV_DEPLOYER TO ROLE SYSADMIN;
CREATE USER IF NOT EXISTS C360_DEV_DEPLOYER_USER
  TYPE = SERVICE
  DEFAULT_ROLE = C360_DEV_DEPLOYER
  DEFAULT_SECONDARY_ROLES = ()
  COMMENT = 'c360 dev deploys (GitHub environment dev); key-pair only';
GRANT ROLE C360_DEV_DEPLOYER TO USER C360_DEV_DEPLOYER_USER;

CREATE DATABASE IF NOT EXISTS C360_DEV COMMENT = 'c360 dev: bronze → silver → gold customer 360';
DROP SCHEMA IF EXISTS C360_DEV.PUBLIC;
GRANT OWNERSHIP ON DATABASE C360_DEV TO ROLE C360_DEV_DEPLOYER COPY CURRENT GRANTS;

CREATE ROLE IF NOT EXISTS C360_DEV_PIPELINE COMMENT = 'c360 dev pipeline (functional role)';
CREATE ROLE IF NOT EXISTS C360_DEV_APP COMMENT = 'c360 dev app (functional role)';
GRANT OWNERSHIP ON ROLE C360_DEV_PIPELINE TO ROLE C360_DEV_DEPLOYER COPY CURRENT GRANTS;
GRANT OWNERSHIP ON ROLE C360_DEV_APP TO ROLE C360_DEV_DEPLOYER COPY CURRENT GRANTS;
GRANT ROLE C360_DEV_PIPELINE TO ROLE C360_DEV_DEPLOYER;
GRANT ROLE C360_DEV_APP TO ROLE C360_DEV_DEPLOYER;
GRANT EXECUTE TASK ON ACCOUNT TO ROLE C360_DEV_PIPELINE;

GRANT CREATE ROLE, CREATE WAREHOUSE, CREATE INTEGRATION ON ACCOUNT TO ROLE C360_DEV_DEPLOYER;
GRANT EXECUTE ALERT, APPLY TAG, APPLY MASKING POLICY ON ACCOUNT TO ROLE C360_DEV_DEPLOYER;
GRANT DATABASE ROLE SNOWFLAKE.ALERT_VIEWER TO ROLE C360_DEV_DEPLOYER;
GRANT MONITOR, MODIFY ON RESOURCE MONITOR C360_DEV_MONITOR TO ROLE C360_DEV_DEPLOYER;

-- 3. prod: the same, for prod only
CREATE ROLE IF NOT EXISTS C360_PROD_DEPLOYER COMMENT = 'c360 prod deployer: owns C360_PROD and the prod roles';
GRANT ROLE C360_PROD_DEPLOYER TO ROLE SYSADMIN;
CREATE USER IF NOT EXISTS C360_PROD_DEPLOYER_USER
  TYPE = SERVICE
  DEFAULT_ROLE = C360_PROD_DEPLOYER
  DEFAULT_SECONDARY_ROLES = ()
  COMMENT = 'c360 prod deploys (GitHub environment prod); key-pair only';
GRANT ROLE C360_PROD_DEPLOYER TO USER C360_PROD_DEPLOYER_USER;

CREATE DATABASE IF NOT EXISTS C360_PROD COMMENT = 'c360 prod: bronze → silver → gold customer 360';
DROP SCHEMA IF EXISTS C360_PROD.PUBLIC;
GRANT OWNERSHIP ON DATABASE C360_PROD TO ROLE C360_PROD_DEPLOYER COPY CURRENT GRANTS;

CREATE ROLE IF NOT EXISTS C360_PROD_PIPELINE COMMENT = 'c360 prod pipeline (functional role)';
CREATE ROLE IF NOT EXISTS C360_PROD_APP COMMENT = 'c360 prod app (functional role)';
GRANT OWNERSHIP ON ROLE C360_PROD_PIPELINE TO ROLE C360_PROD_DEPLOYER COPY CURRENT GRANTS;
GRANT OWNERSHIP ON ROLE C360_PROD_APP TO ROLE C360_PROD_DEPLOYER COPY CURRENT GRANTS;
GRANT ROLE C360_PROD_PIPELINE TO ROLE C360_PROD_DEPLOYER;
GRANT ROLE C360_PROD_APP TO ROLE C360_PROD_DEPLOYER;
GRANT EXECUTE TASK ON ACCOUNT TO ROLE C360_PROD_PIPELINE;

GRANT CREATE ROLE, CREATE WAREHOUSE, CREATE INTEGRATION ON ACCOUNT TO ROLE C360_PROD_DEPLOYER;
GRANT EXECUTE ALERT, APPLY TAG, APPLY MASKING POLICY ON ACCOUNT TO ROLE C360_PROD_DEPLOYER;
GRANT DATABASE ROLE SNOWFLAKE.ALERT_VIEWER TO ROLE C360_PROD_DEPLOYER;
GRANT MONITOR, MODIFY ON RESOURCE MONITOR C360_PROD_MONITOR TO ROLE C360_PROD_DEPLOYER;

-- 4. Anaconda terms, once per organization, by an organization administrator (ORGADMIN):
--    Snowsight » Admin » Billing & Terms » Anaconda » Enable. Snowflake offers no SQL for
--    this step (https://docs.snowflake.com/developer-guide/udf/python/udf-python-packages,
--    "Getting Started"). Until it is done, the Python procedures' PACKAGES
--    (stacks/procedures.py PROCEDURE_PACKAGES) cannot be resolved and the first apply
--    fails on them; `c360 preflight` checks every package in INFORMATION_SCHEMA.PACKAGES.
