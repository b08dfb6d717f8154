"""The synthesized dev and prod stacks hold every object of the platform, as designed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp
from stack_json import one, provider_role, reference_to, referenced, resources

from stacks.naming import DATA_SCHEMAS, LANDING_PREFIXES, PLATFORM_SCHEMA, bucket_in_account
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
def _account_id(stack: dict) -> str:
    """The ``${data.aws_caller_identity.<id>.account_id}`` token the stack names buckets with."""
    (logical_id,) = stack["data"]["aws_caller_identity"]
    return f"${{data.aws_caller_identity.{logical_id}.account_id}}"


def _landing(stack: dict, env: str) -> str:
    return bucket_in_account(ENVIRONMENTS[env].landing_bucket, _account_id(stack))


def _logs(stack: dict, env: str) -> str:
    return bucket_in_account(ENVIRONMENTS[env].log_bucket, _account_id(stack))


def _bucket_ref(stack: dict, name: str) -> str:
    for logical_id, bucket in stack["resource"]["aws_s3_bucket"].items():
        if bucket["bucket"] == name:
            return f"${{aws_s3_bucket.{logical_id}.id}}"
    raise AssertionError(f"no bucket {name}")


@pytest.mark.parametrize("env", ENVS)
def test_landing_and_log_buckets_are_versioned_private_and_encrypted(stacks, env):
    stack = stacks[env]
    assert {b["bucket"] for b in resources(stack, "aws_s3_bucket")} == {
        _landing(stack, env),
        _logs(stack, env),
    }
    for name in (_landing(stack, env), _logs(stack, env)):
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

    landing = _bucket_ref(stack, _landing(stack, env))
    sse = one(stack, "aws_s3_bucket_server_side_encryption_configuration", bucket=landing)
    default = sse["rule"][0]["apply_server_side_encryption_by_default"]
    assert default["sse_algorithm"] == "aws:kms"
    assert default["kms_master_key_id"].startswith("${aws_kms_key.")
    key = resources(stack, "aws_kms_key")
    assert len(key) == 1 and key[0]["enable_key_rotation"] is True

    logging = one(stack, "aws_s3_bucket_logging", bucket=landing)
    assert logging["target_bucket"] == _bucket_ref(stack, _logs(stack, env))


@pytest.mark.parametrize("env", ENVS)
def test_landing_lifecycle_aborts_incomplete_uploads_and_expires_old_versions(stacks, env):
    stack, config = stacks[env], ENVIRONMENTS[env]
    lifecycle = one(
        stack,
        "aws_s3_bucket_lifecycle_configuration",
        bucket=_bucket_ref(stack, _landing(stack, env)),
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
        bucket=_bucket_ref(stack, _landing(stack, env)),
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
    # #13: the external id is the one Snowflake generated for the integration (not a
    # constant): provider v2.20.0 docs/resources/storage_integration_aws.md,
    # storage_aws_external_id "Optionally specifies…", describe_output.external_id.
    assert "storage_aws_external_id" not in integration
    external_id = trust[0]["Condition"]["StringEquals"]["sts:ExternalId"]
    assert external_id.startswith("${snowflake_storage_integration_aws.")
    assert external_id.endswith(".describe_output[0].external_id}")
    assert integration["storage_aws_role_arn"].endswith(f":role/{role['name']}")

    policy = json.loads(one(stack, "aws_iam_role_policy")["policy"])
    actions = set()
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        found = statement["Action"]
        actions |= {found} if isinstance(found, str) else set(found)
        if statement["Sid"] == "ReadLandingObjects":
            # "<bucket arn>/<prefix>*"; a prefix is a folder or the manifest (issue 12)
            assert [r.split("}/", 1)[1] for r in statement["Resource"]] == [
                f"{p}*" for p in LANDING_PREFIXES
            ]
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
    # The categories CSV is copied by position (sql/procedures/load.sql: select $1 .. $7), so
    # its header line is skipped, as in Snowflake's positional COPY examples
    # (https://docs.snowflake.com/en/user-guide/data-load-transform: a CSV file format with
    # SKIP_HEADER = 1 feeding "select $1, $2 ..."); skip_header is "Number of lines at the
    # start of the file to skip" (provider v2.20.0 docs/resources/file_format_csv.md).
    csv_format = one(stack, "snowflake_file_format_csv")
    assert csv_format["skip_header"] == 1 and "parse_header" not in csv_format


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
    assert integration["storage_allowed_locations"] == [f"s3://{_landing(stack, env)}/"]
    stage = one(stack, "snowflake_stage_external_s3")
    # the stage URL must lie inside the integration's allowed locations
    assert stage["url"].startswith("s3://") and stage["url"].endswith("/")
    assert stage["storage_integration"].startswith("${snowflake_storage_integration_aws.")
    pipe = one(stack, "snowflake_pipe")
    assert pipe["auto_ingest"] is True
    # the pipe lands raw rows in BRONZE.LANDING_TRANSACTIONS; C360_LOAD validates them (issue 12)
    copy = sqlglot.parse_one(pipe["copy_statement"], read="snowflake")
    assert isinstance(copy, exp.Copy)
    target = copy.this.this if isinstance(copy.this, exp.Schema) else copy.this
    assert (target.catalog.upper(), target.db.upper(), target.name.upper()) == (
        config.database,
        "BRONZE",
        "LANDING_TRANSACTIONS",
    )
    assert "/transactions/" in pipe["copy_statement"]

    tables = {t["name"]: t for t in resources(stack, "snowflake_table")}
    transactions = tables["LANDING_TRANSACTIONS"]
    assert transactions["change_tracking"] is True
    assert [c["name"] for c in transactions["column"]][:3] == [
        "TRANSACTION_ID",
        "CUSTOMER_ID",
        "TRANSACTION_TS",
    ]
    stream = one(stack, "snowflake_stream_on_table")
    assert stream["append_only"] == "true"
    assert referenced(stack, stream["table"])["name"] == "LANDING_TRANSACTIONS"


@pytest.mark.parametrize("env", ENVS)
def test_git_repository_and_dbt_project(stacks, env):
    stack, config = stacks[env], ENVIRONMENTS[env]
    api = one(stack, "snowflake_api_integration_git_repository_token")
    assert config.git_repository_url.startswith(api["api_allowed_prefixes"][0])
    repository = one(stack, "snowflake_git_repository")
    assert repository["origin"] == config.git_repository_url
    assert repository["api_integration"].startswith(
        "${snowflake_api_integration_git_repository_token."
    )
    dbt = [e for e in resources(stack, "snowflake_execute") if "DBT PROJECT" in e["execute"]]
    assert len(dbt) == 1
    assert f"/branches/{config.git_branch}/dbt'" in dbt[0]["execute"]
    assert dbt[0]["revert"].startswith("DROP DBT PROJECT")


@pytest.mark.parametrize("env", ENVS)
def test_python_procedures_are_the_toolkits_handlers_imported_from_git(stacks, env):
    stack, config = stacks[env], ENVIRONMENTS[env]
    procedures = {p["name"]: p for p in resources(stack, "snowflake_procedure_python")}
    expected = {s.snowflake_procedure: s for s in PIPELINE if s.snowflake_handler}
    assert set(procedures) == set(expected)
    for name, step in expected.items():
        procedure = procedures[name]
        assert procedure["handler"] == step.snowflake_handler
        (imported,) = procedure["imports"]
        assert imported["stage_location"] == f'"{config.database}"."PLATFORM"."CODE"'
        assert imported["path_on_stage"].endswith("/c360_toolkit.zip")
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
    # the environment's rendering of the model (tests/infra/test_semantic_model_spec.py)
    publish = [
        e for e in resources(stack, "snowflake_execute") if e["execute"].startswith("COPY INTO @")
    ]
    assert len(publish) == 1
    assert f".{stage['name']}/semantic_model.yaml " in publish[0]["execute"]
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
        received, "snowflake", {"role": config.role("deployer")}
    )
    for admin in ("ACCOUNTADMIN", "SYSADMIN", "SECURITYADMIN"):  # issue 13: never an admin role
        assert not Testing.to_have_provider_with_properties(received, "snowflake", {"role": admin})
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


# ------------------------------------------------- issue 11: first-deploy blockers
REPO = Path(__file__).resolve().parents[2]
BOOTSTRAP_SQL = REPO / "sql" / "setup" / "account_admin_bootstrap.sql"


def _closure(stack: dict, resource: dict) -> list[tuple[str, dict]]:
    """Every resource ``resource`` waits for, following ``depends_on`` transitively."""
    seen, found, todo = set(), [], list(resource.get("depends_on", []))
    while todo:
        reference = todo.pop()
        if reference in seen:
            continue
        seen.add(reference)
        resource_type, logical_id = reference.split(".", 1)
        config = stack["resource"][resource_type][logical_id]
        found.append((resource_type, config))
        todo += config.get("depends_on", [])
    return found


def _waits_for_warehouse(stack: dict, resource: dict, warehouse: str) -> bool:
    waited = _closure(stack, resource)
    created = any(t == "snowflake_warehouse" and c["name"] == warehouse for t, c in waited)
    granted = any(
        t == "snowflake_grant_privileges_to_account_role"
        and c.get("on_account_object", {}).get("object_type") == "WAREHOUSE"
        and c["on_account_object"]["object_name"].startswith("${snowflake_warehouse.")
        and referenced(stack, c["on_account_object"]["object_name"])["name"] == warehouse
        for t, c in waited
    )
    return created and granted


@pytest.mark.parametrize("env", ENVS)
def test_git_api_integration_is_the_git_https_resource_not_the_generic_one(stacks, env):
    """Finding 1. ``snowflake_api_integration`` validates ``api_provider`` against the API
    gateways only and its docs say git_https_api is not supported (provider v2.20.0,
    pkg/resources/api_integration.go ``StringInSlice``; docs/resources/api_integration.md);
    git integrations are ``snowflake_api_integration_git_repository_token`` (v2.20.0
    docs/resources/api_integration_git_repository_token.md: ``no_allowed_authentication_secrets``
    for a public repository), a preview feature the providers must enable."""
    stack = stacks[env]
    assert resources(stack, "snowflake_api_integration") == []
    api = one(stack, "snowflake_api_integration_git_repository_token")
    assert api["no_allowed_authentication_secrets"] is True and api["enabled"] is True
    assert api["api_allowed_prefixes"] == [
        ENVIRONMENTS[env].git_repository_url.rsplit("/", 1)[0] + "/"
    ]
    for provider in stack["provider"]["snowflake"]:
        enabled = provider["preview_features_enabled"]
        assert "snowflake_api_integration_git_repository_token_resource" in enabled
        assert "snowflake_api_integration_resource" not in enabled


@pytest.mark.parametrize("env", ENVS)
def test_roles_providers_log_in_with_exist_before_the_first_plan(stacks, env):
    """Finding 2. A provider connects with its role when Terraform configures it (plan), so
    every provider role is created by the bootstrap SQL (the deployer, and the pipeline/app
    roles with the stack's comment, owned by and granted to the deployer); the latter are
    adopted by an ``import`` block whose id is the quoted role name (provider v2.20.0
    docs/resources/account_role.md, "Import"). Isolation: tests/infra/test_deployer_isolation.py."""
    from stacks.naming import BOOTSTRAP_ROLES

    stack, config = stacks[env], ENVIRONMENTS[env]
    deployer = config.role("deployer")
    provider_roles = {p["role"] for p in stack["provider"]["snowflake"]}
    assert provider_roles - {deployer} == {config.role(r) for r in BOOTSTRAP_ROLES}
    sql = BOOTSTRAP_SQL.read_text()
    assert f"CREATE ROLE IF NOT EXISTS {deployer} COMMENT" in sql
    imports = {i["to"]: i for i in stack["import"]}
    for functional in BOOTSTRAP_ROLES:
        name = config.role(functional)
        role = one(stack, "snowflake_account_role", name=name)
        to = reference_to(stack, "snowflake_account_role", name=name).removeprefix("${")
        assert imports[to]["id"] == f'"{name}"'
        assert imports[to]["provider"] == role["provider"] == "snowflake.deployer"
        create = f"CREATE ROLE IF NOT EXISTS {name} COMMENT = '{role['comment']}';"
        assert create in sql
        assert f"GRANT OWNERSHIP ON ROLE {name} TO ROLE {deployer} COPY CURRENT GRANTS;" in sql
        assert f"GRANT ROLE {name} TO ROLE {deployer};" in sql
    # the import blocks adopt exactly the bootstrap roles and the database, nothing else
    assert len(stack["import"]) == len(BOOTSTRAP_ROLES) + 1


@pytest.mark.parametrize("env", ENVS)
def test_dbt_project_is_created_by_a_role_granted_create_dbt_project(stacks, env):
    """Finding 3. CREATE DBT PROJECT on the schema is required to create a dbt project
    (https://docs.snowflake.com/en/user-guide/data-engineering/dbt-projects-on-snowflake-access-control:
    ``GRANT CREATE DBT PROJECT ON SCHEMA …``)."""
    stack, config = stacks[env], ENVIRONMENTS[env]
    (dbt,) = [
        e for e in resources(stack, "snowflake_execute") if "CREATE DBT PROJECT" in e["execute"]
    ]
    assert provider_role(stack, dbt) == config.role("pipeline")
    grants = [
        c
        for t, c in _closure(stack, dbt)
        if t == "snowflake_grant_privileges_to_account_role"
        and "CREATE DBT PROJECT" in c["privileges"]
    ]
    assert len(grants) == 1
    assert referenced(stack, grants[0]["account_role_name"])["name"] == config.role("pipeline")
    assert grants[0]["on_schema"]["schema_name"] == f'"{config.database}"."PLATFORM"'


@pytest.mark.parametrize("env", ENVS)
def test_procedures_import_the_toolkit_zip_shipped_in_the_stack(synth_dir, stacks, env):
    """Finding 5 + 9. IMPORTS are files or a zip, Python code is loaded with zipimport
    (https://docs.snowflake.com/en/developer-guide/udf/python/udf-python-limitations), so the
    toolkit is one zip, PUT from the synthesized stack to a content-addressed folder: the
    procedures run the artifact's commit, never ``branches/main``. Provider schema:
    ``imports`` = ``stage_location`` + ``path_on_stage`` (v2.20.0 docs/resources/procedure_python.md)."""
    import hashlib
    import re
    import zipfile

    from stacks.procedures import PROCEDURE_PACKAGES, TOOLKIT_ARCHIVE, VENDORED_PACKAGES

    stack = stacks[env]
    (upload,) = [e for e in resources(stack, "snowflake_execute") if e["execute"].startswith("PUT")]
    match = re.fullmatch(
        r"PUT 'file://(assets/\S+/([0-9A-F]{32})/"
        + TOOLKIT_ARCHIVE
        + r")' (@\S+/([0-9a-f]{32})/) AUTO_COMPRESS = FALSE OVERWRITE = TRUE",
        upload["execute"],
    )
    assert match, upload["execute"]
    asset, asset_hash, folder, folder_hash = match.groups()
    archive = synth_dir / "stacks" / env / asset
    assert asset_hash.lower() == folder_hash == hashlib.md5(archive.read_bytes()).hexdigest()
    assert upload["revert"] == f"REMOVE {folder}"
    assert upload["lifecycle"] == {"create_before_destroy": True}
    upload_ref = reference_to(stack, "snowflake_execute", execute=upload["execute"])
    names = zipfile.ZipFile(archive).namelist()
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    for package in VENDORED_PACKAGES:
        assert f"{package}/__init__.py" in names
    for step in PIPELINE:
        if not step.snowflake_handler:
            continue
        module = step.snowflake_handler.rsplit(".", 1)[0]
        assert module.replace(".", "/") + ".py" in names
        procedure = one(stack, "snowflake_procedure_python", name=step.snowflake_procedure)
        assert procedure["imports"] == [
            {
                "stage_location": folder[1:].split("/")[0],
                "path_on_stage": f"{folder_hash}/{TOOLKIT_ARCHIVE}",
            }
        ]
        assert procedure["packages"] == list(PROCEDURE_PACKAGES)
        assert f"{upload_ref[2:]}" in procedure["depends_on"]


def test_procedure_packages_cover_the_handlers_imports_and_nothing_unproven():
    """Finding 5. Each package in PACKAGES must be in Snowflake's Anaconda channel (evidence
    per package: ``stacks.procedures.PROCEDURE_PACKAGES`` docstring), and the handlers must
    import with nothing else: a fresh interpreter in which every third-party module that is
    not one of those packages, a vendored pure-Python one or ``snowflake`` (the runtime's own
    Snowpark) fails to import, imports each handler's module and every module the handler
    functions import when they run. DuckDB in particular is not in the channel."""
    import ast
    import subprocess
    import sys

    from stacks.procedures import PROCEDURE_PACKAGES, VENDORED_PACKAGES

    assert not {"duckdb", "pyyaml", "sqlglot", "rich"} & set(PROCEDURE_PACKAGES)
    import_name = {"scikit-learn": "sklearn", "pyyaml": "yaml"}
    provided = {import_name.get(p, p) for p in PROCEDURE_PACKAGES} | set(VENDORED_PACKAGES)
    provided |= {"snowflake", "toolkit"}

    handlers = [s.snowflake_handler for s in PIPELINE if s.snowflake_handler]
    modules = sorted({h.rsplit(".", 1)[0] for h in handlers})
    lazily_imported = set()
    for module in modules:
        tree = ast.parse(REPO.joinpath(*module.split(".")).with_suffix(".py").read_text())
        wanted = {h.rsplit(".", 1)[1] for h in handlers if h.startswith(module + ".")}
        for function in tree.body:
            if isinstance(function, ast.FunctionDef) and function.name in wanted:
                for node in ast.walk(function):
                    if isinstance(node, ast.Import | ast.ImportFrom):
                        lazily_imported.add(ast.unparse(node))
    assert lazily_imported, "the handlers import nothing when they run: the walk is broken"
    program = f"""
import sys
ALLOWED = {sorted(provided)!r}
class OnlyTheSnowflakeRuntime:
    # only the toolkit's own imports are checked: the channel installs each package with
    # its dependencies, so what pandas or lightgbm import is their business
    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top in sys.stdlib_module_names or top in ALLOWED:
            return None
        frame = sys._getframe(1)
        while frame and "importlib" in frame.f_globals.get("__name__", "importlib"):
            frame = frame.f_back
        importer = frame.f_globals.get("__name__", "") if frame else ""
        if importer.split(".")[0] in ("toolkit", "__main__"):
            raise ImportError(f"{{importer}} imports {{name}}, not in the procedures' runtime")
        return None
sys.meta_path.insert(0, OnlyTheSnowflakeRuntime())
import importlib
for module in {modules!r}:
    importlib.import_module(module)
for statement in {sorted(lazily_imported)!r}:
    exec(statement)
print("imported", {len(modules) + len(lazily_imported)})
"""
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr.strip().splitlines()[-1]
    assert result.stdout.startswith("imported")


@pytest.mark.parametrize("env", ENVS)
def test_bucket_names_are_unique_per_aws_account_and_readable(stacks, env):
    """Finding 6. S3 bucket names are global across all AWS accounts
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html: 3–63
    characters, lowercase letters, digits, hyphens): the config's readable name plus the
    12-digit account id."""
    stack, config = stacks[env], ENVIRONMENTS[env]
    account = _account_id(stack)
    for bucket in resources(stack, "aws_s3_bucket"):
        base, token = bucket["bucket"].rsplit("-", 1)
        assert token == account and base in (config.landing_bucket, config.log_bucket)
        real = bucket["bucket"].replace(account, "123456789012")
        assert 3 <= len(real) <= 63 and real == real.lower()
        assert all(c.isalnum() or c == "-" for c in real)
    # the external stage reads the same (account-suffixed) bucket
    url = one(stack, "snowflake_stage_external_s3")["url"]
    bucket_ref = url.removeprefix("s3://").split("/", 1)[0]
    assert referenced(stack, bucket_ref)["bucket"] == _landing(stack, env)


@pytest.mark.parametrize("env", ENVS)
def test_releases_own_the_app_and_dbt_project_locations(stacks, env):
    """Finding 9. The provider reads the app's directory_location back from root_location and
    re-sets it on a difference (v2.20.0 pkg/resources/streamlit.go Read/Update), and a changed
    ``execute`` replaces a snowflake_execute (v2.20.0 pkg/resources/execute.go
    ``ForceNewIfChange``): both are left to the release (ignore_changes)."""
    stack = stacks[env]
    app = one(stack, "snowflake_streamlit")
    assert app["lifecycle"] == {"ignore_changes": ["directory_location"]}
    (dbt,) = [
        e for e in resources(stack, "snowflake_execute") if "CREATE DBT PROJECT" in e["execute"]
    ]
    assert dbt["lifecycle"] == {"ignore_changes": ["execute", "revert"]}
    for procedure in resources(stack, "snowflake_procedure_python"):
        assert not any("branches/" in i["path_on_stage"] for i in procedure["imports"])


def test_the_manual_release_sql_releases_a_commit_like_the_release_script():
    """Finding 9. ``sql/setup/refresh_from_git.sql`` = ``release_from_git.py`` by hand:
    dbt project version and app root from ``commits/<sha>``, never from a branch."""
    sql = (REPO / "sql" / "setup" / "refresh_from_git.sql").read_text()
    statements = [line for line in sql.splitlines() if not line.startswith("--")]
    body = "\n".join(statements)
    assert "branches/" not in body
    assert "ALTER GIT REPOSITORY PLATFORM.C360_REPO FETCH;" in body
    assert "ADD VERSION FROM ''@C360_DEV.PLATFORM.C360_REPO/commits/' || $release_commit" in body
    assert "SET ROOT_LOCATION = ''@C360_DEV.PLATFORM.C360_REPO/commits/' || $release_commit" in body


@pytest.mark.parametrize("env", ENVS)
def test_tasks_and_the_app_wait_for_the_warehouses_they_name(stacks, env):
    """Finding 11. A task's ``warehouse`` and the app's ``query_warehouse`` are plain strings,
    so Terraform sees no dependency: each must wait (depends_on) for the warehouse and the
    USAGE grant on it, or a first apply can create it before them."""
    stack = stacks[env]
    tasks = resources(stack, "snowflake_task")
    assert len(tasks) > 3
    for task in tasks:
        assert _waits_for_warehouse(stack, task, task["warehouse"]), task["name"]
    app = one(stack, "snowflake_streamlit")
    assert _waits_for_warehouse(stack, app, app["query_warehouse"])
    (dbt,) = [
        e for e in resources(stack, "snowflake_execute") if "CREATE DBT PROJECT" in e["execute"]
    ]
    assert any(t == "snowflake_git_repository" for t, _ in _closure(stack, dbt))


def test_the_toolkit_zip_is_byte_stable_and_its_handlers_import_from_it(tmp_path):
    """Finding 5. Snowflake imports Python code from a zip with zipimport
    (https://docs.snowflake.com/en/developer-guide/udf/python/udf-python-limitations): the
    handlers' modules and the vendored sqlglot must import from the zip itself, and two
    builds give the same bytes (the synthesized stack stays byte-stable)."""
    import subprocess
    import sys

    from stacks.procedures import toolkit_archive_bytes

    data = toolkit_archive_bytes()
    assert toolkit_archive_bytes() == data
    archive = tmp_path / "c360_toolkit.zip"
    archive.write_bytes(data)
    handlers = sorted({s.snowflake_handler for s in PIPELINE if s.snowflake_handler})
    script = (
        "import importlib, sys\n"
        f"sys.path.insert(0, {str(archive)!r})\n"
        f"for handler in {handlers!r}:\n"
        "    module, name = handler.rsplit('.', 1)\n"
        "    assert callable(getattr(importlib.import_module(module), name)), handler\n"
        "import sqlglot, toolkit\n"
        "print(toolkit.__file__); print(sqlglot.__file__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr[-2000:]
    loaded_from = result.stdout.split()
    assert len(loaded_from) == 2
    assert all(path.startswith(str(archive)) for path in loaded_from), loaded_from
