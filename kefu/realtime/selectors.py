"""Reads (and the widget's writes, through actions) the consumers run in worker threads."""

from __future__ import annotations

import uuid

from kefu.accounts.actions import token_authenticate
from kefu.accounts.models import Agent
from kefu.contacts.models import Identity
from kefu.conversations.actions import ReceiveResult, message_receive, message_set_delivery
from kefu.conversations.models import Conversation, Message, Status
from kefu.conversations.selectors import conversations_visible_to
from kefu.conversations.streams import conversation_stream, inbox_stream, inbox_streams
from kefu.core.errors import KefuError
from kefu.core.models import EventStream
from kefu.inboxes.adapters.base import InboundAttachment, InboundMessage
from kefu.inboxes.adapters.widget import WidgetSession
from kefu.inboxes.models import ChannelType, Inbox
from kefu.inboxes.selectors import inboxes_visible_to


def stream_latest(streams: list[str]) -> dict[str, int]:
    known = dict(EventStream.objects.filter(key__in=streams).values_list("key", "last_seq"))
    return {s: known.get(s, 0) for s in streams}


def inbox_for_widget(inbox_id: str) -> Inbox | None:
    return Inbox.objects.filter(pk=inbox_id, channel_type=ChannelType.WEB_WIDGET, enabled=True).first()


def widget_conversations(inbox: Inbox, identity: str) -> list[Conversation]:
    contact_id = Identity.objects.filter(inbox=inbox, external_id=identity).values_list("contact_id", flat=True).first()
    if contact_id is None:
        return []
    return list(
        Conversation.objects.filter(inbox=inbox, contact_id=contact_id).exclude(status=Status.CLOSED).order_by("-last_activity_at")[:5]
    )


def widget_streams(inbox: Inbox, identity: str) -> list[str]:
    from kefu.status.selectors import announcement_stream

    return [*(f"conversation:{c.pk}" for c in widget_conversations(inbox, identity)), announcement_stream("widget")]


def widget_console_streams(inbox: Inbox, followed: dict[str, int]) -> list[str]:
    return [inbox_stream(inbox.pk, s.split(":", 1)[1]) for s in followed if s.startswith("conversation:")]


def widget_receive(
    inbox: Inbox, session: WidgetSession, *, body: object, client_id: str, email: str, name: str,
    attachment_ids: list[str] = (), ip: str = "", opens_conversation: bool = False,  # type: ignore[assignment]
) -> ReceiveResult:
    from kefu.inboxes.adapters.widget import (
        check_widget_rate,
        widget_uploads_discard,
        widget_uploads_load,
    )

    source_id = f"{session.source_prefix}{client_id}"
    check_widget_rate("message", session.identity)
    if opens_conversation and ip:
        check_widget_rate("conversation_new", ip)
    try:
        uploads = widget_uploads_load(session=session, upload_ids=list(attachment_ids))
    except KefuError as exc:
        # A retry of a message already stored took its uploads with it the first time.
        existing = Message.objects.select_related("conversation").filter(inbox=inbox, source_id=source_id).first()
        if exc.code == "attachment_missing" and existing is not None:
            return ReceiveResult(existing, existing.conversation, created=False)
        raise
    result = message_receive(
        inbox=inbox,
        inbound=InboundMessage(
            identity=session.identity, body=body if isinstance(body, str) else (None if not uploads else ""),  # type: ignore[arg-type]
            source_id=source_id, exchange_uid=session.exchange_uid,
            email=email[:254] if isinstance(email, str) else "", name=name[:200] if isinstance(name, str) else "",
            attachments=tuple(InboundAttachment(filename=u.filename, content=content) for u, content in uploads),
        ),
    )
    # Committed (message_receive ran its own transaction): the pending files are spent.
    widget_uploads_discard([u for u, _ in uploads])
    return result


def widget_mark_read(inbox: Inbox, identity: str, message_id: uuid.UUID) -> None:
    conversations = widget_conversations(inbox, identity)
    message = Message.objects.filter(pk=message_id, conversation__in=conversations, direction="outgoing", private=False).first()
    if message is not None:
        message_set_delivery(message=message, status="read")


def agent_by_token(token: str) -> Agent | None:
    return token_authenticate(token)


def console_streams(agent: Agent) -> list[str]:
    from kefu.status.selectors import announcement_stream

    inboxes = [s for pk in inboxes_visible_to(agent).values_list("pk", flat=True) for s in inbox_streams(pk)]
    return [*inboxes, announcement_stream("console")]


def console_signal_streams(agent: Agent, conversation_id: object) -> list[str] | None:
    try:
        cid = uuid.UUID(str(conversation_id))
    except ValueError:
        return None
    conversation = conversations_visible_to(agent).filter(pk=cid).values("pk", "inbox_id").first()
    if conversation is None:
        return None
    return [conversation_stream(conversation["pk"]), inbox_stream(conversation["inbox_id"], conversation["pk"])]
