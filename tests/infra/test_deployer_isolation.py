"""Dev and prod deployers cannot touch each other's database (issue 13).

Both environments live in one Snowflake account. Each stack's Snowflake providers log in as
its own environment's deployer role (or the pipeline/app roles that deployer owns), never as
SYSADMIN, SECURITYADMIN or ACCOUNTADMIN, and nothing in one stack names the other's objects.
The account bootstrap (sql/setup/account_admin_bootstrap.sql) is read statement by statement
(comments stripped; sqlglot's snowflake dialect parses most of these statements only as an
opaque ``Command``, so the GRANT/CREATE shapes are matched by anchored regular expressions on
each whole statement) and must never give a deployer MANAGE GRANTS, CREATE DATABASE, an
admin role, or anything of the other environment.

Sources for why the deployer needs no MANAGE GRANTS: a role's owner may grant it
(https://docs.snowflake.com/en/sql-reference/sql/grant-role, access control requirements);
in a managed access schema the schema owner may grant on its objects, future grants included
(https://docs.snowflake.com/en/user-guide/security-access-control-configure, "Creating
managed access schemas"); granting a global privilege needs MANAGE GRANTS, hence every ON
ACCOUNT grant lives in the bootstrap.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from stack_json import provider_role, resources

from stacks.naming import BOOTSTRAP_ROLES, Names
from toolkit.cloud.preflight import DEPLOYER_ACCOUNT_PRIVILEGES, FORBIDDEN_PRIVILEGES
from toolkit.config import ENVIRONMENTS

ROOT = Path(__file__).resolve().parents[2]
BOOTSTRAP = ROOT / "sql" / "setup" / "account_admin_bootstrap.sql"
ADMIN_ROLES = {"ACCOUNTADMIN", "SYSADMIN", "SECURITYADMIN"}
OTHER = {"dev": "prod", "prod": "dev"}


def statements() -> list[str]:
    """The bootstrap's statements, comments dropped, whitespace collapsed, upper-cased."""
    text = "\n".join(line.split("--", 1)[0] for line in BOOTSTRAP.read_text().splitlines())
    return [" ".join(s.split()).upper() for s in text.split(";") if s.strip()]


GRANT_ROLE = re.compile(
    r"^GRANT (?:DATABASE )?ROLE (?P<role>[\w.]+) TO (?P<kind>ROLE|USER) (?P<to>\w+)$"
)
GRANT_PRIVILEGES = re.compile(
    r"^GRANT (?P<privileges>.+?) ON (?P<on>.+?) TO ROLE (?P<to>\w+)(?: COPY CURRENT GRANTS)?$"
)


def grants_to(grantee: str) -> tuple[set[str], list[tuple[str, str]]]:
    """(roles granted to ``grantee``, [(privilege, on)] granted to it) in the bootstrap."""
    roles, privileges = set(), []
    for statement in statements():
        if m := GRANT_ROLE.match(statement):
            if m["kind"] == "ROLE" and m["to"] == grantee:
                roles.add(m["role"])
        elif (m := GRANT_PRIVILEGES.match(statement)) and m["to"] == grantee:
            privileges += [(p.strip(), m["on"]) for p in m["privileges"].split(",")]
    return roles, privileges


def test_the_statement_reader_sees_every_grant():
    """Guards the regexes: each GRANT statement of the file is matched by one of them."""
    grants = [s for s in statements() if s.startswith("GRANT ")]
    assert len(grants) >= 20
    for statement in grants:
        assert GRANT_ROLE.match(statement) or GRANT_PRIVILEGES.match(statement), statement


@pytest.mark.parametrize("env_name", ["dev", "prod"])
def test_bootstrap_gives_each_deployer_its_own_database_and_only_what_the_stack_needs(env_name):
    names = Names(ENVIRONMENTS[env_name])
    other = Names(ENVIRONMENTS[OTHER[env_name]])
    deployer = names.deployer
    sql = statements()
    assert f"CREATE ROLE IF NOT EXISTS {deployer}" in " ".join(sql)
    user = next(s for s in sql if s.startswith(f"CREATE USER IF NOT EXISTS {names.deployer_user} "))
    assert "TYPE = SERVICE" in user and f"DEFAULT_ROLE = {deployer}" in user
    assert "PASSWORD" not in user  # key-pair only
    assert f"GRANT ROLE {deployer} TO USER {names.deployer_user}" in sql

    roles, privileges = grants_to(deployer)
    # admin roles and account-wide grant power: never
    assert not roles & ADMIN_ROLES
    assert not {p for p, _ in privileges} & {*FORBIDDEN_PRIVILEGES, "ALL", "ALL PRIVILEGES"}
    # the database: created by ACCOUNTADMIN, owned by the deployer; nothing of the other env
    assert f"CREATE DATABASE IF NOT EXISTS {names.database} " in " ".join(sql) + " "
    assert ("OWNERSHIP", f"DATABASE {names.database}") in privileges
    for privilege, on in privileges:
        assert other.database not in on and other.prefix not in on, (privilege, on)
    # the provider roles it logs in with are owned by and granted to it
    for functional in BOOTSTRAP_ROLES:
        role = names.role(functional)
        assert role in roles
        assert ("OWNERSHIP", f"ROLE {role}") in privileges
    assert not {r for r in roles if r.startswith(other.prefix)}
    # exactly the account privileges preflight checks for
    on_account = {p for p, on in privileges if on == "ACCOUNT"}
    assert on_account == set(DEPLOYER_ACCOUNT_PRIVILEGES)
    assert "SNOWFLAKE.ALERT_VIEWER" in roles
    # the pipeline role runs the task DAG
    assert ("EXECUTE TASK", "ACCOUNT") in grants_to(names.role("pipeline"))[1]


def test_no_role_of_the_bootstrap_is_given_an_admin_role_or_manage_grants():
    for statement in statements():
        if m := GRANT_ROLE.match(statement):
            assert m["role"] not in ADMIN_ROLES, statement
        if m := GRANT_PRIVILEGES.match(statement):
            assert "MANAGE GRANTS" not in m["privileges"], statement


@pytest.mark.parametrize("env_name", ["dev", "prod"])
def test_every_provider_logs_in_as_its_own_environments_roles(stacks, env_name):
    names = Names(ENVIRONMENTS[env_name])
    stack = stacks[env_name]
    roles = {p["alias"]: p["role"] for p in stack["provider"]["snowflake"]}
    assert roles == {
        "deployer": names.deployer,
        **{functional: names.role(functional) for functional in BOOTSTRAP_ROLES},
    }
    assert not set(roles.values()) & ADMIN_ROLES


@pytest.mark.parametrize("env_name", ["dev", "prod"])
def test_nothing_in_a_stack_names_the_other_environment(stacks, env_name):
    other = Names(ENVIRONMENTS[OTHER[env_name]])
    text = json.dumps(stacks[env_name])
    for token in (other.database, other.prefix, other.deployer, other.resource_monitor):
        assert token not in text, f"{env_name} stack names {token}"
    assert not re.search(r"\b(SYS|SECURITY|ACCOUNT)ADMIN\b", text)


@pytest.mark.parametrize("env_name", ["dev", "prod"])
def test_the_stack_grants_nothing_on_the_account_and_adopts_the_bootstrap_objects(stacks, env_name):
    """Global privileges need MANAGE GRANTS to grant, which the deployer does not hold: the
    stack must not try. The database and the provider roles come from the bootstrap."""
    names = Names(ENVIRONMENTS[env_name])
    stack = stacks[env_name]
    for grant in resources(stack, "snowflake_grant_privileges_to_account_role"):
        assert not grant.get("on_account"), grant
        assert provider_role(stack, grant) == names.deployer
    for grant in resources(stack, "snowflake_grant_account_role"):
        assert grant.get("parent_role_name") not in ADMIN_ROLES
    imports = {i["id"]: i for i in stack["import"]}
    expected = {f'"{names.database}"', *(f'"{names.role(r)}"' for r in BOOTSTRAP_ROLES)}
    assert set(imports) == expected
    assert {i["provider"] for i in imports.values()} == {"snowflake.deployer"}
    [database] = resources(stack, "snowflake_database")
    assert database["name"] == names.database and database["is_transient"] is False
