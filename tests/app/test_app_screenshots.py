"""End to end: `streamlit run` on a free port, headless Debian chromium, one PNG per tab.

The screenshots go to artifacts/screenshots/ (CI keeps them as an artifact). Each tab is
captured only after the DOM shows that tab's own content, no "Running…" indicator and
its charts drawn, and then stays unchanged for a few polls.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from chromium_devtools import POLL_SECONDS, Chromium, find_chromium

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
APP_FILE = REPO_ROOT / "streamlit" / "streamlit_app.py"
SCREENSHOT_DIR = REPO_ROOT / "artifacts" / "screenshots"
START_TIMEOUT = 60
RENDER_TIMEOUT = 60

# JS: is the app idle (no running indicator) with these texts visible and N charts drawn?
READY_JS = """
(() => {
  const texts = %s, minCharts = %d;
  if (!document.body) return false;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  const body = document.body.innerText;   // innerText skips hidden tab panels
  if (!texts.every(t => body.includes(t))) return false;
  const charts = [...document.querySelectorAll('.vega-embed')]
      .filter(e => e.offsetParent !== null && e.querySelector('canvas, svg'));
  if (charts.length < minCharts) return false;
  return body.length + ':' + charts.length;
})()
"""
CLICK_TAB_JS = """
(() => {
  const tab = [...document.querySelectorAll('button[role="tab"]')]
      .find(b => b.innerText.trim() === %s);
  if (!tab) return false;
  tab.click();
  return true;
})()
"""
CLICK_BUTTON_JS = """
(() => {
  const button = [...document.querySelectorAll('button')]
      .find(b => b.offsetParent !== null && b.innerText.trim() === %s);
  if (!button) return false;
  button.click();
  return true;
})()
"""
# Streamlit's own "Deploy" button (client.toolbarMode = "viewer" hides it: streamlit/.streamlit)
DEPLOY_BUTTON_JS = """
!!document.querySelector('[data-testid="stAppDeployButton"]')
  || [...document.querySelectorAll('button')].some(b => b.innerText.trim() === 'Deploy')
"""
ERRORS_JS = """
[...document.querySelectorAll('[data-testid="stException"], [data-testid="stAlertContentError"]')]
  .map(e => e.innerText).join('\\n')
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(POLL_SECONDS)
    raise TimeoutError("streamlit did not become healthy")


@pytest.fixture
def running_app(app_env):
    yield from _serve(app_env)


@pytest.fixture
def running_health_app(request, tmp_path_factory):
    """The app on a copy of the shared build (or of $C360_SCREENSHOT_BASE_DB, e.g. a
    default-scale build) plus a failed run and a dirty load."""
    from health_fixture import make_health_db

    base = os.environ.get("C360_SCREENSHOT_BASE_DB") or request.getfixturevalue("built_db")
    yield from _serve(make_health_db(Path(base), tmp_path_factory))


def _serve(db_path):
    port = _free_port()
    env = {**os.environ, "C360_DUCKDB_PATH": str(db_path)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(APP_FILE),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
        ],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _settled(
    browser: Chromium, texts: list[str], min_charts: int, what: str, expected_error: str = ""
) -> None:
    """Wait until ready, then until the rendered page stops changing for three polls."""
    expression = READY_JS % (json.dumps(texts), min_charts)
    previous = browser.wait_for(expression, timeout=RENDER_TIMEOUT, what=what)
    stable = 0
    deadline = time.monotonic() + RENDER_TIMEOUT
    while stable < 3 and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        current = browser.evaluate(expression)
        stable = stable + 1 if current and current == previous else 0
        previous = current or previous
    assert stable >= 3, f"{what} kept changing"
    errors = browser.evaluate(ERRORS_JS)
    if expected_error:  # an error the page is meant to show (a failed run's step)
        errors = "\n".join(e for e in errors.split("\n") if expected_error not in e)
        errors = errors.replace(
            "Fix the cause, then c360 pipeline run --resume continues "
            "after the last step that succeeded.",
            "",
        ).strip()
    assert not errors, f"{what} shows an error: {errors}"


def test_every_tab_renders_and_is_captured(running_app, db):
    chromium = find_chromium()
    assert chromium, "chromium is missing: run `make system-deps`"
    # The most valuable customer whose card or limit changed: a screenshot with some history.
    customer_id, full_name = db.execute(
        """
        select p.customer_id, p.full_name from gold.customer_360_profile p
        join gold.dim_customer d using (customer_id)
        group by p.customer_id, p.full_name, p.lifetime_value
        order by count(*) > 1 desc, p.lifetime_value desc limit 1
        """
    ).fetchone()
    customers = db.execute("select count(*) from gold.customer_360_profile").fetchone()[0]
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    shots = []
    with Chromium(chromium) as browser:
        # The deep link pre-fills Customer 360 with a real customer.
        browser.navigate(f"{running_app}/?customer={customer_id}")
        _settled(
            browser,
            ["Segment Explorer", "Customers by segment", f"{customers:,}"],
            min_charts=4,
            what="Segment Explorer",
        )
        shots.append(browser.screenshot(SCREENSHOT_DIR / "1_segment_explorer.png"))
        assert browser.evaluate(DEPLOY_BUTTON_JS) is False, "Streamlit's Deploy button shows"

        assert browser.evaluate(CLICK_TAB_JS % json.dumps("Customer 360"))
        _settled(
            browser,
            [full_name, "Transaction history", "Card and credit-limit history", "Churn risk"],
            min_charts=3,
            what="Customer 360",
        )
        shots.append(browser.screenshot(SCREENSHOT_DIR / "2_customer_360.png"))

        assert browser.evaluate(CLICK_TAB_JS % json.dumps("AI Assistant"))
        question = "How many customers are in each segment?"
        browser.wait_for(
            CLICK_BUTTON_JS % json.dumps(question),
            timeout=RENDER_TIMEOUT,
            what="the suggested question",
        )
        _settled(browser, [question, "Generated SQL", "Helpful"], min_charts=0, what="AI Assistant")
        shots.append(browser.screenshot(SCREENSHOT_DIR / "3_ai_assistant.png"))

        assert browser.evaluate(CLICK_TAB_JS % json.dumps("Campaign Simulator"))
        _settled(
            browser,
            ["Break-even retention rate", "Rank scenarios by", "Best by ROI"],
            min_charts=1,
            what="Campaign Simulator",
        )
        shots.append(browser.screenshot(SCREENSHOT_DIR / "4_campaign_simulator.png"))

        # The simulator's own sub-tabs: sensitivity charts and the target list.
        assert browser.evaluate(CLICK_TAB_JS % json.dumps("Sensitivity"))
        _settled(
            browser,
            ["ROI vs response rate", "What moves net benefit most", "Reach funnel"],
            min_charts=5,
            what="Campaign sensitivity",
        )
        shots.append(browser.screenshot(SCREENSHOT_DIR / "5_campaign_sensitivity.png"))
        assert browser.evaluate(CLICK_TAB_JS % json.dumps("Target list"))
        _settled(
            browser,
            ["Prioritised target list", "are expected to return more than they cost"],
            min_charts=0,
            what="Campaign target list",
        )
        shots.append(browser.screenshot(SCREENSHOT_DIR / "6_campaign_targets.png"))

    for shot in shots:
        png = shot.read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(png) > 20_000, f"{shot.name} looks blank"


def test_pipeline_health_with_a_failed_run_and_a_dirty_load(running_health_app):
    chromium = find_chromium()
    assert chromium, "chromium is missing: run `make system-deps`"
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    shots = []
    with Chromium(chromium) as browser:
        browser.navigate(running_health_app)
        browser.wait_for(
            CLICK_TAB_JS % json.dumps("Pipeline Health"),
            timeout=RENDER_TIMEOUT * 2,
            what="the Pipeline Health tab",
        )
        # the failed step's error is an st.error, which _settled would reject as a page error
        expression = READY_JS % (json.dumps(["Last runs", "Step build failed"]), 1)
        browser.wait_for(expression, timeout=RENDER_TIMEOUT * 2, what="Pipeline Health runs")
        time.sleep(POLL_SECONDS * 3)
        shots.append(browser.screenshot(SCREENSHOT_DIR / "7_pipeline_health_runs.png"))
        assert browser.evaluate(CLICK_TAB_JS % json.dumps("Loads"))
        _settled(
            browser,
            ["Rejects by reason", "negative credit limit", "Sample of rejected records"],
            min_charts=1,
            what="Pipeline Health loads",
            expected_error="Step build failed",
        )
        shots.append(browser.screenshot(SCREENSHOT_DIR / "8_pipeline_health_loads.png"))
        assert browser.evaluate(CLICK_TAB_JS % json.dumps("Layers"))
        _settled(
            browser,
            ["Rows per layer over time"],
            min_charts=1,
            what="Pipeline Health layers",
            expected_error="Step build failed",
        )
        shots.append(browser.screenshot(SCREENSHOT_DIR / "9_pipeline_health_layers.png"))
    for shot in shots:
        png = shot.read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(png) > 20_000, f"{shot.name} looks blank"
