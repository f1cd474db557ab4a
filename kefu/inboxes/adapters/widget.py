"""The website chat widget as a channel.

A widget session is a signed token naming the inbox and the visitor's identity on it. An
exchange proves who a logged-in customer is with `user_hash` = HMAC-SHA256(inbox secret, UID):
the identity is then `uid:<UID>` on every device, and the contact carries the verified UID.
Anonymous visitors get a random visitor id the widget keeps in localStorage.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from kefu.core.errors import KefuError, NotFound, PermissionDenied, ValidationFailed
from kefu.inboxes.adapters.base import InboundMessage
from kefu.inboxes.models import ChannelType, Inbox

if TYPE_CHECKING:
    from kefu.contacts.models import Contact
    from kefu.conversations.models import Attachment

log = logging.getLogger(__name__)

_SALT = "kefu.widget.session"
SESSION_MAX_AGE = 90 * 24 * 3600


@dataclass(frozen=True)
class WidgetSession:
    inbox_id: str
    identity: str
    exchange_uid: str = ""

    @property
    def source_prefix(self) -> str:
        return f"widget:{self.identity}:"


def user_hash_make(*, secret: str, uid: str) -> str:
    return hmac.new(secret.encode(), uid.encode(), hashlib.sha256).hexdigest()


def widget_inbox(inbox_id: object) -> Inbox:
    inbox = Inbox.objects.filter(pk=inbox_id, channel_type=ChannelType.WEB_WIDGET, enabled=True).first()
    if inbox is None:
        raise NotFound("no such chat inbox")
    return inbox


def check_widget_session_open(
    *, inbox: Inbox, visitor_id: str = "", uid: str = "", user_hash: str = ""
) -> tuple[WidgetSession, str]:
    """Validate what the page passed and return the session with its signed token."""
    if uid:
        uid = uid.strip()
        if not uid or len(uid) > 64:
            raise ValidationFailed("uid must be 1 to 64 characters", field="uid")
        expected = user_hash_make(secret=inbox.signing_secret(), uid=uid)
        if not user_hash or not hmac.compare_digest(expected, user_hash.strip().lower()):
            raise PermissionDenied("user_hash does not match this uid", code="identity_rejected")
        session = WidgetSession(inbox_id=str(inbox.pk), identity=f"uid:{uid}", exchange_uid=uid)
    else:
        if visitor_id and (not visitor_id.startswith("v_") or len(visitor_id) > 64 or not visitor_id[2:].replace("-", "").replace("_", "").isalnum()):
            raise ValidationFailed("visitor_id is not one kefu issued", field="visitor_id")
        session = WidgetSession(inbox_id=str(inbox.pk), identity=visitor_id or f"v_{secrets.token_urlsafe(16)}")
    token = signing.dumps({"i": session.inbox_id, "v": session.identity, "u": session.exchange_uid}, salt=_SALT, compress=True)
    return session, token


def widget_session_load(token: str) -> WidgetSession:
    try:
        data = signing.loads(token, salt=_SALT, max_age=SESSION_MAX_AGE)
    except signing.BadSignature:
        raise PermissionDenied("the chat session is not valid; start a new one", code="session_invalid") from None
    return WidgetSession(inbox_id=data["i"], identity=data["v"], exchange_uid=data.get("u", ""))


# --- availability: agents online and the inbox's hours ------------------------------------------

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_RESPONSE_MINUTES = 5  # open, with an agent online
DEFAULT_OFFLINE_RESPONSE_MINUTES = 240  # open, nobody online: the reply goes by email


@dataclass(frozen=True)
class Hours:
    """Weekly opening hours in one time zone: minutes after local midnight, per weekday."""

    zone: ZoneInfo
    weekly: dict[int, list[tuple[int, int]]]
    holidays: frozenset[date]


@dataclass(frozen=True)
class Availability:
    open_now: bool
    agents_online: int
    expected_response_minutes: int
    next_open_at: datetime | None

    @property
    def staffed(self) -> bool:
        return self.open_now and self.agents_online > 0


def _minutes(text: object) -> int:
    if not isinstance(text, str) or len(text) != 5 or text[2] != ":":
        raise ValueError(f"times are HH:MM, not {text!r}")
    h, m = int(text[:2]), int(text[3:])
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
        raise ValueError(f"{text!r} is not a time of day")
    return h * 60 + m


def check_widget_hours(raw: object) -> Hours:
    """Parse `inbox.config["hours"]`:

    {"timezone": "Asia/Singapore",
     "weekly": {"mon": [["09:00", "18:00"]], "sat": [["10:00", "14:00"]], "fri": [["22:00", "02:00"]]},
     "holidays": ["2026-02-17"]}

    A day not named is closed. An interval whose end is not after its start runs past midnight.
    """
    if not isinstance(raw, dict):
        raise ValidationFailed("hours must be an object", field="hours")
    try:
        zone = ZoneInfo(str(raw.get("timezone") or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(f"unknown time zone {raw.get('timezone')!r}", field="hours.timezone") from None
    weekly: dict[int, list[tuple[int, int]]] = {}
    days = raw.get("weekly") or {}
    if not isinstance(days, dict):
        raise ValidationFailed("hours.weekly maps mon..sun to [[start, end], ...]", field="hours.weekly")
    for day, spans in days.items():
        if day not in _DAYS or not isinstance(spans, list):
            raise ValidationFailed("hours.weekly maps mon..sun to [[start, end], ...]", field="hours.weekly")
        parsed = []
        for span in spans:
            try:
                start, end = (_minutes(t) for t in span)
            except (TypeError, ValueError) as exc:
                raise ValidationFailed(f"hours.weekly.{day}: {exc}", field="hours.weekly") from None
            parsed.append((start, end if end > start else end + 1440))
        weekly[_DAYS.index(day)] = sorted(parsed)
    try:
        holidays = frozenset(date.fromisoformat(d) for d in raw.get("holidays") or [])
    except (TypeError, ValueError):
        raise ValidationFailed("hours.holidays are YYYY-MM-DD dates", field="hours.holidays") from None
    return Hours(zone, weekly, holidays)


def _spans(hours: Hours, around: datetime) -> list[tuple[datetime, datetime]]:
    """Concrete opening intervals (UTC) from the day before `around` to a week after."""
    local = around.astimezone(hours.zone).date()
    out = []
    for offset in range(-1, 8):
        day = local + timedelta(days=offset)
        if day in hours.holidays:
            continue
        midnight = datetime(day.year, day.month, day.day, tzinfo=hours.zone)
        for start, end in hours.weekly.get(day.weekday(), []):
            # Wall-clock arithmetic on an aware datetime: "09:00" stays 09:00 across DST changes.
            out.append(((midnight + timedelta(minutes=start)).astimezone(UTC),
                        (midnight + timedelta(minutes=end)).astimezone(UTC)))
    return out


def widget_availability(*, inbox: Inbox, agents_online: int, at: datetime | None = None) -> Availability:
    """Whether a human answers now, and roughly when one will."""
    from kefu.core.clock import now

    at = at or now()
    config = inbox.config or {}
    response = int(config.get("response_minutes") or DEFAULT_RESPONSE_MINUTES)
    offline = int(config.get("offline_response_minutes") or DEFAULT_OFFLINE_RESPONSE_MINUTES)
    open_now, next_open = True, None
    if config.get("hours"):
        try:
            hours = check_widget_hours(config["hours"])
        except ValidationFailed as exc:
            # A typo in the hours must not take the chat down: treat the inbox as always open.
            log.warning("inbox %s: ignoring bad hours (%s)", inbox.pk, exc.message)
        else:
            spans = _spans(hours, at)
            open_now = any(start <= at < end for start, end in spans)
            if not open_now:
                next_open = min((start for start, _ in spans if start > at), default=None)
    if open_now and agents_online:
        minutes = response
    elif open_now or next_open is None:
        minutes = offline
    else:
        minutes = int((next_open - at).total_seconds() // 60) + response
    return Availability(open_now, agents_online, minutes, next_open)


def expected_response_text(availability: Availability) -> str:
    """English, for API clients; the widget words it in the customer's language itself."""
    minutes = availability.expected_response_minutes
    if availability.staffed:
        return "We usually reply in a few minutes" if minutes <= 10 else f"We usually reply in about {_duration(minutes)}"
    if not availability.open_now and availability.next_open_at is not None:
        return f"We're closed now and back in about {_duration(minutes)}; we'll reply here and by email"
    return f"No one is online right now; we'll reply in about {_duration(minutes)}, here and by email"


def _duration(minutes: int) -> str:
    if minutes < 90:
        return f"{minutes} minutes"
    if minutes < 36 * 60:
        return f"{round(minutes / 60)} hours"
    return f"{round(minutes / 1440)} days"


# --- abuse limits -------------------------------------------------------------------------------


class RateLimited(KefuError):
    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


# (limit, window seconds). Generous for people, tight for scripts.
LIMITS: dict[str, tuple[int, int]] = {
    "session_new": (20, 60),  # new anonymous visitors per IP
    "conversation_new": (10, 600),  # new conversations per IP
    "message": (30, 60),  # messages per session
    "upload": (12, 60),  # attachment uploads per session
    "email": (6, 600),  # "email me the reply" per session
}
_WHAT = {
    "session_new": "new chats from this network",
    "conversation_new": "new conversations from this network",
    "message": "messages",
    "upload": "uploads",
    "email": "email changes",
}


def check_widget_rate(name: str, key: str) -> None:
    from kefu.widget.ratelimit import rate_hit

    limit, window = LIMITS[name]
    verdict = rate_hit(name=name, key=key, limit=limit, window=window)
    if not verdict.allowed:
        raise RateLimited(
            f"too many {_WHAT[name]}: at most {limit} per {window // 60} minutes; "
            f"try again in {verdict.retry_after} seconds",
            retry_after=verdict.retry_after,
        )


def client_ip(remote_addr: str, forwarded_for: str = "") -> str:
    """The address to count against. Behind a reverse proxy on the same host (kefu sees a
    loopback peer) the proxy's own X-Forwarded-For entry, the last one, names the client; any
    earlier entries came from the client and are not trusted."""
    remote = (remote_addr or "").strip()
    if forwarded_for and remote in ("127.0.0.1", "::1", "localhost"):
        last = forwarded_for.split(",")[-1].strip()
        if last:
            return last
    return remote  # "" when unknown (an in-process test client): no per-IP limit applies


# --- the contact behind a session ---------------------------------------------------------------


def widget_contact(inbox: Inbox, identity: str) -> Contact | None:
    from kefu.contacts.actions import contact_canonical
    from kefu.contacts.models import Identity

    row = Identity.objects.select_related("contact").filter(inbox=inbox, external_id=identity).first()
    return contact_canonical(row.contact) if row is not None else None


def check_widget_email(*, inbox: Inbox, session: WidgetSession, email: str, name: str = "") -> Contact:
    """The customer left an address for the reply (no agent online, or after hours)."""
    from django.core.validators import validate_email

    from kefu.contacts.actions import contact_resolve, contact_update
    from kefu.conversations.actions import note_add
    from kefu.core.actors import Actor
    from kefu.realtime.selectors import widget_conversations

    address = (email or "").strip().lower()
    try:
        validate_email(address)
    except DjangoValidationError:
        raise ValidationFailed("enter a valid email address", field="email") from None
    check_widget_rate("email", session.identity)
    with transaction.atomic():
        contact = contact_resolve(
            inbox=inbox,
            inbound=InboundMessage(identity=session.identity, body="", email=address, name=name.strip()[:200],
                                   exchange_uid=session.exchange_uid),
        )
        if contact.email != address and not session.exchange_uid:
            # The latest address a visitor typed is where they expect the reply. A verified
            # customer's address on file came from the exchange and stays the primary one.
            contact = contact_update(contact=contact, actor=Actor.of_contact(contact), email=address)
        conversations = widget_conversations(inbox, session.identity)
        if conversations:
            note_add(conversation=conversations[0], actor=Actor.system("widget"),
                     body=f"The customer asked for the reply by email: {address}")
    return contact


# --- attachments: uploaded first, attached to the customer's next message -----------------------

UPLOAD_DIR = "widget-uploads"
UPLOAD_TTL = timedelta(days=1)
MAX_ATTACHMENTS_PER_MESSAGE = 5
_UPLOAD_ID = re.compile(r"^up_[A-Za-z0-9_-]{16,40}$")


@dataclass(frozen=True)
class PendingUpload:
    id: str
    filename: str
    content_type: str
    size: int
    path: str


def _upload_dir(inbox_id: str, identity: str) -> str:
    # One folder per session identity: an upload id is useless to any other visitor.
    digest = hashlib.sha256(f"{inbox_id}\x00{identity}".encode()).hexdigest()[:32]
    return f"{UPLOAD_DIR}/{digest}"


def check_widget_upload(*, session: WidgetSession, filename: str, content: bytes) -> PendingUpload:
    """Validate by content (type, size) and keep the file until the message that carries it."""
    from kefu.conversations.attachments import attachment_check

    check_widget_rate("upload", session.identity)
    checked = attachment_check(filename=filename, content=content)
    upload_id = f"up_{secrets.token_urlsafe(18)}"
    base = f"{_upload_dir(session.inbox_id, session.identity)}/{upload_id}"
    meta = {"filename": checked.filename, "content_type": checked.content_type, "size": len(content)}
    default_storage.save(f"{base}.bin", ContentFile(content))
    default_storage.save(f"{base}.json", ContentFile(json.dumps(meta).encode()))
    return PendingUpload(upload_id, checked.filename, checked.content_type, len(content), base)


def widget_uploads_load(*, session: WidgetSession, upload_ids: list[str]) -> list[tuple[PendingUpload, bytes]]:
    if len(upload_ids) > MAX_ATTACHMENTS_PER_MESSAGE:
        raise ValidationFailed(f"at most {MAX_ATTACHMENTS_PER_MESSAGE} files per message", field="attachment_ids")
    out = []
    for upload_id in dict.fromkeys(upload_ids):
        if not isinstance(upload_id, str) or not _UPLOAD_ID.match(upload_id):
            raise ValidationFailed("attachment_ids are ids from POST /api/v1/widget/attachments", field="attachment_ids")
        base = f"{_upload_dir(session.inbox_id, session.identity)}/{upload_id}"
        try:
            with default_storage.open(f"{base}.json") as f:
                meta = json.loads(f.read())
            with default_storage.open(f"{base}.bin") as f:
                content = f.read()
        except (FileNotFoundError, OSError, ValueError):
            raise ValidationFailed("the file is no longer available; attach it again", code="attachment_missing",
                                   field="attachment_ids") from None
        out.append((PendingUpload(upload_id, meta["filename"], meta["content_type"], meta["size"], base), content))
    return out


def widget_uploads_discard(uploads: list[PendingUpload]) -> None:
    for upload in uploads:
        for suffix in (".bin", ".json"):
            # Already gone (a concurrent retry took it): nothing to do.
            with contextlib.suppress(OSError):
                default_storage.delete(upload.path + suffix)


def widget_uploads_sweep(*, older_than: timedelta = UPLOAD_TTL) -> int:
    """Delete uploads no message took. Returns how many files went."""
    from kefu.core.clock import now

    cutoff = now() - older_than
    removed = 0
    try:
        folders, _ = default_storage.listdir(UPLOAD_DIR)
    except (FileNotFoundError, OSError):
        return 0
    for folder in folders:
        _, files = default_storage.listdir(f"{UPLOAD_DIR}/{folder}")
        for name in files:
            path = f"{UPLOAD_DIR}/{folder}/{name}"
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                removed += 1
    return removed


def widget_attachment(*, inbox: Inbox, session: WidgetSession, attachment_id: object) -> Attachment:
    """An attachment of a public message in one of the session's conversations."""
    from kefu.conversations.models import Attachment
    from kefu.realtime.selectors import widget_conversations

    try:
        pk = uuid.UUID(str(attachment_id))
    except ValueError:
        raise NotFound("no such attachment") from None
    found = Attachment.objects.filter(
        pk=pk, message__private=False, message__conversation__in=widget_conversations(inbox, session.identity)
    ).exclude(message__direction="activity").first()
    if found is None:
        raise NotFound("no such attachment")
    return found
