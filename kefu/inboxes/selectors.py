from __future__ import annotations

from django.db.models import QuerySet

from kefu.accounts.models import Agent
from kefu.accounts.permissions import Perm, agent_can
from kefu.core.errors import NotFound
from kefu.inboxes.models import Inbox


def inboxes_visible_to(agent: Agent) -> QuerySet[Inbox]:
    if agent_can(agent, Perm.CONVERSATION_VIEW_ALL):
        return Inbox.objects.all()
    return Inbox.objects.filter(teams__members=agent).distinct()


def access_inbox(*, agent: Agent, inbox_id: object) -> Inbox:
    inbox = inboxes_visible_to(agent).filter(pk=inbox_id).first()
    if inbox is None:
        raise NotFound("no such inbox")
    return inbox
