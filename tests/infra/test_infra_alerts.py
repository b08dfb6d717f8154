"""Failure alerts on the synthesized stacks (stacks/alerts.py).

Sources (provider pinned at 2.22.0; the mirror's newest tag is v2.20.0, cited here):
- snowflake_alert: docs/resources/alert.md at v2.20.0 (condition, action, alert_schedule
  with interval or cron{expression, time_zone}); the SDK wraps the condition as
  ``IF (EXISTS (<condition>)) THEN <action>`` (pkg/sdk/alerts_gen.go, alerts_test.go at v2.20.0).
- preview feature names: pkg/provider/previewfeatures/preview_features.go at v2.20.0
  ("snowflake_alert_resource", "snowflake_email_notification_integration_resource").
- snowflake_email_notification_integration: docs/resources/email_notification_integration.md.
- snowflake_notification_integration has no webhook type (AZURE_STORAGE_QUEUE, AWS_SNS,
  GCP_PUBSUB: docs/resources/notification_integration.md), hence snowflake_execute with
  https://docs.snowflake.com/en/sql-reference/sql/create-notification-integration-webhooks
- SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(message, (integration configurations …)):
  https://docs.snowflake.com/en/sql-reference/stored-procedures/system_send_snowflake_notification
- SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME():
  https://docs.snowflake.com/en/sql-reference/functions/last_successful_scheduled_time
"""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp
from stack_json import provider_role, resources

from stacks.alerts import WEBHOOK_SECRET_PLACEHOLDER, deadline_cron
from stacks.platform import SNOWFLAKE_PREVIEW_FEATURES
from toolkit.alerts import CONDITIONS
from toolkit.config import CLOUD_ENVIRONMENTS, ENVIRONMENTS


def _alerts(stack) -> dict[str, dict]:
    return {a["name"]: a for a in resources(stack, "snowflake_alert")}


def test_preview_features_enable_the_alert_resources():
    assert "snowflake_alert_resource" in SNOWFLAKE_PREVIEW_FEATURES
    assert "snowflake_email_notification_integration_resource" in SNOWFLAKE_PREVIEW_FEATURES


@pytest.mark.parametrize("env", CLOUD_ENVIRONMENTS)
def test_one_alert_per_condition_that_has_its_tables_in_snowflake(stacks, env):
    stack = stacks[env]
    alerts = _alerts(stack)
    expected = {f"C360_ALERT_{c.name.upper()}" for c in CONDITIONS if c.runs_in_snowflake()}
    assert set(alerts) == expected
    assert {
        "C360_ALERT_FAILED_STEP",
        "C360_ALERT_LOAD_REJECTS",
        "C360_ALERT_RUN_OVERDUE",
    } <= expected
    # data-quality results are local-only in Snowflake (toolkit.pipeline.observability)
    assert "C360_ALERT_DATA_QUALITY" not in alerts
    for alert in alerts.values():
        assert alert["enabled"] is True
        assert provider_role(stack, alert) == ENVIRONMENTS[env].role("deployer")
        assert alert["warehouse"] == ENVIRONMENTS[env].warehouse("transform").name


@pytest.mark.parametrize("env", CLOUD_ENVIRONMENTS)
def test_conditions_parse_as_snowflake_selects_on_the_environment_tables(stacks, env):
    database = ENVIRONMENTS[env].database
    for alert in _alerts(stacks[env]).values():
        # the provider wraps the text in IF (EXISTS (...)): it must be one SELECT
        wrapped = f"SELECT 1 WHERE EXISTS ({alert['condition']})"
        tree = sqlglot.parse_one(wrapped, read="snowflake")
        tables = {t.sql(dialect="snowflake") for t in tree.find_all(exp.Table)}
        assert tables and all(t.startswith(f"{database}.OBSERVABILITY.") for t in tables), tables
        assert "SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME()" in alert["condition"]


@pytest.mark.parametrize("env", CLOUD_ENVIRONMENTS)
def test_actions_notify_email_and_webhook(stacks, env):
    stack = stacks[env]
    settings = ENVIRONMENTS[env].alerts
    email = resources(stack, "snowflake_email_notification_integration")
    assert len(email) == 1
    assert email[0]["allowed_recipients"] == list(settings.email_recipients)
    assert email[0]["enabled"] is True
    webhook = [r for r in resources(stack, "snowflake_execute") if "TYPE = WEBHOOK" in r["execute"]]
    assert len(webhook) == 1
    statement = webhook[0]["execute"]
    assert "WEBHOOK_URL = 'https://hooks.slack.com/services/SNOWFLAKE_WEBHOOK_SECRET'" in statement
    assert f'"PLATFORM"."{settings.webhook_secret}"' in statement
    assert "SNOWFLAKE_WEBHOOK_MESSAGE" in statement  # the body template's placeholder
    assert webhook[0]["revert"].startswith("DROP INTEGRATION IF EXISTS ")
    # the secret object exists before the integration names it, holding only a placeholder
    # that an administrator replaces (provider docs/resources/secret_with_generic_string.md
    # at v2.20.0: external changes to secret_string are not detected)
    secret = resources(stack, "snowflake_secret_with_generic_string")
    assert len(secret) == 1 and secret[0]["name"] == settings.webhook_secret
    assert secret[0]["secret_string"] == WEBHOOK_SECRET_PLACEHOLDER
    assert secret[0]["lifecycle"]["ignore_changes"] == ["secret_string"]
    assert any("webhook_secret" in d for d in webhook[0]["depends_on"])
    prefix = ENVIRONMENTS[env].role_prefix
    for alert in _alerts(stack).values():
        action = alert["action"]
        tree = sqlglot.parse_one(action, read="snowflake")
        assert action.startswith("CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(")
        assert tree is not None
        assert f"INTEGRATION('{prefix}_ALERTS_EMAIL')" in action
        assert f"INTEGRATION('{prefix}_ALERTS_WEBHOOK')" in action
        assert "SNOWFLAKE.NOTIFICATION.TEXT_PLAIN(" in action
        # every alert waits for both channels
        assert any("alerts_email" in d for d in alert["depends_on"])
        assert any("alerts_webhook" in d for d in alert["depends_on"])


@pytest.mark.parametrize("env", CLOUD_ENVIRONMENTS)
def test_overdue_alert_checks_at_schedule_plus_deadline(stacks, env):
    config = ENVIRONMENTS[env]
    alerts = _alerts(stacks[env])
    cron = alerts["C360_ALERT_RUN_OVERDUE"]["alert_schedule"]["cron"]
    assert cron["time_zone"] == config.schedule_timezone
    minute, hour = (int(v) for v in cron["expression"].split()[:2])
    s_minute, s_hour = (int(v) for v in config.schedule_cron.split()[:2])
    assert (hour * 60 + minute) - (s_hour * 60 + s_minute) == config.alerts.run_deadline_minutes
    others = [a for n, a in alerts.items() if n != "C360_ALERT_RUN_OVERDUE"]
    assert all(a["alert_schedule"]["interval"] == config.alerts.check_every_minutes for a in others)
    # the provider: interval must be > 0 and < 1440 minutes (docs/resources/alert.md)
    assert 0 < config.alerts.check_every_minutes < 1440


def test_deadline_cron_refuses_a_deadline_past_midnight():
    assert deadline_cron("0 6 * * *", 150) == "30 8 * * *"
    with pytest.raises(ValueError, match="same day|the day"):
        deadline_cron("0 23 * * *", 120)
    with pytest.raises(ValueError, match="fixed daily time"):
        deadline_cron("*/5 * * * *", 10)


def test_bootstrap_grants_what_alerts_need():
    """EXECUTE ALERT (https://docs.snowflake.com/en/user-guide/alerts) and ALERT_VIEWER for
    LAST_SUCCESSFUL_SCHEDULED_TIME
    (https://docs.snowflake.com/en/sql-reference/functions/last_successful_scheduled_time),
    to each environment's deployer, the role that owns the alerts (issue 13)."""
    from pathlib import Path

    text = (Path(__file__).parents[2] / "sql/setup/account_admin_bootstrap.sql").read_text()
    for env in CLOUD_ENVIRONMENTS:
        deployer = ENVIRONMENTS[env].role("deployer")
        assert (
            f"GRANT EXECUTE ALERT, APPLY TAG, APPLY MASKING POLICY ON ACCOUNT TO ROLE {deployer};"
            in text
        )
        assert f"GRANT DATABASE ROLE SNOWFLAKE.ALERT_VIEWER TO ROLE {deployer};" in text
