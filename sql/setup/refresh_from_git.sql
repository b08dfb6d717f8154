-- A release by hand: what .github/scripts/release_from_git.py does after `terraform apply`,
-- for one commit (dev shown; replace C360_DEV with C360_PROD for prod, and the sha below
-- with the full 40-hex sha of the commit the applied artifact was synthesized from).
-- The git repository object learns the commit, the dbt project gets it as a new version
-- and the Streamlit app serves it; the stacks leave both where the release puts them
-- (lifecycle.ignore_changes). The Python procedures need nothing here: they import the
-- toolkit zip shipped inside the applied artifact (stacks/procedures.py).
-- Run as SYSADMIN: it inherits the pipeline role (owner of the dbt project) and the app
-- role (owner of the Streamlit app).
USE ROLE SYSADMIN;
USE DATABASE C360_DEV;
SET release_commit = '0000000000000000000000000000000000000000';
ALTER GIT REPOSITORY PLATFORM.C360_REPO FETCH;
SET add_version = 'ALTER DBT PROJECT PLATFORM.C360_DBT ADD VERSION FROM ''@C360_DEV.PLATFORM.C360_REPO/commits/' || $release_commit || '/dbt''';
EXECUTE IMMEDIATE $add_version;
SET root_location = 'ALTER STREAMLIT PLATFORM.C360_APP SET ROOT_LOCATION = ''@C360_DEV.PLATFORM.C360_REPO/commits/' || $release_commit || '''';
EXECUTE IMMEDIATE $root_location;
