"""Synth, deploy and smoke-check the cdktf stacks. Implemented by issue #7."""

from toolkit.errors import NotBuiltYet


def synth(*, hcl=False):
    raise NotBuiltYet("c360 synth", 7)


def deploy(env, *, plan_only=False, auto_approve=False):
    raise NotBuiltYet("c360 deploy", 7)


def smoke(env):
    raise NotBuiltYet("c360 smoke", 8)
