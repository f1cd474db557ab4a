"""Background tasks of the inboxes app. Thin: they call actions."""

from __future__ import annotations

from django.tasks import task


@task()
def email_deliver(message_id: str) -> str:
    from kefu.inboxes.adapters.email.actions import email_reply_deliver

    return email_reply_deliver(message_id=message_id)
