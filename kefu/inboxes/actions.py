from __future__ import annotations

from typing import Any

from django.db import transaction

from kefu.accounts.models import Team
from kefu.core.errors import ValidationFailed
from kefu.inboxes.models import ChannelType, Inbox


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
