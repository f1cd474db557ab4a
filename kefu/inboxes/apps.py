from django.apps import AppConfig


class InboxesConfig(AppConfig):
    name = "kefu.inboxes"
    label = "inboxes"
    verbose_name = "Inboxes"

    def ready(self) -> None:
        from django.conf import settings

        from kefu.core.events import event_subscribe
        from kefu.core.schedule import JOBS, Job, job_register
        from kefu.inboxes.adapters.email.actions import (
            email_inboxes_poll,
            email_outbound_on_event,
            email_outbox_sweep,
        )

        event_subscribe(email_outbound_on_event)
        _secret_stores_register()
        if not any(j.name == "email_poll" for j in JOBS):
            job_register(Job("email_poll", settings.EMAIL_POLL_SECONDS, email_inboxes_poll))
            job_register(Job("email_outbox", settings.EMAIL_OUTBOX_SECONDS, email_outbox_sweep))


def _secret_stores_register() -> None:
    from kefu.inboxes.actions import inbox_email_secrets_rotate
    from kefu.inboxes.models import Inbox
    from kefu.safety.crypto import sealed_column, secret_store_register

    secret_store_register("inbox secrets", sealed_column(Inbox, "secret_sealed"))
    secret_store_register("mail server passwords", inbox_email_secrets_rotate)
