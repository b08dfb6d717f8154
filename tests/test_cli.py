"""The CLI contract: every command exists, has help with an example, and fails in one line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from toolkit.cli import app, main

CONTRACT_COMMANDS = [
    ["demo"],
    ["pipeline", "run"],
    ["generate"],
    ["load"],
    ["build"],
    ["train"],
    ["score"],
    ["ask"],
    ["app"],
    ["synth"],
    ["deploy"],
    ["smoke"],
]


@pytest.mark.parametrize("command", CONTRACT_COMMANDS, ids=" ".join)
def test_every_contract_command_has_help_with_an_example(command, capsys):
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Example: c360 " + command[0] in out


def test_every_registered_command_has_a_docstring_example():
    for info in app.registered_commands:
        assert info.callback.__doc__ and "Example: c360" in info.callback.__doc__, (
            info.callback.__name__
        )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["generate", "--customers", "0"], "must be at least 1"),
        (["generate", "--customers", "many"], "valid integer"),
        (["generate", "--dirty-rate", "0.9"], "must be between 0 and 0.5"),
        (["deploy", "staging"], "must be one of: dev, prod"),
        (["pipeline", "run", "--env", "qa"], "unknown environment 'qa'"),
        (["no-such-command"], "No such command 'no-such-command'"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(argv, message):
    proc = subprocess.run(
        [sys.executable, "-m", "toolkit.cli", *argv], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("c360")
    assert message in lines[0]
    assert "Traceback" not in proc.stderr
