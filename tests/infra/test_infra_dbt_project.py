"""dbt in Snowflake: a profile it can run, the right target, and one serialised path.

Sources (Snowflake docs, dbt Projects on Snowflake limitations,
https://docs.snowflake.com/en/user-guide/data-engineering/dbt-projects-on-snowflake-limitations):
* "Environment variables (for example, {{ env_var('MY_ENV_VAR') }}) aren't supported when
  executing dbt project objects. Use project variables (for example, --vars) instead."
* "dbt requires an account and user, but these can be left with an empty or arbitrary
  string because the dbt project runs in Snowflake under the current account and user
  context."
* "Running multiple EXECUTE DBT PROJECT commands concurrently against the same dbt project
  object isn't supported ... Run only one EXECUTE DBT PROJECT command at a time for a
  given dbt project object."
and CREATE DBT PROJECT's ``DEFAULT_TARGET`` parameter
(https://docs.snowflake.com/en/sql-reference/sql/create-dbt-project).
dbt renders only the selected target's output (dbt-core 1.10
``dbt/config/profile.py``, ``Profile.render_profile``: "Missing environment/cli variables in
profiles/targets that don't end up getting selected should not cause errors"), so the
``local`` output may keep its ``env_var`` defaults.
"""

from __future__ import annotations

import os
import re
from unittest import mock

import pytest
import yaml
from stack_json import one, resources

from toolkit.config import CLOUD_ENVIRONMENTS, ENVIRONMENTS
from toolkit.pipeline.dbt_runner import DBT_PROJECT_DIR

ENVS = list(CLOUD_ENVIRONMENTS)
PROFILES = DBT_PROJECT_DIR / "profiles.yml"
ROOT_TASK = "C360_PIPELINE_ROOT"


def _raw_profile() -> dict:
    return yaml.safe_load(PROFILES.read_text())["c360"]


def _render(target: str) -> dict:
    """The output as dbt itself renders it for ``target`` (``Profile.render_profile``),
    with no C360_/SNOWFLAKE_/DBT_ variable in the environment."""
    from dbt.config.profile import Profile
    from dbt.config.renderer import ProfileRenderer
    from dbt_common.context import set_invocation_context

    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("C360_", "SNOWFLAKE_", "DBT_"))
    }
    with mock.patch.dict(os.environ, clean, clear=True):
        set_invocation_context(os.environ)  # what dbt's CLI does before rendering
        name, output = Profile.render_profile(_raw_profile(), "c360", target, ProfileRenderer({}))
    assert name == target
    return output


def _snowflake_credentials(output: dict):
    """dbt-snowflake's own credentials contract validates the rendered output."""
    from dbt.adapters.snowflake import SnowflakeCredentials

    data = {k: v for k, v in output.items() if k not in ("type", "threads")}
    return SnowflakeCredentials.from_dict(SnowflakeCredentials.translate_aliases(data))


# ----------------------------------------------------------- #4 profiles.yml
@pytest.mark.parametrize("env", ENVS)
def test_snowflake_targets_are_literals_dbt_renders_without_any_environment(env):
    raw_output = _raw_profile()["outputs"][env]
    assert "{{" not in yaml.safe_dump(raw_output)  # no env_var(), no Jinja at all
    output = _render(env)
    assert output["type"] == "snowflake"
    config = ENVIRONMENTS[env]
    credentials = _snowflake_credentials(output)
    assert (credentials.account, credentials.user) == ("", "")
    # what the tasks run as and where dbt builds: the names toolkit.config gives the env
    assert credentials.role == config.role("pipeline")
    assert credentials.warehouse == config.warehouse("transform").name
    assert credentials.database == config.database
    # no local-machine authentication in a profile Snowflake runs
    assert not {"password", "authenticator", "private_key_path"} & set(raw_output)


def test_default_target_is_local_and_renders_without_the_runners_variables():
    raw = _raw_profile()
    assert raw["target"] == "local"  # a literal: env_var() would break it in Snowflake
    output = _render("local")
    assert output["type"] == "duckdb"
    assert output["path"] == ".c360/c360.duckdb"


def test_no_env_var_anywhere_dbt_runs_in_snowflake():
    """Only profiles.yml's `local` output may read the environment."""
    offenders = [
        str(path.relative_to(DBT_PROJECT_DIR))
        for path in DBT_PROJECT_DIR.rglob("*")
        if path.suffix in (".sql", ".yml", ".yaml")
        and path != PROFILES
        and not {"target", "logs", "dbt_packages"} & set(path.relative_to(DBT_PROJECT_DIR).parts)
        and "env_var" in path.read_text()
    ]
    assert offenders == []


@pytest.mark.parametrize("env", ENVS)
def test_dbt_project_object_defaults_to_the_environments_target(stacks, env):
    config = ENVIRONMENTS[env]
    created = [
        e["execute"]
        for e in resources(stacks[env], "snowflake_execute")
        if "CREATE DBT PROJECT" in e["execute"]
    ]
    assert len(created) == 1
    assert f"DEFAULT_TARGET = '{config.dbt_target}'" in created[0]
    assert config.dbt_target in _raw_profile()["outputs"]


# --------------------------------------------------- #8 one serialised dbt path
def _executions(stack: dict) -> list[tuple[str, str, str]]:
    """(resource type, name, dbt project) of every SQL that runs EXECUTE DBT PROJECT."""
    found = []
    for resource_type, by_id in stack["resource"].items():
        for config in by_id.values():
            for value in config.values():
                if isinstance(value, str):
                    for project in re.findall(r"EXECUTE DBT PROJECT\s+([\w\".$]+)", value):
                        found.append((resource_type, config.get("name", "?"), project))
    return found


def _ancestors(tasks: dict[str, dict], name: str) -> set[str]:
    seen, todo = set(), [name]
    while todo:
        for before in tasks[todo.pop()].get("after", []):
            short = before.rsplit(".", 1)[-1].strip('"')
            if short not in seen:
                seen.add(short)
                todo.append(short)
    return seen


@pytest.mark.parametrize("env", ENVS)
def test_dbt_runs_on_one_serialised_path_of_the_dag(stacks, env):
    stack = stacks[env]
    tasks = {t["name"]: t for t in resources(stack, "snowflake_task")}
    executions = _executions(stack)
    assert executions, "the DAG runs dbt somewhere"
    # only tasks run dbt, all of them on one dbt project object
    assert {kind for kind, _, _ in executions} == {"snowflake_task"}
    assert len({project for _, _, project in executions}) == 1
    runners = sorted({name for _, name, _ in executions})
    # every one is a step of the scheduled DAG (not the stream-triggered task) ...
    for name in runners:
        assert ROOT_TASK in _ancestors(tasks, name), f"{name} is outside the pipeline DAG"
    # ... each pair ordered by `after` edges, so two never run at the same time ...
    for i, first in enumerate(runners):
        for second in runners[i + 1 :]:
            assert first in _ancestors(tasks, second) or second in _ancestors(tasks, first), (
                f"{first} and {second} may run EXECUTE DBT PROJECT concurrently"
            )
    # ... and a graph run never starts while the previous one is still running
    assert tasks[ROOT_TASK]["allow_overlapping_execution"] == "false"


@pytest.mark.parametrize("env", ENVS)
def test_stream_task_only_calls_a_procedure_and_runs_no_dbt(stacks, env):
    task = one(stacks[env], "snowflake_task", name="C360_INCREMENTAL_TRANSACTIONS")
    assert re.fullmatch(
        rf'CALL "{ENVIRONMENTS[env].database}"\."PLATFORM"\."C360_\w+"\(\)', task["sql_statement"]
    ), task["sql_statement"]
