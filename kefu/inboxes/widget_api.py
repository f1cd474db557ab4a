"""HTTP side of the chat widget: sessions, the current conversation, attachments, email.

The widget runs on the exchange's pages, another origin: every answer here (errors included)
carries CORS headers, and each path answers the browser's preflight. Nothing here rides on
cookies, so any origin may call; the session token in `X-Kefu-Session` is the credential.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja import Status as Reply

from kefu.conversations.selectors import conversation_public_state, message_state, messages_of
from kefu.core.events import AnnouncementState, MessageState, PublicConversationState
from kefu.inboxes.adapters.widget import (
    RateLimited,
    WidgetSession,
    check_widget_email,
    check_widget_rate,
    check_widget_session_open,
    check_widget_upload,
    client_ip,
    expected_response_text,
    widget_attachment,
    widget_availability,
    widget_contact,
    widget_inbox,
    widget_session_load,
)
from kefu.realtime import selectors as rt

router = Router(tags=["widget"], auth=None)

_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, X-Kefu-Session",
    "Access-Control-Expose-Headers": "Retry-After",
    "Access-Control-Max-Age": "86400",
}


def _cross_origin(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = run(request, *args, **kwargs)
        for key, value in _CORS.items():
            response[key] = value
        retry_after = getattr(request, "kefu_retry_after", None)
        if response.status_code == 429 and retry_after:
            response["Retry-After"] = str(retry_after)
        return response

    return wrapper


# "view" mode wraps the whole operation, so error responses get the headers too.
router.add_decorator(_cross_origin, mode="view")


def _limit(request: HttpRequest, name: str, key: str) -> None:
    try:
        check_widget_rate(name, key)
    except RateLimited as exc:
        request.kefu_retry_after = exc.retry_after  # type: ignore[attr-defined]
        raise


def _ip(request: HttpRequest) -> str:
    return client_ip(request.META.get("REMOTE_ADDR", ""), request.META.get("HTTP_X_FORWARDED_FOR", ""))


def _session_of(request: HttpRequest) -> WidgetSession:
    return widget_session_load(request.headers.get("X-Kefu-Session", ""))


class InboxInfo(Schema):
    id: uuid.UUID
    name: str
    greeting: str
    agents_online: int
    open_now: bool = Field(..., description="inside the inbox's hours (always, when it sets none)")
    expected_response_minutes: int = Field(..., description="roughly when a human answers")
    expected_response: str = Field(..., description="the same in English; the widget words it itself")
    next_open_at: datetime | None = Field(None, description="when closed: the next opening (UTC)")
    attachment_max_bytes: int


class WidgetConversation(Schema):
    conversation: PublicConversationState
    messages: list[MessageState]


class WidgetState(Schema):
    session: str = Field(..., description="send as ?session= on /ws/widget/ and X-Kefu-Session on HTTP")
    visitor_id: str | None
    verified: bool
    email_known: bool = Field(..., description="kefu has an address to continue by email")
    inbox: InboxInfo
    conversations: list[WidgetConversation]
    announcements: list[AnnouncementState] = Field(
        ..., description="the widget's announcements (each shown inside its window), with the "
        "text in the session's `lang`; `announcement.*` events on the announcements stream update them",
    )
    cursors: dict[str, int] = Field(..., description="resume the websocket from these seqs")


class SessionIn(Schema):
    inbox_id: uuid.UUID
    visitor_id: str = Field("", max_length=64)
    uid: str = Field("", max_length=64, description="the customer's exchange UID when logged in")
    user_hash: str = Field("", max_length=128, description="HMAC-SHA256(inbox secret, uid), hex")
    lang: str = Field("", max_length=20, description="the widget's language, for announcements")


class UploadOut(Schema):
    id: str = Field(..., description="pass in the next ws `message` as attachment_ids")
    filename: str
    content_type: str
    size: int


class EmailIn(Schema):
    email: str = Field(..., max_length=254)
    name: str = Field("", max_length=200)


class EmailOut(Schema):
    email: str


def _state(inbox: Any, session: Any, token: str, language: str = "") -> dict[str, Any]:
    from kefu.accounts.models import Agent
    from kefu.status.selectors import announcement_stream, announcements_for_widget

    conversations = rt.widget_conversations(inbox, session.identity)
    streams = [f"conversation:{c.pk}" for c in conversations] + [announcement_stream("widget")]
    # Seqs first, state second: anything committed in between is replayed and applied
    # idempotently (by message id), never missed.
    cursors = rt.stream_latest(streams)
    items = []
    for c in conversations:
        c = type(c).objects.select_related("assignee").get(pk=c.pk)
        items.append({
            "conversation": conversation_public_state(c),
            "messages": [message_state(m) for m in messages_of(c, include_private=False)],
        })
    online = Agent.objects.filter(is_active=True, presence="online", teams__inboxes=inbox).distinct().count()
    availability = widget_availability(inbox=inbox, agents_online=online)
    contact = widget_contact(inbox, session.identity)
    return {
        "session": token, "visitor_id": None if session.exchange_uid else session.identity,
        "verified": bool(session.exchange_uid),
        "email_known": bool(contact and contact.email),
        "inbox": {
            "id": inbox.pk, "name": inbox.name, "greeting": inbox.config.get("greeting", ""),
            "agents_online": online, "open_now": availability.open_now,
            "expected_response_minutes": availability.expected_response_minutes,
            "expected_response": expected_response_text(availability),
            "next_open_at": availability.next_open_at,
            "attachment_max_bytes": settings.ATTACHMENT_MAX_BYTES,
        },
        "conversations": items, "cursors": cursors,
        "announcements": announcements_for_widget(language=language),
    }


@router.post("/sessions", response=WidgetState, summary="Open (or resume) a chat session")
def widget_session(request: HttpRequest, payload: SessionIn) -> dict[str, Any]:
    inbox = widget_inbox(payload.inbox_id)
    if not payload.uid and not payload.visitor_id:
        _limit(request, "session_new", _ip(request) or "unknown")
    session, token = check_widget_session_open(inbox=inbox, visitor_id=payload.visitor_id, uid=payload.uid, user_hash=payload.user_hash)
    return _state(inbox, session, token, payload.lang)


@router.get("/state", response=WidgetState, summary="The session's conversations and resume cursors")
def widget_state(request: HttpRequest, lang: str = "") -> dict[str, Any]:
    token = request.headers.get("X-Kefu-Session", "")
    session = widget_session_load(token)
    return _state(widget_inbox(session.inbox_id), session, token, lang[:20])


@router.post(
    "/attachments", response={201: UploadOut}, summary="Upload a file for the customer's next message",
    description="Multipart, one `file` field; images and PDF. The id goes in the next websocket "
    "`message` as `attachment_ids`. A refused file (too large: `attachment_too_large`; not an "
    "accepted type: `attachment_type_not_allowed`) stores nothing.",
)
def widget_upload(request: HttpRequest) -> Reply:
    from kefu.core.errors import ValidationFailed

    session = _session_of(request)
    widget_inbox(session.inbox_id)
    limit = settings.ATTACHMENT_MAX_BYTES
    # Refuse an oversized body from its declared length, before parsing it.
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > limit + 64 * 1024:
        raise ValidationFailed(
            f"the file is {declared / 1048576:.1f} MB; the limit is {limit / 1048576:.0f} MB",
            code="attachment_too_large", field="file",
        )
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationFailed("send the file as multipart form data in a `file` field", field="file")
    if upload.size is not None and upload.size > limit:
        raise ValidationFailed(
            f"{upload.name} is {upload.size / 1048576:.1f} MB; the limit is {limit / 1048576:.0f} MB",
            code="attachment_too_large", field="file",
        )
    try:
        pending = check_widget_upload(session=session, filename=upload.name or "file", content=upload.read())
    except RateLimited as exc:
        request.kefu_retry_after = exc.retry_after  # type: ignore[attr-defined]
        raise
    return Reply(201, {"id": pending.id, "filename": pending.filename, "content_type": pending.content_type, "size": pending.size})


@router.get("/attachments/{attachment_id}", summary="Download an attachment of the session's conversations")
def widget_download(request: HttpRequest, attachment_id: str) -> HttpResponse:
    session = _session_of(request)
    attachment = widget_attachment(inbox=widget_inbox(session.inbox_id), session=session, attachment_id=attachment_id)
    inline = attachment.content_type.startswith("image/") or attachment.content_type == "application/pdf"
    response = FileResponse(
        attachment.file.open("rb"), content_type=attachment.content_type,
        as_attachment=not inline, filename=attachment.filename,
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@router.post("/email", response=EmailOut, summary="Leave an email address for the reply")
def widget_email(request: HttpRequest, payload: EmailIn) -> dict[str, str]:
    session = _session_of(request)
    inbox = widget_inbox(session.inbox_id)
    try:
        contact = check_widget_email(inbox=inbox, session=session, email=payload.email, name=payload.name)
    except RateLimited as exc:
        request.kefu_retry_after = exc.retry_after  # type: ignore[attr-defined]
        raise
    return {"email": contact.email}


def _preflight() -> Callable[..., HttpResponse]:
    def preflight(request: HttpRequest) -> HttpResponse:
        return HttpResponse(status=204)

    return preflight


def _preflight_with_id() -> Callable[..., HttpResponse]:
    def preflight(request: HttpRequest, attachment_id: str) -> HttpResponse:
        return HttpResponse(status=204)

    return preflight


for _path in ("/sessions", "/state", "/attachments", "/email"):
    router.api_operation(["OPTIONS"], _path, include_in_schema=False)(_preflight())
router.api_operation(["OPTIONS"], "/attachments/{attachment_id}", include_in_schema=False)(_preflight_with_id())
