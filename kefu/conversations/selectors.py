from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet

from kefu.accounts.models import Agent
from kefu.accounts.permissions import Perm, agent_can
from kefu.conversations.models import Attachment, Conversation, Message
from kefu.core.errors import NotFound
from kefu.core.events import (
    ActorRef,
    AgentRef,
    AttachmentState,
    ContactRef,
    ConversationState,
    MessageState,
    PublicConversationState,
    TeamRef,
)


def conversations_visible_to(agent: Agent) -> QuerySet[Conversation]:
    """Conversations in the inboxes of the agent's teams; every inbox for those allowed."""
    qs = Conversation.objects.all()
    if agent_can(agent, Perm.CONVERSATION_VIEW_ALL):
        return qs
    # The agent's inboxes are read first (a handful of rows) and passed as a list. As a subquery
    # they brought four more tables into every list query and PostgreSQL spent 3.5 ms planning
    # it against 1 ms executing it (100k conversations).
    from kefu.inboxes.models import Inbox

    inbox_ids = list(Inbox.objects.filter(teams__members=agent).order_by().values_list("pk", flat=True).distinct())
    return qs.filter(inbox_id__in=inbox_ids)


def conversations_for_list(agent: Agent) -> QuerySet[Conversation]:
    return conversations_visible_to(agent)


_ROW_FIELDS = (
    "id",
    "number",
    "inbox_id",
    "contact_id",
    "contact__name",
    "contact__email",
    "subject",
    "status",
    "priority",
    "assignee_id",
    "team_id",
    "topic",
    "language",
    "custom_attributes",
    "waiting_since",
    "first_response_at",
    "resolved_at",
    "snoozed_until",
    "last_activity_at",
    "created_at",
)


def conversation_states(qs: QuerySet[Conversation]) -> list[ConversationState]:
    """States for a page of conversations: plain rows, no model instances.

    The list is the console's hottest read; plain rows cost a fraction of ~100 model objects.
    The page is read with its contact only; the channel, assignee and team names come from
    their small tables by id afterwards. Joined into the page query, they made PostgreSQL
    spend longer planning it (2-6 ms at 100k conversations) than running it.
    """
    from kefu.accounts.models import Team
    from kefu.inboxes.models import Inbox

    rows = list(qs.values(*_ROW_FIELDS))
    tags: dict[object, list[str]] = {r["id"]: [] for r in rows}
    channels: dict[Any, str] = {}
    agents: dict[Any, str] = {}
    teams: dict[Any, str] = {}
    if rows:
        through = Conversation.tags.through
        for cid, name in through.objects.filter(conversation_id__in=list(tags)).values_list(
            "conversation_id", "tag__name"
        ):
            tags[cid].append(name)
        channels, agents, teams = _names_by_id(
            (Inbox, "channel_type", {r["inbox_id"] for r in rows}),
            (Agent, "display_name", {r["assignee_id"] for r in rows} - {None}),
            (Team, "name", {r["team_id"] for r in rows} - {None}),
        )
    return [
        ConversationState.model_construct(
            id=r["id"],
            number=r["number"],
            inbox_id=r["inbox_id"],
            channel=channels.get(r["inbox_id"], ""),
            contact=ContactRef.model_construct(
                id=r["contact_id"], name=r["contact__name"] or r["contact__email"] or "Visitor"
            ),
            subject=r["subject"],
            status=r["status"],
            priority=r["priority"],
            assignee=AgentRef.model_construct(
                id=r["assignee_id"], display_name=agents.get(r["assignee_id"], "")
            )
            if r["assignee_id"]
            else None,
            team=TeamRef.model_construct(id=r["team_id"], name=teams.get(r["team_id"], ""))
            if r["team_id"]
            else None,
            topic=r["topic"],
            language=r["language"],
            tags=sorted(tags[r["id"]]),
            custom_attributes=r["custom_attributes"],
            waiting_since=r["waiting_since"],
            first_response_at=r["first_response_at"],
            resolved_at=r["resolved_at"],
            snoozed_until=r["snoozed_until"],
            last_activity_at=r["last_activity_at"],
            created_at=r["created_at"],
        )
        for r in rows
    ]


def _names_by_id(*wanted: tuple[Any, str, set[Any]]) -> list[dict[Any, str]]:
    """For each (model, column, ids): {id: that column}, all in one UNION ALL statement."""
    parts, params = [], []
    for i, (model, column, ids) in enumerate(wanted):
        if ids:
            marks = ", ".join(["%s"] * len(ids))
            parts.append(f"SELECT {i}, id, {column} FROM {model._meta.db_table} WHERE id IN ({marks})")  # noqa: S608 - names from model meta, values as parameters
            params += [model._meta.pk.get_db_prep_value(v, connection) for v in ids]
    out: list[dict[Any, str]] = [{} for _ in wanted]
    if parts:
        with connection.cursor() as cur:
            cur.execute(" UNION ALL ".join(parts), params)
            for i, pk, value in cur.fetchall():
                out[int(i)][pk if isinstance(pk, uuid.UUID) else uuid.UUID(str(pk))] = value
    return out


def access_conversation(
    *, agent: Agent, conversation_id: object, lock: bool = False
) -> Conversation:
    qs = conversations_visible_to(agent)
    if lock:
        qs = qs.select_for_update(of=("self",))
    conversation = (
        qs.filter(pk=conversation_id).select_related("contact", "inbox", "assignee", "team").first()
    )
    if conversation is None:
        raise NotFound("no such conversation")
    return conversation


def conversation_by_number(*, agent: Agent, number: int) -> Conversation:
    conversation = conversations_visible_to(agent).filter(number=number).first()
    if conversation is None:
        raise NotFound(f"no conversation #{number}")
    return conversation


def messages_of(conversation: Conversation, *, include_private: bool = True) -> QuerySet[Message]:
    qs = conversation.messages.select_related("author_agent", "author_contact").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("created_at"))
    )
    if not include_private:
        qs = qs.filter(private=False).filter(~Q(direction="activity"))
    return qs.order_by("created_at", "id")


# --- state: the shapes the API returns and events carry --------------------------------------


def conversation_tag_names(conversation_id: object) -> list[str]:
    """A conversation's tag names, sorted: one plain query (events build states on hot paths)."""
    through = Conversation.tags.through
    tag_table = through._meta.get_field("tag").related_model._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT t.name FROM {tag_table} t JOIN {through._meta.db_table} ct ON ct.tag_id = t.id "  # noqa: S608 - table names from model meta, values as parameters
            "WHERE ct.conversation_id = %s",
            [Conversation._meta.pk.get_db_prep_value(conversation_id, connection)],
        )
        return sorted(name for (name,) in cur.fetchall())


def conversation_state(
    conversation: Conversation, *, tags: list[str] | None = None
) -> ConversationState:
    if tags is None:
        prefetched = getattr(conversation, "_prefetched_objects_cache", {}).get("tags")
        tags = (
            sorted(t.name for t in prefetched)
            if prefetched is not None
            else conversation_tag_names(conversation.pk)
        )
    c = conversation
    return ConversationState(
        id=c.pk,
        number=c.number,
        inbox_id=c.inbox_id,
        channel=c.inbox.channel_type,
        contact=ContactRef(id=c.contact.pk, name=c.contact.name or c.contact.email or "Visitor"),
        subject=c.subject,
        status=c.status,
        priority=c.priority,
        assignee=AgentRef(id=c.assignee.pk, display_name=c.assignee.display_name)
        if c.assignee
        else None,
        team=TeamRef(id=c.team.pk, name=c.team.name) if c.team else None,
        topic=c.topic,
        language=c.language,
        tags=tags,
        custom_attributes=c.custom_attributes,
        waiting_since=c.waiting_since,
        first_response_at=c.first_response_at,
        resolved_at=c.resolved_at,
        snoozed_until=c.snoozed_until,
        last_activity_at=c.last_activity_at,
        created_at=c.created_at,
    )


def conversation_public_state(conversation: Conversation) -> PublicConversationState:
    c = conversation
    return PublicConversationState(
        id=c.pk,
        number=c.number,
        status=c.status,
        assignee_name=c.assignee.display_name if c.assignee else None,
    )


def message_author(message: Message) -> ActorRef | None:
    if message.author_agent is not None:
        return ActorRef(
            kind="agent",
            id=str(message.author_agent.pk),
            label=message.author_agent.display_name,
            support_id=message.author_agent.support_id,
        )
    if message.author_contact is not None:
        contact = message.author_contact
        return ActorRef(
            kind="contact", id=str(contact.pk), label=contact.name or contact.email or "Customer"
        )
    if message.author_label:
        kind = "bot" if message.author_label == "bot" else "system"
        return ActorRef(kind=kind, id=message.author_label, label=message.author_label)
    return None


def message_state(message: Message, *, attachments: list[Attachment] | None = None) -> MessageState:
    if attachments is None:
        attachments = list(message.attachments.all())
    return MessageState(
        id=message.pk,
        conversation_id=message.conversation_id,
        direction=message.direction,
        private=message.private,
        author=message_author(message),
        body=message.body,
        source_id=message.source_id,
        delivery_status=message.delivery_status,
        delivery_error=message.delivery_error,
        redactions=list(message.redactions),
        attachments=[
            AttachmentState(
                id=a.pk,
                filename=a.filename,
                content_type=a.content_type,
                size=a.size,
                # Never the storage URL: attachments (KYC documents, screenshots) are served
                # only through permission-checked endpoints.
                url=f"/api/v1/attachments/{a.pk}",
            )
            for a in attachments
        ],
        created_at=message.created_at,
        anti_phishing_code=message.metadata.get("anti_phishing_code", "")
        if message.direction == "outgoing" and not message.private
        else "",
    )


# --- console reads ---------------------------------------------------------------------------


def conversation_list_extras(conversation_ids: list[Any]) -> dict[Any, dict[str, Any]]:
    """What a console list row shows beyond the state: the contact's VIP tier and a preview of
    the last message (notes included, activity lines not). One query."""
    from django.db.models import OuterRef, Subquery
    from django.db.models.functions import Substr

    last = (
        Message.objects.filter(conversation=OuterRef("pk"))
        .exclude(direction="activity")
        .order_by("-created_at", "-id")
    )
    rows = (
        Conversation.objects.filter(pk__in=conversation_ids)
        .annotate(
            preview=Subquery(last.annotate(snip=Substr("body", 1, 200)).values("snip")[:1]),
            preview_direction=Subquery(last.values("direction")[:1]),
            preview_private=Subquery(last.values("private")[:1]),
        )
        .values("id", "contact__vip_tier", "preview", "preview_direction", "preview_private")
    )
    return {
        r["id"]: {
            "vip_tier": r["contact__vip_tier"],
            "preview": " ".join((r["preview"] or "").split()),
            "preview_direction": r["preview_direction"] or "",
            "preview_private": bool(r["preview_private"]),
        }
        for r in rows
    }


def conversation_waiting_message_times(conversation_ids: list[Any]) -> dict[Any, list[datetime]]:
    """When the customer wrote since each conversation started waiting on an answer: what can be
    unread. (An answer clears waiting_since, so older messages were handled.) One query."""
    from django.db.models import F

    out: dict[Any, list[datetime]] = {}
    rows = Message.objects.filter(
        conversation_id__in=conversation_ids,
        direction="incoming",
        private=False,
        conversation__waiting_since__isnull=False,
        created_at__gte=F("conversation__waiting_since"),
    ).values_list("conversation_id", "created_at")
    for cid, at in rows:
        out.setdefault(cid, []).append(at)
    return out


def messages_by_ids(conversation: Conversation, message_ids: list[Any]) -> QuerySet[Message]:
    return messages_of(conversation).filter(pk__in=message_ids)


def contact_conversations(
    *, agent: Agent, contact_id: Any, exclude: Any = None, limit: int = 10
) -> list[Conversation]:
    """The contact's conversations on any channel that the agent may see, newest first."""
    qs = conversations_visible_to(agent).filter(contact_id=contact_id).select_related("inbox")
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return list(qs.order_by("-last_activity_at", "-id")[:limit])


def conversation_assignable_agents(conversation: Conversation) -> QuerySet[Agent]:
    """Active agents who may be assigned: those who see the inbox and may reply."""
    from kefu.accounts.permissions import ROLE_PERMS

    sees_all = [r for r, perms in ROLE_PERMS.items() if Perm.CONVERSATION_VIEW_ALL in perms]
    may_reply = [r for r, perms in ROLE_PERMS.items() if Perm.CONVERSATION_REPLY in perms]
    from kefu.accounts.models import Team

    in_inbox = Team.objects.filter(inboxes=conversation.inbox_id).values("members")
    return (
        Agent.objects.filter(is_active=True, role__in=may_reply)
        .filter(Q(pk__in=in_inbox) | Q(role__in=sees_all))
        .order_by("display_name")
    )


def access_attachment(*, agent: Agent, attachment_id: Any) -> Attachment:
    attachment = (
        Attachment.objects.filter(
            pk=attachment_id, message__conversation__in=conversations_visible_to(agent).values("pk")
        )
        .select_related("message")
        .first()
    )
    if attachment is None:
        raise NotFound("no such attachment")
    return attachment
