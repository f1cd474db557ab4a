from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "kefu.automation"
    label = "automation"
    verbose_name = "Automation and webhooks"

    def ready(self) -> None:
        from kefu.automation.models import WebhookEndpoint
        from kefu.automation.tasks import (
            webhook_log_prune_job,
            webhook_sweep_job,
            webhooks_on_event,
        )
        from kefu.core.events import event_subscribe
        from kefu.core.schedule import JOBS, Job, job_register
        from kefu.safety.crypto import sealed_column, secret_store_register

        # After commit: the change is kept whatever happens to its webhooks.
        event_subscribe(webhooks_on_event)
        from django.db.models.signals import post_delete, post_save

        from kefu.automation.actions import webhook_endpoints_cache_clear

        for signal in (post_save, post_delete):
            signal.connect(
                webhook_endpoints_cache_clear,
                sender=WebhookEndpoint,
                dispatch_uid=f"webhook-endpoints-cache-{signal is post_save}",
            )
        if not any(j.name == "webhook_sweep" for j in JOBS):
            job_register(Job("webhook_sweep", 60, webhook_sweep_job))
            job_register(Job("webhook_log_prune", 3600, webhook_log_prune_job))
        secret_store_register("webhook secrets", sealed_column(WebhookEndpoint, "secret_sealed"))
        secret_store_register(
            "webhook previous secrets", sealed_column(WebhookEndpoint, "previous_secret_sealed")
        )
