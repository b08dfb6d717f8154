"""The workflows read as an attacker with push access to a branch would (issue 13).

Such an attacker controls every pull-request workflow run: the code it executes, the
Terraform JSON it plans (a ``data "external"`` runs a program during plan) and the workflow
file itself. So the assertions are about what a pull-request run can reach at all:

- ``ci.yml`` holds no secret but GITHUB_TOKEN, enters no environment, mints no OIDC token,
  reads no cloud variable and never talks to a Terraform backend;
- every credential (``secrets.*``, OIDC, Snowflake variables) is used only inside a job
  that runs in the ``dev`` or ``prod`` environment, and only by workflows that do not run
  on pull requests; prod's only in jobs in ``prod``, after dev's deploy and smoke checks;
- no workflow can be triggered with a pull request's code and repository secrets
  (``pull_request_target``, ``workflow_run``).

GitHub semantics relied on: environment secrets are available only to jobs that reference
the environment, and an environment's deployment-branch policy refuses jobs from other
refs (https://docs.github.com/en/actions/deployment/targeting-different-environments/
using-environments-for-deployment); an OIDC token's ``sub`` names the environment when the
job has one (``repo:OWNER/REPO:environment:NAME``), otherwise ``repo:OWNER/REPO:pull_request``
for pull requests (https://docs.github.com/en/actions/security-for-github-actions/
security-hardening-your-deployments/about-security-hardening-with-openid-connect).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
COMPOSITE = ROOT / ".github" / "actions" / "deploy-release" / "action.yml"
SECRET = re.compile(r"secrets\.(\w+)")
CLOUD_VARS = re.compile(r"vars\.(AWS_\w+|SNOWFLAKE_\w+)")


def _load(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    if True in data:  # YAML 1.1 reads the bare key `on` as True
        data["on"] = data.pop(True)
    return data


def _text(job: dict) -> str:
    return yaml.safe_dump(job)


def _environment(job: dict) -> str | None:
    env = job.get("environment")
    return env.get("name") if isinstance(env, dict) else env


def _all():
    for path in sorted(WORKFLOWS.glob("*.yml")):
        data = _load(path.name)
        for job_id, job in data["jobs"].items():
            yield path.name, data, job_id, job


def test_no_workflow_runs_a_pull_requests_code_with_the_repositorys_secrets():
    for name, data, _, _ in _all():
        triggers = set(data["on"]) if isinstance(data["on"], dict) else {data["on"]}
        assert not triggers & {"pull_request_target", "workflow_run"}, name


def test_pull_request_jobs_hold_no_credential_at_all():
    ci = _load("ci.yml")
    assert set(ci["on"]) == {"pull_request"}
    text = (WORKFLOWS / "ci.yml").read_text()
    body = text[text.index("\nname:") :]  # the header comment may name what is absent
    assert set(SECRET.findall(body)) <= {"GITHUB_TOKEN"}
    assert not CLOUD_VARS.findall(body), "no cloud account, user or role reaches a PR"
    for job_id, job in ci["jobs"].items():
        assert _environment(job) is None, f"ci.yml:{job_id} enters an environment"
        permissions = job.get("permissions", {})
        assert permissions.get("id-token") != "write", f"ci.yml:{job_id} mints an OIDC token"
        assert not any("configure-aws-credentials" in s.get("uses", "") for s in job["steps"])


def test_pull_request_terraform_never_reaches_state_or_a_provider_login():
    ci = _load("ci.yml")
    commands = [
        line.strip()
        for job in ci["jobs"].values()
        for step in job["steps"]
        for line in step.get("run", "").splitlines()
        if line.strip().startswith("terraform")
    ]
    assert commands, "the stacks are validated on pull requests"
    for command in commands:
        assert re.search(r"\b(init|validate)\b", command), command
        assert not re.search(r"\b(plan|apply|refresh|import|state|output|console)\b", command)
        if " init" in command:
            assert "-backend=false" in command


def test_every_credential_lives_in_a_deploy_environment():
    for name, data, job_id, job in _all():
        text = _text(job)
        uses_secret = set(SECRET.findall(text)) - {"GITHUB_TOKEN"}
        uses_oidc = job.get("permissions", {}).get("id-token") == "write"
        uses_cloud_vars = bool(CLOUD_VARS.search(text))
        if uses_secret or uses_oidc or uses_cloud_vars:
            where = f"{name}:{job_id}"
            assert "pull_request" not in data["on"], where
            assert _environment(job) in {"dev", "prod", "${{ inputs.environment }}"}, where


def test_prod_credentials_only_behind_the_prod_environment_after_dev():
    jobs = _load("deploy.yml")["jobs"]
    prod = jobs["deploy-prod"]
    assert _environment(prod) == "prod" and "deploy-dev" in prod["needs"]
    (release,) = [s for s in prod["steps"] if s.get("uses") == "./.github/actions/deploy-release"]
    assert release["with"]["environment"] == "prod"
    dev = jobs["deploy-dev"]
    assert _environment(dev) == "dev"
    # the dev and prod jobs assume their role with a session named for their environment:
    # the OIDC sub (environment:dev | environment:prod) is what each role trusts
    for env, job in (("dev", dev), ("prod", prod)):
        (aws,) = [s for s in job["steps"] if "configure-aws-credentials" in s.get("uses", "")]
        assert f"c360-deploy-{env}-" in aws["with"]["role-session-name"]
        assert aws["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"


def test_a_rollback_only_runs_the_workflow_from_main():
    (job,) = _load("rollback.yml")["jobs"].values()
    assert job["if"] == "github.ref == 'refs/heads/main'"
    assert _environment(job) == "${{ inputs.environment }}"


def test_the_snowflake_key_reaches_only_the_steps_that_talk_to_snowflake():
    composite = yaml.safe_load(COMPOSITE.read_text())
    steps = composite["runs"]["steps"]
    with_key = [s for s in steps if "SNOWFLAKE_PRIVATE_KEY" in s.get("env", {})]
    assert with_key and len(with_key) < len(steps)
    for step in with_key:
        assert step["env"]["SNOWFLAKE_PRIVATE_KEY"] == "${{ inputs.snowflake-private-key }}"


def test_the_pinned_snowflake_connector_supports_oidc_workload_identity():
    """Snowflake workload identity federation (GitHub OIDC → Snowflake, no stored key) is
    available to what we pin: snowflake-connector-python (uv.lock) ships
    ``wif_util.AttestationProvider.OIDC`` for ``authenticator="WORKLOAD_IDENTITY"``, and the
    Terraform provider lists ``WORKLOAD_IDENTITY`` among its authenticators with
    ``workload_identity_provider`` and ``token`` (provider v2.20.0 docs/index.md, the newest
    tag in the mirror; the stack pins 2.22.0). Moving to it needs the stack's provider
    blocks to stop hard-coding SNOWFLAKE_JWT (stacks/platform.py) and a service user per
    environment whose WORKLOAD_IDENTITY subject is repo:<owner>/<repo>:environment:<env>."""
    from snowflake.connector.wif_util import AttestationProvider

    assert AttestationProvider.OIDC.value == "OIDC"


# ------------------------------------------------ per-environment deployers (issue 13)
# dev and prod share one Snowflake account; each environment's deploy identity is its own
# deployer (C360_<ENV>_DEPLOYER, sql/setup/account_admin_bootstrap.sql), which owns only its
# own database. The workflows must hand each job that environment's user, role and key only.
def _deployer(env_name: str) -> tuple[str, str, str]:
    from stacks.naming import Names
    from toolkit.config import ENVIRONMENTS

    names = Names(ENVIRONMENTS[env_name])
    return names.deployer_user, names.deployer, f"SNOWFLAKE_{env_name.upper()}_DEPLOYER_KEY"


def _release_key(job: dict) -> str:
    (release,) = [s for s in job["steps"] if s.get("uses") == "./.github/actions/deploy-release"]
    return release["with"]["snowflake-private-key"]


def test_each_deploy_job_logs_in_as_its_own_environments_deployer_only():
    jobs = _load("deploy.yml")["jobs"]
    for env_name, other in (("dev", "prod"), ("prod", "dev")):
        job = jobs[f"deploy-{env_name}"]
        user, role, key = _deployer(env_name)
        other_user, other_role, other_key = _deployer(other)
        assert job["env"]["SNOWFLAKE_USER"] == user
        assert job["env"]["SNOWFLAKE_ROLE"] == role
        assert _release_key(job) == f"${{{{ secrets.{key} }}}}"
        text = _text(job)
        for name in (other_user, other_role, other_key):
            assert name not in text, f"deploy-{env_name} names {name}"
        # no admin role and no generic key a repository secret could shadow
        assert not re.search(r"\b(SYS|SECURITY|ACCOUNT)ADMIN\b", text)
        assert "SNOWFLAKE_PRIVATE_KEY }}" not in text


def test_a_rollback_takes_the_chosen_environments_deployer_only():
    (job,) = _load("rollback.yml")["jobs"].values()
    dev_user, dev_role, dev_key = _deployer("dev")
    prod_user, prod_role, prod_key = _deployer("prod")
    chosen = "inputs.environment == 'prod'"
    assert job["env"]["SNOWFLAKE_USER"] == f"${{{{ {chosen} && '{prod_user}' || '{dev_user}' }}}}"
    assert job["env"]["SNOWFLAKE_ROLE"] == f"${{{{ {chosen} && '{prod_role}' || '{dev_role}' }}}}"
    assert _release_key(job) == (f"${{{{ {chosen} && secrets.{prod_key} || secrets.{dev_key} }}}}")
    # the job runs in the chosen environment, where only that environment's key exists
    assert _environment(job) == "${{ inputs.environment }}"
