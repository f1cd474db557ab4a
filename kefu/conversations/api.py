from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime
from typing import Any, Literal

from django.db.models import Exists, OuterRef, Q
from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja import Status as Reply

from kefu.accounts.models import Agent, Team
from kefu.api import agent_of
from kefu.conversations import actions
from kefu.conversations.models import Conversation, Priority, Status, Tag
from kefu.conversations.selectors import (
    access_attachment,
    access_conversation,
    conversation_state,
    conversation_states,
    conversations_for_list,
    message_state,
    messages_of,
)
from kefu.core.actors import Actor
from kefu.core.errors import ValidationFailed
from kefu.core.events import ConversationState, MessageState
from kefu.core.pagination import cursor_datetime, cursor_decode, cursor_encode
from kefu.inboxes.adapters.base import InboundAttachment

router = Router(tags=["conversations"])

MAX_PAGE = 100


class ConversationPage(Schema):
    items: list[ConversationState]
    next_cursor: str | None


class MessagePage(Schema):
    items: list[MessageState]
    next_cursor: str | None


class ConversationFilters(Schema):
    status: list[Literal["open", "pending", "snoozed", "resolved", "closed"]] = Field(
        default_factory=list
    )
    assignee: str | None = Field(None, description="an agent id, `me` or `none` (unassigned)")
    team: uuid.UUID | None = None
    priority: list[Literal["low", "normal", "high", "urgent"]] = Field(default_factory=list)
    inbox: uuid.UUID | None = None
    channel: str | None = None
    language: str | None = Field(None, max_length=16)
    tag: str | None = Field(None, max_length=64)
    contact: uuid.UUID | None = None
    q: str | None = Field(
        None, max_length=200, description="number, subject, contact name or email"
    )
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(25, ge=1, le=MAX_PAGE)


@router.get("", response=ConversationPage, summary="List conversations")
def conversation_list(request: HttpRequest, filters: Query[ConversationFilters]) -> HttpResponse:
    agent = agent_of(request)
    qs = conversations_for_list(agent)
    f = filters
    if f.status:
        qs = qs.filter(status__in=f.status)
    if f.assignee == "me":
        qs = qs.filter(assignee=agent)
    elif f.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif f.assignee:
        try:
            qs = qs.filter(assignee_id=uuid.UUID(f.assignee))
        except ValueError:
            raise ValidationFailed(
                "assignee must be an agent id, `me` or `none`", field="assignee"
            ) from None
    if f.team:
        qs = qs.filter(team_id=f.team)
    if f.priority:
        qs = qs.filter(priority__in=f.priority)
    if f.inbox:
        qs = qs.filter(inbox_id=f.inbox)
    if f.channel:
        qs = qs.filter(inbox__channel_type=f.channel)
    if f.language:
        qs = qs.filter(language=f.language)
    if f.tag:
        # The tag's id first, then a semi-join on it: the planner walks the activity index and
        # probes the tag links, with one table fewer to plan.
        tag_id = Tag.objects.filter(name=f.tag.strip().lower()).values_list("pk", flat=True).first()
        tagged = Conversation.tags.through.objects.filter(conversation_id=OuterRef("pk"), tag_id=tag_id)
        qs = qs.filter(Exists(tagged)) if tag_id is not None else qs.none()
    if f.contact:
        qs = qs.filter(contact_id=f.contact)
    if f.q:
        text = f.q.strip().lstrip("#")
        cond = (
            Q(subject__icontains=text)
            | Q(contact__name__icontains=text)
            | Q(contact__email__icontains=text)
        )
        if text.isdigit():
            cond |= Q(number=int(text))
        qs = qs.filter(cond)
    if f.cursor:
        moment, last_id = cursor_decode(f.cursor, size=2)
        at = cursor_datetime(moment)
        try:
            pk = uuid.UUID(last_id)
        except ValueError:
            raise ValidationFailed("cursor is not one this API returned", field="cursor") from None
        qs = qs.filter(Q(last_activity_at__lt=at) | Q(last_activity_at=at, id__lt=pk))
    rows = conversation_states(qs.order_by("-last_activity_at", "-id")[: f.limit + 1])
    more = len(rows) > f.limit
    rows = rows[: f.limit]
    page = ConversationPage.model_construct(
        items=rows,
        next_cursor=cursor_encode(rows[-1].last_activity_at, rows[-1].id) if more else None,
    )
    # Already-typed data: serialize once in pydantic-core instead of re-validating it.
    return HttpResponse(page.model_dump_json(), content_type="application/json")


@router.get("/{conversation_id}", response=ConversationState, summary="Get a conversation")
def conversation_get(request: HttpRequest, conversation_id: uuid.UUID) -> ConversationState:
    conversation = access_conversation(agent=agent_of(request), conversation_id=conversation_id)
    return conversation_state(conversation)


class ConversationPatch(Schema):
    subject: str | None = Field(None, max_length=300)
    priority: Priority | None = None
    topic: str | None = Field(None, max_length=64)
    language: str | None = Field(None, max_length=16)
    custom_attributes: dict[str, Any] | None = None


@router.patch(
    "/{conversation_id}",
    response=ConversationState,
    summary="Update subject, priority, topic, language or attributes",
)
def conversation_patch(
    request: HttpRequest, conversation_id: uuid.UUID, payload: ConversationPatch
) -> ConversationState:
    agent = agent_of(request)
    conversation = access_conversation(agent=agent, conversation_id=conversation_id)
    fields = payload.model_dump(exclude_unset=True, exclude_none=True)
    if "priority" in fields:
        fields["priority"] = str(fields["priority"])
    conversation = actions.conversation_update(
        conversation=conversation, actor=Actor.of_agent(agent), **fields
    )
    return conversation_state(conversation)


class AttachmentIn(Schema):
    filename: str = Field(..., min_length=1, max_length=255)
    content_base64: str


class ReplyIn(Schema):
    body: str = Field("", max_length=20000)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=10)
    cc: list[str] = Field(
        default_factory=list, max_length=20, description="email conversations only"
    )
    bcc: list[str] = Field(
        default_factory=list, max_length=20, description="email conversations only"
    )
    override_reason: str = Field(
        "",
        max_length=500,
        description="Send although the safety guard blocked it; recorded in the audit log.",
    )


def _attachments(items: list[AttachmentIn]) -> list[InboundAttachment]:
    out = []
    for i, a in enumerate(items):
        try:
            content = base64.b64decode(a.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationFailed(
                f"attachments[{i}].content_base64 is not valid base64",
                field=f"attachments.{i}.content_base64",
            ) from None
        out.append(InboundAttachment(filename=a.filename, content=content))
    return out


class MessageFilters(Schema):
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=MAX_PAGE)


@router.get(
    "/{conversation_id}/messages",
    response=MessagePage,
    summary="List messages, notes and activity, oldest first",
)
def message_list(
    request: HttpRequest, conversation_id: uuid.UUID, filters: Query[MessageFilters]
) -> dict[str, Any]:
    conversation = access_conversation(agent=agent_of(request), conversation_id=conversation_id)
    qs = messages_of(conversation)
    if filters.cursor:
        moment, last_id = cursor_decode(filters.cursor, size=2)
        at = cursor_datetime(moment)
        try:
            pk = uuid.UUID(last_id)
        except ValueError:
            raise ValidationFailed("cursor is not one this API returned", field="cursor") from None
        qs = qs.filter(Q(created_at__gt=at) | Q(created_at=at, id__gt=pk))
    rows = list(qs[: filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return {
        "items": [message_state(m) for m in rows],
        "next_cursor": cursor_encode(rows[-1].created_at, rows[-1].pk) if more else None,
    }


@router.post(
    "/{conversation_id}/messages", response={201: MessageState}, summary="Reply to the customer"
)
def message_reply(request: HttpRequest, conversation_id: uuid.UUID, payload: ReplyIn) -> Reply:
    agent = agent_of(request)
    conversation = access_conversation(agent=agent, conversation_id=conversation_id)
    message = actions.message_send(
        conversation=conversation,
        actor=Actor.of_agent(agent),
        body=payload.body,
        attachments=_attachments(payload.attachments),
        metadata=_email_copies(conversation, payload),
        override_reason=payload.override_reason,
    )
    return Reply(201, message_state(message))


def _email_copies(conversation: Any, payload: ReplyIn) -> dict[str, Any] | None:
    if not payload.cc and not payload.bcc:
        return None
    from kefu.inboxes.adapters.email.actions import email_recipients_clean
    from kefu.inboxes.models import ChannelType

    if conversation.inbox.channel_type != ChannelType.EMAIL:
        raise ValidationFailed("cc and bcc are only for email conversations", field="cc")
    cc = email_recipients_clean(payload.cc, field="cc")
    bcc = email_recipients_clean(payload.bcc, field="bcc")
    return {"email": {"cc": cc, "bcc": bcc}}


@router.post("/{conversation_id}/notes", response={201: MessageState}, summary="Add a private note")
def note_create(request: HttpRequest, conversation_id: uuid.UUID, payload: ReplyIn) -> Reply:
    agent = agent_of(request)
    conversation = access_conversation(agent=agent, conversation_id=conversation_id)
    message = actions.note_add(
        conversation=conversation,
        actor=Actor.of_agent(agent),
        body=payload.body,
        attachments=_attachments(payload.attachments),
    )
    return Reply(201, message_state(message))


class AssignIn(Schema):
    assignee_id: uuid.UUID | None = Field(None, description="an agent id; null unassigns")
    team_id: uuid.UUID | None = Field(None, description="a team id; null clears the team")


@router.post(
    "/{conversation_id}/assign",
    response=ConversationState,
    summary="Assign to an agent and/or a team",
)
def conversation_assign(
    request: HttpRequest, conversation_id: uuid.UUID, payload: AssignIn
) -> ConversationState:
    agent = agent_of(request)
    conversation = access_conversation(agent=agent, conversation_id=conversation_id)
    given = payload.model_fields_set
    if not given & {"assignee_id", "team_id"}:
        raise ValidationFailed("give assignee_id, team_id or both", field="assignee_id")
    kwargs: dict[str, Any] = {}
    if "assignee_id" in given:
        if payload.assignee_id is None:
            kwargs["assignee"] = None
        else:
            assignee = Agent.objects.filter(pk=payload.assignee_id).first()
            if assignee is None:
                raise ValidationFailed("no such agent", field="assignee_id")
            kwargs["assignee"] = assignee
    if "team_id" in given:
        if payload.team_id is None:
            kwargs["team"] = None
        else:
            team = Team.objects.filter(pk=payload.team_id).first()
            if team is None:
                raise ValidationFailed("no such team", field="team_id")
            kwargs["team"] = team
    conversation = actions.conversation_assign(
        conversation=conversation, actor=Actor.of_agent(agent), **kwargs
    )
    return conversation_state(conversation)


class StatusIn(Schema):
    status: Status
    snoozed_until: datetime | None = None


@router.post("/{conversation_id}/status", response=ConversationState, summary="Change status")
def conversation_status(
    request: HttpRequest, conversation_id: uuid.UUID, payload: StatusIn
) -> ConversationState:
    agent = agent_of(request)
    conversation = access_conversation(agent=agent, conversation_id=conversation_id)
    if payload.snoozed_until is not None and payload.snoozed_until.tzinfo is None:
        raise ValidationFailed(
            "snoozed_until needs a time zone (e.g. 2026-01-01T09:00:00Z)", field="snoozed_until"
        )
    conversation = actions.conversation_set_status(
        conversation=conversation,
        actor=Actor.of_agent(agent),
        status=str(payload.status),
        snoozed_until=payload.snoozed_until,
    )
    return conversation_state(conversation)


class TagsIn(Schema):
    tags: list[str] = Field(..., min_length=1, max_length=20)


@router.post("/{conversation_id}/tags", response=ConversationState, summary="Add tags")
def conversation_tags_add(
    request: HttpRequest, conversation_id: uuid.UUID, payload: TagsIn
) -> ConversationState:
    agent = agent_of(request)
    conversation = access_conversation(agent=agent, conversation_id=conversation_id)
    conversation = actions.tag_add(
        conversation=conversation, actor=Actor.of_agent(agent), names=payload.tags
    )
    return conversation_state(conversation)


@router.delete("/{conversation_id}/tags/{tag}", response=ConversationState, summary="Remove a tag")
def conversation_tag_remove(
    request: HttpRequest, conversation_id: uuid.UUID, tag: str
) -> ConversationState:
    agent = agent_of(request)
    conversation = access_conversation(agent=agent, conversation_id=conversation_id)
    conversation = actions.tag_remove(
        conversation=conversation, actor=Actor.of_agent(agent), names=[tag]
    )
    return conversation_state(conversation)


attachments_router = Router(tags=["conversations"])


@attachments_router.get("/{attachment_id}", summary="Download an attachment", response={200: None})
def attachment_download(request: HttpRequest, attachment_id: uuid.UUID) -> FileResponse:
    attachment = access_attachment(agent=agent_of(request), attachment_id=attachment_id)
    inline = (
        attachment.content_type.startswith("image/") or attachment.content_type == "application/pdf"
    )
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=not inline,
        filename=attachment.filename,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, max-age=300"
    return response
