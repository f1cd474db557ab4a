"""Thin entry points: the event subscriber, the delivery task and the scheduled jobs."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.tasks import task

from kefu.core.events import Event


def webhooks_on_event(event: Event) -> None:
    from kefu.automation.actions import webhook_deliveries_create

    webhook_deliveries_create(event=event)


@task()
def webhook_deliver(delivery_ids: list[str]) -> dict[str, str]:
    from kefu.automation.actions import webhook_deliveries_attempt

    return webhook_deliveries_attempt(delivery_ids=delivery_ids)


def webhook_sweep_job() -> int:
    from kefu.automation.actions import webhook_deliveries_sweep

    return webhook_deliveries_sweep()


def webhook_log_prune_job() -> int:
    from kefu.automation.actions import webhook_log_prune
    from kefu.core.clock import now

    days = settings.WEBHOOK_LOG_RETENTION_DAYS
    return webhook_log_prune(older_than=now() - timedelta(days=days)) if days > 0 else 0
