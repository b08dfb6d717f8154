"""Synthesize and deploy the cdktf stacks (one per cloud environment).

``synth`` builds the CDK Terrain app in-process and writes
``cdktf.out/stacks/{dev,prod}/cdk.tf.json`` — plain Terraform JSON that ``terraform``
runs directly, so the CDK is never a lock-in; ``synth(hcl=True)`` also exports each stack
as a standalone Terraform module without any CDK metadata
(``cdktf.out/terraform/<env>/main.tf.json``) — the way out of the CDK. (CDK Terrain's HCL
rendering lives in its Node CLI, not in the in-process library, so the export is
Terraform's JSON syntax, which ``terraform`` reads exactly like HCL.) ``deploy`` synthesizes, then drives
Terraform on one stack with python-terraform: ``init`` → ``plan`` → ``apply`` of that
saved plan after confirmation. Credentials come only from the environment.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

from toolkit.errors import C360Error

REPO_ROOT = Path(__file__).resolve().parents[2]
CDKTF_JSON = REPO_ROOT / "cdktf.json"
DEFAULT_OUTDIR = REPO_ROOT / "cdktf.out"
PLAN_FILE = "c360.tfplan"

# jsii runs the CDK in node; node 20 prints a large end-of-life banner on every start.
NODE_BANNER_SILENCER = {"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}

# What the providers read from the environment (never from code or files in the repo).
SNOWFLAKE_CREDENTIALS = (
    "SNOWFLAKE_ORGANIZATION_NAME",
    "SNOWFLAKE_ACCOUNT_NAME",
    "SNOWFLAKE_USER",
)
SNOWFLAKE_KEY = ("SNOWFLAKE_PRIVATE_KEY", "SNOWFLAKE_PRIVATE_KEY_PATH")
# any one of these identifies an AWS credential source: profile, static keys, or OIDC
AWS_CREDENTIAL_SOURCES = ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_WEB_IDENTITY_TOKEN_FILE")


def cloud_environments() -> tuple[str, ...]:
    from toolkit.config import CLOUD_ENVIRONMENTS

    return CLOUD_ENVIRONMENTS


def _cdktf_context() -> dict:
    """The app context ``cdktn synth`` would pass: cdktf.json's context and target versions."""
    config = json.loads(CDKTF_JSON.read_text())
    context = dict(config.get("context", {}))
    if "targetVersions" in config:
        context["targetVersions"] = config["targetVersions"]
    return context


def bytecode_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "c360" / "pycache"


@contextmanager
def _cached_bytecode():
    """Import the CDK bindings with their bytecode cached, even under PYTHONDONTWRITEBYTECODE.

    The provider bindings are megabytes of generated Python; compiling them on every synth
    costs most of its time. When bytecode writing is off, cache it in a separate folder
    (``~/.cache/c360/pycache``), never next to the sources, then restore the settings.
    """
    if not sys.dont_write_bytecode:
        yield
        return
    saved = sys.pycache_prefix
    sys.pycache_prefix = saved or str(bytecode_cache_dir())
    sys.dont_write_bytecode = False
    try:
        yield
    finally:
        sys.dont_write_bytecode = True
        sys.pycache_prefix = saved


def load_bindings():
    """Import the CDK and the stacks (starts node via jsii); returns ``(App, PlatformStack)``."""
    for name, value in NODE_BANNER_SILENCER.items():
        os.environ.setdefault(name, value)
    with _cached_bytecode():
        from cdktn import App

        from stacks.platform import PlatformStack
    return App, PlatformStack


def build_app(outdir: Path | None = None):
    """The CDK app with one ``PlatformStack`` per cloud environment (ids ``dev``, ``prod``)."""
    from toolkit.config import ENVIRONMENTS

    App, PlatformStack = load_bindings()

    kwargs = {"context": _cdktf_context()}
    if outdir is not None:
        kwargs["outdir"] = str(outdir)
    app = App(**kwargs)
    for name in cloud_environments():
        PlatformStack(app, name, ENVIRONMENTS[name])
    return app


def synth(*, hcl: bool = False, outdir: Path | None = None) -> list[Path]:
    """Write ``<outdir>/stacks/<env>/cdk.tf.json`` for every cloud environment; return the paths.

    With ``hcl`` also export ``<outdir>/terraform/<env>/main.tf.json``: plain Terraform, no CDK.
    """
    outdir = Path(outdir or DEFAULT_OUTDIR)
    try:
        build_app(outdir).synth()
        paths = [outdir / "stacks" / name / "cdk.tf.json" for name in cloud_environments()]
        if hcl:
            paths += [
                export_plain_terraform(path, outdir / "terraform" / path.parent.name)
                for path in paths
            ]
    except FileNotFoundError as exc:
        raise C360Error(f"cannot synthesize: {exc.filename} not found (node is required)") from exc
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise C360Error(f"synth did not write {', '.join(missing)}")
    return paths


def _without_cdk_metadata(node):
    if isinstance(node, dict):
        return {k: _without_cdk_metadata(v) for k, v in node.items() if k != "//"}
    if isinstance(node, list):
        return [_without_cdk_metadata(v) for v in node]
    return node


def export_plain_terraform(stack_json: Path, directory: Path) -> Path:
    """Copy a synthesized stack to ``directory/main.tf.json`` without the CDK's metadata.

    The stack's ``assets/`` (the procedures' toolkit zip, referenced by a path relative to
    the stack folder) are copied beside it, so the export applies on its own.
    """
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "main.tf.json"
    config = _without_cdk_metadata(json.loads(stack_json.read_text()))
    target.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    assets = stack_json.parent / "assets"
    if assets.is_dir():
        shutil.copytree(assets, directory / "assets", dirs_exist_ok=True)
    return target


def checkov_view(stacks_dir: Path, target: Path) -> Path:
    """``target/<env>/cdk.tf.json``: each synthesized stack without its ``import`` blocks.

    checkov's terraform_json parser expects every top-level block to be an object and
    crashes on Terraform's ``import`` list (checkov/terraform_json/parser.py,
    ``prepare_definition``: ``blocks.items()``). Import blocks carry no resource settings
    to check (they adopt the bootstrap roles, stacks/platform.py), so checkov scans this
    view: ``checkov --directory <target>``. Writes only under ``target``.
    """
    for stack_json in sorted(Path(stacks_dir).glob("*/cdk.tf.json")):
        config = json.loads(stack_json.read_text())
        config.pop("import", None)
        out = Path(target) / stack_json.parent.name / "cdk.tf.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(config, indent=2))
    return Path(target)


# ------------------------------------------------------------------ deploying
def missing_credentials(environ: dict | None = None) -> list[str]:
    """Names of the credential variables deploy needs and the environment lacks."""
    environ = os.environ if environ is None else environ
    missing = [name for name in SNOWFLAKE_CREDENTIALS if not environ.get(name)]
    if not any(environ.get(name) for name in SNOWFLAKE_KEY):
        missing.append(" or ".join(SNOWFLAKE_KEY))
    if not any(environ.get(name) for name in AWS_CREDENTIAL_SOURCES):
        missing.append(" or ".join(AWS_CREDENTIAL_SOURCES))
    return missing


def _terraform_environment() -> dict:
    """The process environment for terraform; a key file path becomes the key itself."""
    environ = dict(os.environ)
    key_path = environ.get("SNOWFLAKE_PRIVATE_KEY_PATH")
    if key_path and not environ.get("SNOWFLAKE_PRIVATE_KEY"):
        try:
            environ["SNOWFLAKE_PRIVATE_KEY"] = Path(key_path).expanduser().read_text()
        except OSError as exc:
            raise C360Error(f"cannot read SNOWFLAKE_PRIVATE_KEY_PATH: {exc.strerror}") from exc
    environ.setdefault("TF_IN_AUTOMATION", "1")
    return environ


def _run(terraform, echo, *args, **kwargs) -> int:
    code, out, err = terraform.cmd(*args, capture_output=True, **kwargs)
    if out:
        echo(out.rstrip())
    if err:
        echo(err.rstrip())
    return code


def deploy(
    env: str, *, plan_only: bool = False, auto_approve: bool = False, echo=print, confirm=None
) -> int:
    """Plan (and, on confirmation, apply) one environment's stack; returns terraform's last exit code."""
    from python_terraform import IsFlagged, Terraform

    if env not in cloud_environments():
        raise C360Error(
            f"deploy needs a cloud environment ({' or '.join(cloud_environments())}), not {env!r}"
        )
    terraform_bin = shutil.which("terraform")
    if terraform_bin is None:
        raise C360Error("terraform is not on PATH: install Terraform >= 1.10 to deploy")
    missing = missing_credentials()
    if missing:
        raise C360Error(f"missing credentials in the environment: {', '.join(missing)}")

    stack_dir = synth()[list(cloud_environments()).index(env)].parent
    environ = _terraform_environment()
    terraform = Terraform(working_dir=str(stack_dir), terraform_bin_path=terraform_bin)
    # python-terraform copies os.environ for each command
    saved = dict(os.environ)
    os.environ.update(environ)
    try:
        if _run(terraform, echo, "init", input=False, no_color=IsFlagged, reconfigure=IsFlagged):
            raise C360Error(f"terraform init failed for {env} (see the output above)")
        code = _run(
            terraform,
            echo,
            "plan",
            input=False,
            no_color=IsFlagged,
            detailed_exitcode=IsFlagged,
            out=PLAN_FILE,
        )
        if code == 1:
            raise C360Error(f"terraform plan failed for {env} (see the output above)")
        if code == 0:
            echo(f"{env}: no changes")
            return 0
        if plan_only:
            echo(f"{env}: plan saved to {stack_dir / PLAN_FILE} (--plan-only: not applied)")
            return code
        if not auto_approve:
            confirm = confirm or _confirm
            if not confirm(f"Apply this plan to {env}?"):
                echo(f"{env}: not applied")
                return code
        if _run(terraform, echo, "apply", PLAN_FILE, input=False, no_color=IsFlagged):
            raise C360Error(f"terraform apply failed for {env} (see the output above)")
        echo(f"{env}: applied")
        return 0
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _confirm(question: str) -> bool:
    import typer

    return typer.confirm(question, default=False)
