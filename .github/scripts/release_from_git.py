"""Deploy the dbt project and the Streamlit app of one environment from the git repository object.

Run by the deploy workflows after ``terraform apply``, with the commit the release artifact
was built from (``release.json``), so dev, prod and a rollback all serve exactly that commit:

1. ``ALTER GIT REPOSITORY … FETCH`` — the repository object learns the new commit;
2. ``LIST '@repo/commits/<sha>/dbt/'`` — fail early and clearly if it did not;
3. ``ALTER DBT PROJECT … ADD VERSION FROM '@repo/commits/<sha>/dbt'`` — a new immutable
   version of the dbt project object, which the tasks DAG's dbt steps execute;
4. ``ALTER STREAMLIT … SET ROOT_LOCATION = '@repo/commits/<sha>'`` — the app serves the
   same commit (its root is the repository root, so ``toolkit`` is importable).

Usage: uv run python .github/scripts/release_from_git.py dev --commit <40-hex sha>
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable

from toolkit.cloud.smoke import DeployedNames, connect, deployed_names, query
from toolkit.config import get_environment
from toolkit.errors import C360Error

COMMIT = re.compile(r"^[0-9a-f]{40}$")


def commit_path(names: DeployedNames, commit: str, subdir: str = "") -> str:
    """The repository stage path of one commit, e.g. ``@"C360_DEV"."PLATFORM"."C360_REPO"/commits/<sha>/dbt``."""
    if not COMMIT.match(commit):
        raise C360Error(f"not a full commit sha: {commit!r}")
    path = f"@{names.in_platform(names.git_repository)}/commits/{commit}"
    return f"{path}/{subdir}" if subdir else path


def release_statements(names: DeployedNames, commit: str) -> list[tuple[str, str]]:
    """(what, SQL) in order. Paths are SQL string literals: a stage path cannot be bound."""
    repository = names.in_platform(names.git_repository)
    dbt_source = commit_path(names, commit, "dbt")
    app_root = commit_path(names, commit)
    return [
        ("fetch the git repository", f"ALTER GIT REPOSITORY {repository} FETCH"),
        ("find the commit's dbt project", f"LIST '{dbt_source}/dbt_project.yml'"),
        (
            "new dbt project version",
            f"ALTER DBT PROJECT {names.in_platform(names.dbt_project)} "
            f"ADD VERSION FROM '{dbt_source}'",
        ),
        (
            "point the Streamlit app at the commit",
            f"ALTER STREAMLIT {names.in_platform(names.streamlit_app)} "
            f"SET ROOT_LOCATION = '{app_root}'",
        ),
    ]


def release(env: str, commit: str, *, connection=None, echo: Callable[[str], None] = print) -> None:
    environment = get_environment(env)
    if not environment.is_cloud:
        raise C360Error(f"releases go to dev or prod, not {env!r}")
    names = deployed_names(environment)
    statements = release_statements(names, commit)
    own_connection = connection is None
    connection = connect(environment) if own_connection else connection
    try:
        for what, sql in statements:
            rows = query(connection, sql)
            if sql.startswith("LIST") and not rows:
                raise C360Error(
                    f"commit {commit} has no dbt/dbt_project.yml in {names.git_repository}: "
                    "was it pushed to the repository the git repository object points at?"
                )
            echo(f"✓ {what}")
    finally:
        if own_connection:
            connection.close()
    echo(f"released {commit[:12]} to {env}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("env", choices=["dev", "prod"])
    parser.add_argument(
        "--commit", required=True, help="full sha the release artifact was built from"
    )
    args = parser.parse_args(argv)
    try:
        release(args.env, args.commit)
    except C360Error as exc:
        print(f"release_from_git: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
