"""The synthesized dev and prod stacks hold every object of the platform, as designed."""

from __future__ import annotations

import json

import pytest
import sqlglot
from sqlglot import exp
from stack_json import one, provider_role, resources

from stacks.naming import DATA_SCHEMAS, LANDING_PREFIXES, PLATFORM_SCHEMA
from toolkit.config import CLOUD_ENVIRONMENTS, ENVIRONMENTS
from toolkit.pipeline.dag import PIPELINE

ENVS = list(CLOUD_ENVIRONMENTS)


def test_one_stack_per_cloud_environment_with_exact_ids(synth_dir):
    manifest = json.loads((synth_dir / "manifest.json").read_text())
    assert sorted(manifest["stacks"]) == ["dev", "prod"]


# ------------------------------------------------------------------ state
@pytest.mark.parametrize("env", ENVS)
def test_state_backend_is_s3_per_environment_encrypted_and_locked(stacks, env):
    backend = stacks[env]["terraform"]["backend"]["s3"]
    config = ENVIRONMENTS[env]
    assert backend["bucket"] == config.state_bucket
    assert backend["key"] == config.state_key
    assert backend["encrypt"] is True
    assert backend["use_lockfile"] is True


# ------------------------------------------------------------------ AWS
def _bucket_ref(stack: dict, name: str) -> str:
    for logical_id, bucket in stack["resource"]["aws_s3_bucket"].items():
        if bucket["bucket"] == name:
            return f"${{aws_s3_bucket.{logical_id}.id}}"
    raise AssertionError(f"no bucket {name}")


@pytest.mark.parametrize("env", ENVS)
def test_landing_and_log_buckets_are_versioned_private_and_encrypted(stacks, env):
    stack, config = stacks[env], ENVIRONMENTS[env]
    assert {b["bucket"] for b in resources(stack, "aws_s3_bucket")} == {
        config.landing_bucket,
        config.log_bucket,
    }
    for name in (config.landing_bucket, config.log_bucket):
        ref = _bucket_ref(stack, name)
        versioning = one(stack, "aws_s3_bucket_versioning", bucket=ref)
        assert versioning["versioning_configuration"]["status"] == "Enabled"
        block = one(stack, "aws_s3_bucket_public_access_block", bucket=ref)
        for flag in (
            "block_public_acls",
            "block_public_policy",
            "ignore_public_acls",
            "restrict_public_buckets",
        ):
            assert block[flag] is True
        policy = json.loads(one(stack, "aws_s3_bucket_policy", bucket=ref)["policy"])
        deny = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
        assert deny and deny[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}

    landing = _bucket_ref(stack, config.landing_bucket)
    sse = one(stack, "aws_s3_bucket_server_side_encryption_configuration", bucket=landing)
    default = sse["rule"][0]["apply_server_side_encryption_by_default"]
    assert default["sse_algorithm"] == "aws:kms"
    assert default["kms_master_key_id"].startswith("${aws_kms_key.")
    key = resources(stack, "aws_kms_key")
    assert len(key) == 1 and key[0]["enable_key_rotation"] is True

    logging = one(stack, "aws_s3_bucket_logging", bucket=landing)
    assert logging["target_bucket"] == _bucket_ref(stack, config.log_bucket)


@pytest.mark.parametrize("env", ENVS)
def test_landing_lifecycle_aborts_incomplete_uploads_and_expires_old_versions(stacks, env):
    stack, config = stacks[env], ENVIRONMENTS[env]
    lifecycle = one(
        stack,
        "aws_s3_bucket_lifecycle_configuration",
        bucket=_bucket_ref(stack, config.landing_bucket),
    )
    rules = {rule["id"]: rule for rule in lifecycle["rule"]}
    abort = [r for r in rules.values() if "abort_incomplete_multipart_upload" in r]
    assert abort and abort[0]["status"] == "Enabled"
    assert abort[0]["abort_incomplete_multipart_upload"][0]["days_after_initiation"] > 0
    noncurrent = [r for r in rules.values() if "noncurrent_version_expiration" in r]
    assert (
        noncurrent[0]["noncurrent_version_expiration"][0]["noncurrent_days"]
        == config.landing_noncurrent_days
    )


@pytest.mark.parametrize("env", ENVS)
def test_snowpipe_notifications_go_to_the_pipes_sqs_queue(stacks, env):
    stack = stacks[env]
    notification = one(
        stack,
        "aws_s3_bucket_notification",
        bucket=_bucket_ref(stack, ENVIRONMENTS[env].landing_bucket),
    )
    queue = notification["queue"][0]
    assert queue["queue_arn"].startswith("${snowflake_pipe.")
    assert queue["queue_arn"].endswith(".notification_channel}")
    assert queue["events"] == ["s3:ObjectCreated:*"]
    assert queue["filter_prefix"] == "transactions/"


@pytest.mark.parametrize("env", ENVS)
def test_reader_role_trusts_only_snowflake_with_external_id_and_reads_landing_prefixes(stacks, env):
    stack = stacks[env]
    integration = one(stack, "snowflake_storage_integration_aws")
    role = one(stack, "aws_iam_role")
    trust = json.loads(role["assume_role_policy"])["Statement"]
    assert len(trust) == 1
    assert trust[0]["Principal"]["AWS"].startswith("${snowflake_storage_integration_aws.")
    assert "iam_user_arn" in trust[0]["Principal"]["AWS"]
    assert trust[0]["Condition"] == {
        "StringEquals": {"sts:ExternalId": integration["storage_aws_external_id"]}
    }
    assert integration["storage_aws_role_arn"].endswith(f":role/{role['name']}")

    policy = json.loads(one(stack, "aws_iam_role_policy")["policy"])
    actions = set()
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        found = statement["Action"]
        actions |= {found} if isinstance(found, str) else set(found)
        if statement["Sid"] == "ReadLandingObjects":
            assert [r.rsplit("/", 2)[-2] + "/" for r in statement["Resource"]] == list(
                LANDING_PREFIXES
            )
        if statement["Sid"] == "ListLandingPrefixes":
            assert statement["Condition"]["StringLike"]["s3:prefix"] == [
                f"{p}*" for p in LANDING_PREFIXES
            ]
    assert actions == {
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:ListBucket",
        "s3:GetBucketLocation",
        "kms:Decrypt",
        "kms:DescribeKey",
    }
    assert not any(a.startswith("s3:Put") or a.startswith("s3:Delete") for a in actions)


# ------------------------------------------------------------- Snowflake
@pytest.mark.parametrize("env", ENVS)
def test_database_schemas_warehouses_and_file_formats(stacks, env):
    stack, config = stacks[env], ENVIRONMENTS[env]
    database = one(stack, "snowflake_database")
    assert database["name"] == config.database
    assert database["data_retention_time_in_days"] == config.data_retention_days
    schemas = {s["name"] for s in resources(stack, "snowflake_schema")}
    assert schemas == {*DATA_SCHEMAS, PLATFORM_SCHEMA}

    warehouses = {w["name"]: w for w in resources(stack, "snowflake_warehouse")}
    assert set(warehouses) == {w.name for w in config.warehouses.values()}
    for spec in config.warehouses.values():
        warehouse = warehouses[spec.name]
        assert warehouse["warehouse_size"] == spec.size
        assert warehouse["auto_suspend"] == spec.auto_suspend_seconds
        assert warehouse["resource_monitor"] == f"{config.role_prefix}_MONITOR"

    assert one(stack, "snowflake_file_format_parquet")["schema"].endswith(".name}")
    assert one(stack, "snowflake_file_format_csv")["parse_header"] == "true"


def test_resource_monitor_bootstrap_matches_the_environment_quotas():
    """Monitors are ACCOUNTADMIN-only, so they live in the bootstrap SQL; quotas stay in step."""
    import re
    from pathlib import Path

    text = (Path(__file__).parents[2] / "sql/setup/account_admin_bootstrap.sql").read_text()
    for env in ENVS:
        config = ENVIRONMENTS[env]
        match = re.search(
            rf"CREATE RESOURCE MONITOR IF NOT EXISTS {config.role_prefix}_MONITOR WITH\s+"
            r"CREDIT_QUOTA = (\d+)",
            text,
        )
        assert match, f"no monitor for {env}"
        assert int(match.group(1)) == config.monthly_credit_quota


@pytest.mark.parametrize("env", ENVS)
def test_storage_integration_external_stage_pipe_and_stream(stacks, env):
    stack, config = stacks[env], ENVIRONMENTS[env]
    integration = one(stack, "snowflake_storage_integration_aws")
    assert integration["storage_allowed_locations"] == [f"s3://{config.landing_bucket}/"]
    stage = one(stack, "snowflake_stage_external_s3")
    # the stage URL must lie inside the integration's allowed locations
    assert stage["url"].startswith("s3://") and stage["url"].endswith("/")
    assert stage["storage_integration"].startswith("${snowflake_storage_integration_aws.")
    pipe = one(stack, "snowflake_pipe")
    assert pipe["auto_ingest"] is True
    assert pipe["copy_statement"].startswith(
        f'COPY INTO "{config.database}"."BRONZE"."RAW_TRANSACTIONS"'
    )
    assert "/transactions/" in pipe["copy_statement"]
    assert "REGEXP_REPLACE(METADATA$FILENAME, '/[^/]*$', '')" in pipe["copy_statement"]
    copy = sqlglot.parse_one(pipe["copy_statement"], read="snowflake")
    assert isinstance(copy, exp.Copy)

    tables = {t["name"]: t for t in resources(stack, "snowflake_table")}
    transactions = tables["RAW_TRANSACTIONS"]
    assert transactions["change_tracking"] is True
    assert [c["name"] for c in transactions["column"]][:3] == [
        "TRANSACTION_ID",
        "CUSTOMER_ID",
        "TRANSACTION_TS",
    ]
    stream = one(stack, "snowflake_stream_on_table")
    assert stream["append_only"] == "true"
    assert stream["table"].startswith("${snowflake_table.")


@pytest.mark.parametrize("env", ENVS)
def test_git_repository_and_dbt_project(stacks, env):
    stack, config = stacks[env], ENVIRONMENTS[env]
    api = one(stack, "snowflake_api_integration")
    assert api["api_provider"] == "git_https_api"
    assert config.git_repository_url.startswith(api["api_allowed_prefixes"][0])
    repository = one(stack, "snowflake_git_repository")
    assert repository["origin"] == config.git_repository_url
    dbt = [e for e in resources(stack, "snowflake_execute") if "DBT PROJECT" in e["execute"]]
    assert len(dbt) == 1
    assert f"/branches/{config.git_branch}/dbt'" in dbt[0]["execute"]
    assert dbt[0]["revert"].startswith("DROP DBT PROJECT")


@pytest.mark.parametrize("env", ENVS)
def test_masking_policies_hide_pii_from_the_analyst_but_not_the_app(stacks, env):
    stack, config = stacks[env], ENVIRONMENTS[env]
    policies = {p["name"]: p for p in resources(stack, "snowflake_masking_policy")}
    assert set(policies) == {"MASK_EMAIL", "MASK_PHONE", "MASK_DATE_OF_BIRTH"}
    for policy in policies.values():
        assert f"IS_ROLE_IN_SESSION('{config.role('app')}')" in policy["body"]
        assert config.role("analyst") not in policy["body"]
        assert policy["body"].startswith("CASE WHEN") and " ELSE " in policy["body"]
    applied = resources(stack, "snowflake_table_column_masking_policy_application")
    assert {a["column"] for a in applied} == {"EMAIL", "PHONE", "DATE_OF_BIRTH"}


@pytest.mark.parametrize("env", ENVS)
def test_python_procedures_are_the_toolkits_handlers_imported_from_git(stacks, env):
    stack, config = stacks[env], ENVIRONMENTS[env]
    procedures = {p["name"]: p for p in resources(stack, "snowflake_procedure_python")}
    expected = {s.snowflake_procedure: s for s in PIPELINE if s.snowflake_procedure}
    assert set(procedures) == set(expected)
    for name, step in expected.items():
        procedure = procedures[name]
        assert procedure["handler"] == step.snowflake_handler
        assert procedure["imports"] == [
            {
                "stage_location": f'"{config.database}"."PLATFORM"."C360_REPO"',
                "path_on_stage": f"branches/{config.git_branch}/toolkit",
            }
        ]
        assert provider_role(stack, procedure) == config.role("pipeline")


@pytest.mark.parametrize("env", ENVS)
def test_streamlit_app_runs_from_the_repository_root(stacks, env):
    stack, config = stacks[env], ENVIRONMENTS[env]
    app = one(stack, "snowflake_streamlit")
    assert app["main_file"] == "streamlit/streamlit_app.py"
    assert app["directory_location"] == f"branches/{config.git_branch}"
    assert app["stage"] == f'"{config.database}"."PLATFORM"."C360_REPO"'
    assert app["query_warehouse"] == config.warehouse("app").name
    assert provider_role(stack, app) == config.role("app")


@pytest.mark.parametrize("env", ENVS)
def test_semantic_model_is_published_to_a_stage(stacks, env):
    stack = stacks[env]
    stage = one(stack, "snowflake_stage_internal", name="SEMANTIC_MODELS")
    publish = [e for e in resources(stack, "snowflake_execute") if "COPY FILES" in e["execute"]]
    assert len(publish) == 1
    assert f".{stage['name']}" in publish[0]["execute"]
    assert "/toolkit/assistant/" in publish[0]["execute"]
    assert "'semantic_model.yaml'" in publish[0]["execute"]
    assert stack["output"]["semantic_model_path"]["value"].endswith("/semantic_model.yaml")


@pytest.mark.parametrize("env", ENVS)
def test_cdk_matchers_agree_on_the_synthesized_json(synth_dir, env):
    """The CDK's own matchers (cdktn.Testing) over the same synthesized stack."""
    from cdktn import Testing

    received = (synth_dir / "stacks" / env / "cdk.tf.json").read_text()
    config = ENVIRONMENTS[env]
    assert Testing.to_have_resource_with_properties(
        received, "aws_kms_key", {"enable_key_rotation": True}
    )
    assert Testing.to_have_resource_with_properties(
        received, "snowflake_database", {"name": config.database}
    )
    assert Testing.to_have_provider_with_properties(
        received, "snowflake", {"role": "SECURITYADMIN"}
    )
    assert not Testing.to_have_provider_with_properties(
        received, "snowflake", {"role": "ACCOUNTADMIN"}
    )
    other = next(e for e in ENVS if e != env)
    assert not Testing.to_have_resource_with_properties(
        received, "snowflake_database", {"name": ENVIRONMENTS[other].database}
    )


@pytest.mark.parametrize("env", ENVS)
def test_every_dependency_is_a_plain_reference_to_a_resource_of_the_stack(stacks, env):
    """Terraform needs ``type.name`` in depends_on, never an interpolation."""
    stack = stacks[env]
    for by_id in stack["resource"].values():
        for config in by_id.values():
            for reference in config.get("depends_on", []):
                assert not reference.startswith("${"), reference
                dep_type, dep_id = reference.split(".", 1)
                assert dep_id in stack["resource"][dep_type], reference


@pytest.mark.parametrize("env", ENVS)
def test_pipe_waits_for_snowflakes_read_access_to_the_bucket(stacks, env):
    stack = stacks[env]
    pipe = one(stack, "snowflake_pipe")
    kinds = {reference.split(".", 1)[0] for reference in pipe["depends_on"]}
    assert {"aws_iam_role", "aws_iam_role_policy", "snowflake_stage_external_s3"} <= kinds
