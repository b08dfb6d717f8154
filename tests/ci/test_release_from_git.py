"""The deploy step that points the dbt project and the Streamlit app at the release commit."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from toolkit.cloud.smoke import deployed_names
from toolkit.config import ENVIRONMENTS
from toolkit.errors import C360Error

SCRIPT = Path(__file__).resolve().parents[2] / ".github" / "scripts" / "release_from_git.py"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(scope="module")
def release_module():
    spec = importlib.util.spec_from_file_location("release_from_git", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_release_runs_fetch_check_dbt_version_and_app_root_in_order(release_module, fake_snowflake):
    lines = []
    release_module.release("dev", COMMIT, connection=fake_snowflake, echo=lines.append)
    repo = '@"C360_DEV"."PLATFORM"."C360_REPO"'
    assert [sql for sql, _ in fake_snowflake.executed] == [
        'ALTER GIT REPOSITORY "C360_DEV"."PLATFORM"."C360_REPO" FETCH',
        f"LIST '{repo}/commits/{COMMIT}/dbt/dbt_project.yml'",
        f'ALTER DBT PROJECT "C360_DEV"."PLATFORM"."C360_DBT" ADD VERSION FROM \'{repo}/commits/{COMMIT}/dbt\'',
        f'ALTER STREAMLIT "C360_DEV"."PLATFORM"."C360_APP" SET ROOT_LOCATION = \'{repo}/commits/{COMMIT}\'',
    ]
    assert lines[-1] == "released 0123456789ab to dev"
    assert not fake_snowflake.closed  # a connection it was given is the caller's to close


def test_prod_release_touches_only_prod_objects(release_module, fake_snowflake):
    release_module.release("prod", COMMIT, connection=fake_snowflake, echo=lambda _: None)
    executed = " ".join(sql for sql, _ in fake_snowflake.executed)
    assert executed.count('"C360_PROD"') == 6 and "C360_DEV" not in executed


def test_unfetched_commit_stops_before_changing_anything(release_module, fake_snowflake, responses):
    responses.list_rows = []
    with pytest.raises(C360Error, match=f"commit {COMMIT} has no dbt/dbt_project.yml"):
        release_module.release("dev", COMMIT, connection=fake_snowflake, echo=lambda _: None)
    assert not any("DBT PROJECT" in sql or "STREAMLIT" in sql for sql, _ in fake_snowflake.executed)


@pytest.mark.parametrize("bad", ["main", "0123abc", COMMIT.upper(), COMMIT + "'; DROP"])
def test_only_a_full_lowercase_sha_is_accepted(release_module, fake_snowflake, bad):
    with pytest.raises(C360Error, match="not a full commit sha"):
        release_module.release("dev", bad, connection=fake_snowflake, echo=lambda _: None)
    assert fake_snowflake.executed == []


def test_release_refuses_local(release_module, fake_snowflake):
    with pytest.raises(C360Error, match="not 'local'"):
        release_module.release("local", COMMIT, connection=fake_snowflake)


def test_main_exits_non_zero_with_one_line(release_module, capsys):
    assert release_module.main(["dev", "--commit", "nope"]) == 1
    assert (
        capsys.readouterr().err.strip() == "release_from_git: error: not a full commit sha: 'nope'"
    )


def test_release_statements_parse_with_sqlglot_snowflake(release_module):
    for env in ("dev", "prod"):
        for _what, sql in release_module.release_statements(
            deployed_names(ENVIRONMENTS[env]), COMMIT
        ):
            (statement,) = sqlglot.parse(sql, read="snowflake")
            # LIST is modelled (ListStage); the ALTERs of git/dbt/streamlit objects are
            # newer than sqlglot and kept verbatim as Commands.
            if isinstance(statement, exp.Command):
                assert statement.sql(dialect="snowflake") == sql
            else:
                assert isinstance(statement, exp.ListStage)
