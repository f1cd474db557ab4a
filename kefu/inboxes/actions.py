from __future__ import annotations

from typing import Any

from django.db import transaction

from kefu.accounts.models import Team
from kefu.core.actors import Actor
from kefu.core.errors import ValidationFailed
from kefu.inboxes.models import ChannelType, Inbox
from kefu.safety.crypto import RotationCount


@transaction.atomic
def inbox_create(
    *,
    name: str,
    channel_type: str,
    config: dict[str, Any] | None = None,
    teams: list[Team] | None = None,
) -> Inbox:
    if channel_type not in ChannelType.values:
        raise ValidationFailed(
            f"channel_type must be one of {', '.join(ChannelType.values)}", field="channel_type"
        )
    if not name.strip():
        raise ValidationFailed("inbox name is required", field="name")
    config = dict(config or {})
    if channel_type == ChannelType.EMAIL and "email" in config:
        from kefu.inboxes.adapters.email.config import email_config_clean

        # Passwords given at creation are sealed like any later change (never stored in clear).
        config["email"] = email_config_clean(config["email"])
    inbox = Inbox.objects.create(name=name.strip(), channel_type=channel_type, config=config)
    if teams:
        inbox.teams.set(teams)
    return inbox


def inbox_link_team(*, inbox: Inbox, team: Team) -> None:
    inbox.teams.add(team)


@transaction.atomic
def inbox_secret_rotate(*, inbox: Inbox, actor: Actor) -> str:
    """A new HMAC key for the inbox; returned in clear once. The old one stops working at once
    (user_hash values and signed calls made with it are refused), so the exchange deploys the
    new one right after."""
    from kefu.inboxes.models import _inbox_secret
    from kefu.safety.actions import audit_record
    from kefu.safety.crypto import secret_encrypt

    clear = _inbox_secret()
    inbox.secret_sealed = secret_encrypt(clear)
    inbox.save(update_fields=inbox.touch_fields("secret_sealed"))
    audit_record(
        actor=actor,
        action="inbox.secret_rotated",
        object_type="inbox",
        object_id=str(inbox.pk),
        data={},
    )
    return clear


def inbox_email_secrets_rotate() -> RotationCount:
    """Key rotation for the mail server passwords sealed inside email inboxes' config."""
    from kefu.safety.crypto import SecretUnreadable, secret_rotate

    count = RotationCount()
    for inbox in Inbox.objects.filter(channel_type=ChannelType.EMAIL).iterator():
        with transaction.atomic():
            locked = Inbox.objects.select_for_update().get(pk=inbox.pk)
            email = dict((locked.config or {}).get("email") or {})
            changed = False
            for kind in ("imap", "smtp"):
                server = dict(email.get(kind) or {})
                if not server.get("secret"):
                    continue
                try:
                    server["secret"] = secret_rotate(server["secret"])
                except SecretUnreadable:
                    count.unreadable += 1
                    continue
                email[kind] = server
                changed = True
                count.rotated += 1
            if changed:
                locked.config = {**locked.config, "email": email}
                locked.save(update_fields=locked.touch_fields("config"))
    return count
