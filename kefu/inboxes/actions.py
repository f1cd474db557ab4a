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
    inbox = Inbox.objects.create(name=name.strip(), channel_type=channel_type, config=config or {})
    if teams:
        inbox.teams.set(teams)
    return inbox


def inbox_link_team(*, inbox: Inbox, team: Team) -> None:
    inbox.teams.add(team)
