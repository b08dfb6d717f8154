"""Failure alerts: Snowflake alerts on the pipeline's observability tables, notifying by
e-mail and a chat webhook.

One ``snowflake_alert`` per condition in ``toolkit.alerts.CONDITIONS`` — the same SQL the
local runner checks after every run — whose tables exist in Snowflake (data-quality
results are local-only for now; in Snowflake a failing dbt test fails the dbt task, which
the ``failed_step`` alert reports), each rendered with only the rows new since the
alert's last successful check. The action sends one plain-text message to both
notification integrations with ``SYSTEM$SEND_SNOWFLAKE_NOTIFICATION``
(https://docs.snowflake.com/en/sql-reference/stored-procedures/system_send_snowflake_notification).

Why alerts rather than the root task's ``ERROR_INTEGRATION``: a task's error integration
only publishes to a cloud queue (SNS, Pub/Sub, Event Grid), not e-mail or a webhook
(https://docs.snowflake.com/en/user-guide/tasks-errors-integrate), and the DAG's finalizer
already records each failed task in OBSERVABILITY.PIPELINE_RUNS, which the
``failed_step`` condition reads.

Objects, all created by the environment's deployer role (which owns the database the
conditions read):

- the e-mail integration (``snowflake_email_notification_integration``, recipients from
  ``toolkit.config``; they must be verified users of the account);
- the webhook integration: provider 2.x has no webhook type (its
  ``snowflake_notification_integration`` takes AZURE_STORAGE_QUEUE, AWS_SNS, GCP_PUBSUB —
  docs/resources/notification_integration.md at v2.20.0), so ``snowflake_execute`` runs
  ``CREATE NOTIFICATION INTEGRATION … TYPE = WEBHOOK``
  (https://docs.snowflake.com/en/sql-reference/sql/create-notification-integration-webhooks).
  Its URL carries ``SNOWFLAKE_WEBHOOK_SECRET``, replaced by the generic-string secret
  object the stack creates (``snowflake_secret_with_generic_string``, docs at v2.20.0) with
  a placeholder value: the real webhook secret never enters this repository or the state.
  An administrator sets it once per environment, and Terraform leaves it alone (the
  provider does not read the value back — "External changes for this field won't be
  detected" — and the stack also ignores changes to it)::

      ALTER SECRET C360_DEV.PLATFORM.C360_ALERTS_WEBHOOK_SECRET
        SET SECRET_STRING = 'T000/B000/XXXX';   -- the part after /services/

- the alerts. The deployer needs the account privilege EXECUTE ALERT and the SNOWFLAKE database
  role ALERT_VIEWER (for LAST_SUCCESSFUL_SCHEDULED_TIME), granted once by ACCOUNTADMIN in
  sql/setup/account_admin_bootstrap.sql (https://docs.snowflake.com/en/user-guide/alerts).
"""

from __future__ import annotations

from cdktn import TerraformProvider, TerraformResourceLifecycle
from cdktn_provider_snowflake.alert import Alert
from cdktn_provider_snowflake.email_notification_integration import (
    EmailNotificationIntegration,
)
from cdktn_provider_snowflake.execute import Execute
from cdktn_provider_snowflake.secret_with_generic_string import SecretWithGenericString
from constructs import Construct

from stacks.naming import PLATFORM_SCHEMA, Names
from toolkit.alerts import CONDITIONS, AlertCondition, snowflake_condition
from toolkit.config import Environment

# Not a secret: what the stack stores until an administrator sets the real value.
WEBHOOK_SECRET_PLACEHOLDER = "unset: ALTER SECRET ... SET SECRET_STRING (see stacks/alerts.py)"


def sql_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def deadline_cron(schedule_cron: str, deadline_minutes: int) -> str:
    """The pipeline's daily cron moved later by the deadline: when an unfinished run is late."""
    minute, hour, *rest = schedule_cron.split()
    if not (minute.isdigit() and hour.isdigit()):
        raise ValueError(f"the pipeline schedule {schedule_cron!r} is not a fixed daily time")
    total = int(hour) * 60 + int(minute) + deadline_minutes
    if total >= 24 * 60:
        raise ValueError("the run deadline must fall on the day the pipeline starts")
    return " ".join([str(total % 60), str(total // 60), *rest])


def notification_action(
    env: Environment, condition: AlertCondition, integrations: list[str]
) -> str:
    """One plain-text message to every integration (an ARRAY_CONSTRUCT of configurations)."""
    message = (
        f"c360 {env.name}: {condition.title} ({condition.name}). "
        f"Open the app's Pipeline Health page, or query {env.database}.OBSERVABILITY."
    )
    targets = ", ".join(
        f"SNOWFLAKE.NOTIFICATION.INTEGRATION({sql_string(name)})" for name in integrations
    )
    return (
        "CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION("
        f"SNOWFLAKE.NOTIFICATION.TEXT_PLAIN({sql_string(message)}), "
        f"ARRAY_CONSTRUCT({targets}))"
    )


class Alerts(Construct):
    """Exposes ``email`` (integration), ``webhook`` (execute or None) and ``alerts``."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        env: Environment,
        names: Names,
        database: str,
        schemas: dict,
        provider: TerraformProvider,
        ready: list,
    ):
        super().__init__(scope, id_)
        settings = env.alerts
        prefix = env.role_prefix
        self.email_name = f"{prefix}_ALERTS_EMAIL"
        self.email = EmailNotificationIntegration(
            self,
            "email",
            provider=provider,
            name=self.email_name,
            enabled=True,
            allowed_recipients=list(settings.email_recipients),
            comment="c360 pipeline alerts (recipients from toolkit.config)",
        )
        integrations = [self.email_name]
        self.webhook = None
        self.secret = None
        platform = schemas[PLATFORM_SCHEMA].name
        if settings.webhook_url:
            self.webhook_name = f"{prefix}_ALERTS_WEBHOOK"
            self.secret = SecretWithGenericString(
                self,
                "webhook_secret",
                provider=provider,
                database=database,
                schema=platform,
                name=settings.webhook_secret,
                secret_string=WEBHOOK_SECRET_PLACEHOLDER,
                comment="chat webhook secret for c360 alerts: set by an administrator",
                lifecycle=TerraformResourceLifecycle(ignore_changes=["secret_string"]),
                depends_on=ready,
            )
            secret = names.in_platform(settings.webhook_secret)
            body = '{"text": "SNOWFLAKE_WEBHOOK_MESSAGE"}'
            self.webhook = Execute(
                self,
                "webhook",
                provider=provider,
                execute=(
                    f"CREATE NOTIFICATION INTEGRATION IF NOT EXISTS {self.webhook_name} "
                    f"TYPE = WEBHOOK ENABLED = TRUE "
                    f"WEBHOOK_URL = {sql_string(settings.webhook_url)} "
                    f"WEBHOOK_SECRET = {secret} "
                    f"WEBHOOK_BODY_TEMPLATE = {sql_string(body)} "
                    "WEBHOOK_HEADERS = ('Content-Type'='application/json') "
                    "COMMENT = 'c360 pipeline alerts to chat'"
                ),
                revert=f"DROP INTEGRATION IF EXISTS {self.webhook_name}",
                query=f"SHOW NOTIFICATION INTEGRATIONS LIKE '{self.webhook_name}'",
                depends_on=[*ready, self.secret],
            )
            integrations.append(self.webhook_name)

        warehouse = env.warehouse("transform").name
        channels = [self.email, *([self.webhook] if self.webhook else [])]
        self.alerts: dict[str, Alert] = {}
        for condition in CONDITIONS:
            if not condition.runs_in_snowflake():
                continue
            if condition.name == "run_overdue":
                schedule = {
                    "cron": {
                        "expression": deadline_cron(
                            env.schedule_cron, settings.run_deadline_minutes
                        ),
                        "time_zone": env.schedule_timezone,
                    }
                }
            else:
                schedule = {"interval": settings.check_every_minutes}
            self.alerts[condition.name] = Alert(
                self,
                f"alert_{condition.name}",
                provider=provider,
                database=database,
                schema=platform,
                name=f"C360_ALERT_{condition.name.upper()}",
                warehouse=warehouse,
                alert_schedule=schedule,
                condition=snowflake_condition(condition, env, database=names.database),
                action=notification_action(env, condition, integrations),
                enabled=True,
                comment=f"c360: {condition.title} (toolkit/alerts.py)",
                depends_on=[*ready, *channels],
            )
