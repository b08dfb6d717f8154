"""Starts the Streamlit app on the local database.

The app shows every customer's name, e-mail and phone with no login, so it listens on
the loopback interface unless told otherwise (``c360 app --host 0.0.0.0`` to share it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from toolkit.config import DB_PATH_ENV_VAR
from toolkit.errors import C360Error

APP_FILE = Path(__file__).resolve().parent.parent / "streamlit" / "streamlit_app.py"


DEFAULT_HOST = "127.0.0.1"


def app_command(*, port: int = 8501, host: str = DEFAULT_HOST) -> list[str]:
    """The ``streamlit run`` command line for the app."""
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_FILE),
        "--server.port",
        str(port),
        # Streamlit's default binds every interface; the loopback keeps the PII local.
        "--server.address",
        host,
        # The local app makes no network calls of its own: no usage statistics either.
        "--browser.gatherUsageStats",
        "false",
    ]
    if os.environ.get("CI") or not (
        os.environ.get("DISPLAY") or sys.platform in ("darwin", "win32")
    ):
        command += ["--server.headless", "true"]
    return command


def launch_app(db_path: Path, *, port: int = 8501, host: str = DEFAULT_HOST) -> None:
    if not Path(db_path).exists():
        raise C360Error(f"no database at {db_path}; run `c360 demo --no-app` first")
    if not APP_FILE.exists():
        raise C360Error(f"app file missing: {APP_FILE}")
    env = {**os.environ, DB_PATH_ENV_VAR: str(Path(db_path).resolve())}
    subprocess.run(app_command(port=port, host=host), env=env, check=False)
