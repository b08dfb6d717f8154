-- After merging to the deployed branch: pull the new commit into the git repository
-- object, add it as the dbt project's new version, and republish the semantic model.
-- Run as the environment's pipeline role in the environment's database (dev shown;
-- replace C360_DEV with C360_PROD for prod).
USE ROLE C360_DEV_PIPELINE;
USE DATABASE C360_DEV;
ALTER GIT REPOSITORY PLATFORM.C360_REPO FETCH;
ALTER DBT PROJECT PLATFORM.C360_DBT ADD VERSION FROM '@C360_DEV.PLATFORM.C360_REPO/branches/main/dbt';
