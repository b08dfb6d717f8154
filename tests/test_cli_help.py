"""Every command's --help is plain text: no rich-markup escapes such as "\\[default: 50000]".

typer 0.19 escapes the default suffix for rich even when help is formatted by click
(typer/core.py, TyperOption.get_help_record); toolkit/cli.py turns that off.
"""

from __future__ import annotations

import click
import pytest
import typer

from toolkit.cli import app, main


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


COMMANDS = [()] + list(_commands(typer.main.get_command(app)))


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "c360")
def test_help_has_no_escape_characters(command, capsys):
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Usage: c360" in out
    assert "\\" not in out.replace("\\n", ""), out


def test_pipeline_run_help_shows_the_default_scale(capsys):
    main(["pipeline", "run", "--help"])
    assert "[default: 50000]" in capsys.readouterr().out
