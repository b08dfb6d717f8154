"""`c360 app`: a clear one-line error without a database; the right `streamlit run` with one."""

from __future__ import annotations

import subprocess

import pytest

from toolkit import app_launcher
from toolkit.errors import C360Error


def test_missing_database_is_a_user_error(tmp_path):
    with pytest.raises(C360Error, match="c360 demo --no-app"):
        app_launcher.launch_app(tmp_path / "nope.duckdb")


def test_launch_points_streamlit_at_the_database(tmp_path, monkeypatch):
    db = tmp_path / "c360.duckdb"
    db.write_bytes(b"")
    seen = {}

    def fake_run(command, env, check):  # stands in for the blocking server process
        seen.update(command=command, env=env)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(app_launcher.subprocess, "run", fake_run)
    monkeypatch.setenv("CI", "true")
    app_launcher.launch_app(db, port=8642)
    command = seen["command"]
    assert command[1:4] == ["-m", "streamlit", "run"]
    assert command[4].endswith("streamlit/streamlit_app.py")
    assert command[command.index("--server.port") + 1] == "8642"
    assert command[command.index("--server.headless") + 1] == "true"
    assert seen["env"]["C360_DUCKDB_PATH"] == str(db.resolve())
