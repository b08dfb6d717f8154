"""Synthesize both stacks once per test session and hand out their parsed JSON."""

from __future__ import annotations

import json
import os

import pytest

# jsii's node 20 end-of-life banner would land in the test output (stacks.* start node)
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from toolkit.config import CLOUD_ENVIRONMENTS


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory):
    from toolkit.cloud.deploy import synth

    outdir = tmp_path_factory.mktemp("cdktf.out")
    paths = synth(outdir=outdir)
    assert [p.parent.name for p in paths] == list(CLOUD_ENVIRONMENTS)
    return outdir


@pytest.fixture(scope="session")
def stacks(synth_dir) -> dict[str, dict]:
    """Environment name → the synthesized Terraform JSON of its stack."""
    return {
        env: json.loads((synth_dir / "stacks" / env / "cdk.tf.json").read_text())
        for env in CLOUD_ENVIRONMENTS
    }
