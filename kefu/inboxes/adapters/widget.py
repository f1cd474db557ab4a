"""The website chat widget as a channel.

A widget session is a signed token naming the inbox and the visitor's identity on it. An
exchange proves who a logged-in customer is with `user_hash` = HMAC-SHA256(inbox secret, UID):
the identity is then `uid:<UID>` on every device, and the contact carries the verified UID.
Anonymous visitors get a random visitor id the widget keeps in localStorage.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.core import signing

from kefu.core.errors import NotFound, PermissionDenied, ValidationFailed
from kefu.inboxes.models import ChannelType, Inbox

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
        expected = user_hash_make(secret=inbox.secret, uid=uid)
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
