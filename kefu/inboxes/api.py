from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja import Status as Reply

from kefu.accounts.models import Agent, Team
from kefu.accounts.permissions import Perm, agent_can
from kefu.api import TokenAuth, agent_of
from kefu.conversations.actions import message_receive
from kefu.conversations.api import AttachmentIn, _attachments
from kefu.conversations.selectors import conversation_state, message_state
from kefu.core.errors import NotFound, PermissionDenied, ValidationFailed
from kefu.core.events import ConversationState, MessageState
from kefu.inboxes.actions import inbox_create
from kefu.inboxes.adapters.base import InboundMessage
from kefu.inboxes.models import ChannelType, Inbox
from kefu.inboxes.selectors import access_inbox, inboxes_visible_to
from kefu.safety.signing import signature_verify

router = Router(tags=["inboxes"])


class InboxOut(Schema):
    id: uuid.UUID
    name: str
    channel_type: ChannelType
    enabled: bool
    team_ids: list[uuid.UUID]
    created_at: datetime


def _out(inbox: Inbox) -> dict[str, Any]:
    return {
        "id": inbox.pk,
        "name": inbox.name,
        "channel_type": inbox.channel_type,
        "enabled": inbox.enabled,
        "team_ids": [t.pk for t in inbox.teams.all()],
        "created_at": inbox.created_at,
    }


@router.get("", response=list[InboxOut], summary="Inboxes you can see")
def inbox_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        _out(i)
        for i in inboxes_visible_to(agent_of(request)).prefetch_related("teams").order_by("name")
    ]


@router.get("/{inbox_id}", response=InboxOut, summary="Get an inbox")
def inbox_get(request: HttpRequest, inbox_id: uuid.UUID) -> dict[str, Any]:
    return _out(access_inbox(agent=agent_of(request), inbox_id=inbox_id))


class InboxIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    channel_type: ChannelType
    team_ids: list[uuid.UUID] = Field(default_factory=list)
    config: dict[str, Any] = Field(default_factory=dict)


@router.post("", response={201: InboxOut}, summary="Create an inbox (admins)")
def inbox_add(request: HttpRequest, payload: InboxIn) -> Reply:
    if not agent_can(agent_of(request), Perm.INBOX_MANAGE):
        raise PermissionDenied("only admins create inboxes")
    teams = list(Team.objects.filter(pk__in=payload.team_ids))
    if len(teams) != len(set(payload.team_ids)):
        raise ValidationFailed("one of team_ids is not a team", field="team_ids")
    inbox = inbox_create(
        name=payload.name,
        channel_type=str(payload.channel_type),
        config=payload.config,
        teams=teams,
    )
    return Reply(201, _out(inbox))


class InboundIn(Schema):
    identity: str = Field(
        ..., min_length=1, max_length=255, description="the customer's id in your system"
    )
    body: str = Field("", max_length=20000)
    source_id: str | None = Field(
        None,
        min_length=1,
        max_length=255,
        description="your message id; a retry with the same id creates nothing",
    )
    name: str = Field("", max_length=200)
    email: str = Field("", max_length=254)
    subject: str = Field("", max_length=300)
    language: str = Field("", max_length=16)
    exchange_uid: str = Field(
        "", max_length=64, description="the customer's exchange UID, if your system verified it"
    )
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=10)


class InboundOut(Schema):
    created: bool
    message: MessageState
    conversation: ConversationState


@router.post(
    "/{inbox_id}/messages",
    auth=None,
    response={200: InboundOut, 201: InboundOut},
    summary="Deliver a customer message into an API inbox",
    description="Authenticate with `X-Kefu-Signature: t=<unix>,v1=<hex HMAC-SHA256(inbox secret, t + '.' + body)>` "
    "or an admin's bearer token. Returns 201 for a new message and 200 for a re-delivery of a known source_id.",
)
def inbound_message(request: HttpRequest, inbox_id: uuid.UUID, payload: InboundIn) -> Reply:
    inbox = Inbox.objects.filter(pk=inbox_id, channel_type=ChannelType.API).first()
    signature = request.headers.get("X-Kefu-Signature", "")
    if signature:
        if inbox is None or not signature_verify(
            secret=inbox.signing_secret(), body=request.body, header=signature
        ):
            raise PermissionDenied("the request signature is not valid for this inbox")
    else:
        agent = _bearer_agent(request)
        if not agent_can(agent, Perm.INBOX_MANAGE):
            raise PermissionDenied(
                "only a signed request or an admin token may post customer messages"
            )
        if inbox is None:
            raise NotFound("no such API inbox")
    assert inbox is not None
    result = message_receive(
        inbox=inbox,
        inbound=InboundMessage(
            identity=payload.identity,
            body=payload.body,
            source_id=payload.source_id,
            name=payload.name,
            email=payload.email,
            subject=payload.subject,
            language=payload.language,
            exchange_uid=payload.exchange_uid,
            attachments=tuple(_attachments(payload.attachments)),
        ),
    )
    body = {
        "created": result.created,
        "message": message_state(result.message),
        "conversation": conversation_state(result.conversation),
    }
    return Reply(201 if result.created else 200, body)


def _bearer_agent(request: HttpRequest) -> Agent:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    agent = TokenAuth().authenticate(request, token.strip()) if scheme.lower() == "bearer" else None
    if agent is None:
        from ninja.errors import AuthenticationError

        raise AuthenticationError()
    return agent


# --- email inboxes ---------------------------------------------------------------------------


class EmailServerIn(Schema):
    host: str = Field(..., max_length=253)
    port: int | None = Field(None, ge=1, le=65535)
    security: str = Field("ssl", description="ssl (implicit TLS), starttls or plain")
    username: str = Field("", max_length=255)
    auth: str = Field("password", description="password, or xoauth2 with an OAuth2 access token")
    password: str | None = Field(
        None, description="write-only; omit or leave empty to keep the stored one"
    )
    verify_tls: bool = True
    folders: list[str] | None = Field(None, description="IMAP only; default INBOX")
    after_import: str | None = Field(None, description="IMAP only: flag (default) or move")
    move_to: str | None = Field(None, description="IMAP only: the folder for `move`")


class EmailConfigIn(Schema):
    address: str = Field(..., max_length=254, description="the support mailbox's address")
    from_name: str = Field("", max_length=120)
    brand: str = Field("", max_length=120)
    acknowledge: bool = True
    imap: EmailServerIn | None = None
    smtp: EmailServerIn | None = None


class EmailImportFailureOut(Schema):
    id: uuid.UUID
    folder: str
    uid: int | None
    message_id: str
    sender: str
    subject: str
    reason: str
    size: int
    created_at: datetime


def _email_inbox_managed(request: HttpRequest, inbox_id: uuid.UUID) -> Inbox:
    agent = agent_of(request)
    if not agent_can(agent, Perm.INBOX_MANAGE):
        raise PermissionDenied("only admins see and change mail server settings")
    inbox = access_inbox(agent=agent, inbox_id=inbox_id)
    if inbox.channel_type != ChannelType.EMAIL:
        raise NotFound("no such email inbox")
    return inbox


@router.get(
    "/{inbox_id}/email",
    response=dict[str, Any],
    summary="An email inbox's mail server settings (admins; passwords never returned)",
)
def email_config_get(request: HttpRequest, inbox_id: uuid.UUID) -> dict[str, Any]:
    from kefu.inboxes.adapters.email.config import email_config_public

    return email_config_public(_email_inbox_managed(request, inbox_id).config)


@router.put(
    "/{inbox_id}/email",
    response=dict[str, Any],
    summary="Set an email inbox's addresses and IMAP/SMTP servers (admins)",
)
def email_config_put(
    request: HttpRequest, inbox_id: uuid.UUID, payload: EmailConfigIn
) -> dict[str, Any]:
    from kefu.inboxes.adapters.email.actions import email_inbox_configure
    from kefu.inboxes.adapters.email.config import email_config_public

    inbox = email_inbox_configure(
        inbox=_email_inbox_managed(request, inbox_id),
        data=payload.model_dump(exclude_none=True),
    )
    return email_config_public(inbox.config)


@router.get(
    "/{inbox_id}/email/failures",
    response=list[EmailImportFailureOut],
    summary="Mail that could not be imported (admins), newest first",
)
def email_failures_list(request: HttpRequest, inbox_id: uuid.UUID) -> list[Any]:
    from kefu.inboxes.adapters.email.selectors import email_failures_open

    return list(email_failures_open(inbox=_email_inbox_managed(request, inbox_id))[:200])
