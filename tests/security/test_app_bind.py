"""`c360 app` serves the app (names, e-mails, phones, no login) on this machine only.

Streamlit binds every interface when ``server.address`` is unset
(https://docs.streamlit.io/develop/api-reference/configuration/config.toml, [server]
"address": "If set, the server will only be accessible from this address"), so the
launcher always sets it: the loopback by default, another address only when asked.
"""

from __future__ import annotations

import pytest

from toolkit import app_launcher
from toolkit.cli import main


def _address(command: list[str]) -> str:
    return command[command.index("--server.address") + 1]


def test_the_app_listens_on_the_loopback_by_default():
    assert _address(app_launcher.app_command()) == "127.0.0.1"


def test_host_overrides_the_address():
    assert _address(app_launcher.app_command(host="0.0.0.0")) == "0.0.0.0"


def test_the_cli_passes_host_through(tmp_path, monkeypatch):
    seen = {}
    monkeypatch.setattr(
        app_launcher, "launch_app", lambda db, port, host: seen.update(port=port, host=host)
    )
    db = tmp_path / "missing.duckdb"  # absent: --db is fine, c360 would create it
    assert main(["app", "--db", str(db)]) == 0
    assert seen == {"port": 8501, "host": "127.0.0.1"}
    assert main(["app", "--db", str(db), "--host", "0.0.0.0", "--port", "8600"]) == 0
    assert seen == {"port": 8600, "host": "0.0.0.0"}


@pytest.mark.parametrize("flag", ["--host"])
def test_help_explains_the_host_option(capsys, flag):
    assert main(["app", "--help"]) == 0
    assert flag in capsys.readouterr().out
