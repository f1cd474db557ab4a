"""The email channel's writes: import mail (IMAP or stdin), acknowledge new cases, deliver
agents' replies over SMTP with retries. See docs/subsystems/email.md.

What must hold:
- `email_import` never raises for bad mail: it becomes an EmailImportFailure and the caller
  goes on with the next one. Only database outages propagate (the mail is then left unmarked
  and fetched again).
- A mail is imported with its Message-ID as `source_id`, so fetching it twice creates nothing.
- Outgoing mail is claimed with a lease before the SMTP call and never sent inside a database
  transaction (SQLite has one writer; a slow relay must not stall the whole product).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any, Literal

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction

from kefu.contacts.models import ContactEmail, Identity
from kefu.conversations.actions import _emit_message, message_receive, message_set_delivery
from kefu.conversations.attachments import attachment_check
from kefu.conversations.models import Conversation, DeliveryStatus, Direction, Message
from kefu.conversations.selectors import message_state
from kefu.core.clock import now
from kefu.core.errors import KefuError, ValidationFailed
from kefu.inboxes.adapters.base import InboundAttachment, InboundMessage
from kefu.inboxes.adapters.email.compose import (
    ComposeAttachment,
    email_compose,
    recipients_envelope,
)
from kefu.inboxes.adapters.email.config import EmailSettings, email_config_clean, email_settings
from kefu.inboxes.adapters.email.imap import (
    ImapError,
    imap_close,
    imap_connect,
    imap_fetch,
    imap_folder_ensure,
    imap_mark,
    imap_pending_uids,
    imap_select,
)
from kefu.inboxes.adapters.email.parse import ParsedEmail, email_parse
from kefu.inboxes.adapters.email.smtp import SmtpError, smtp_send
from kefu.inboxes.adapters.email.texts import acknowledgement_text, reply_bodies
from kefu.inboxes.adapters.email.threads import (
    ThreadKeys,
    message_id_make,
    reply_address,
    reply_token_make,
    subject_normalize,
    thread_keys,
)
from kefu.inboxes.models import ChannelType, EmailImportFailure, EmailThread, Inbox

log = logging.getLogger(__name__)

# Kept on the message for display ("show original"); the mailbox keeps the rest.
MAX_STORED_HTML = 256 * 1024
MAX_STORED_FULL_TEXT = 256 * 1024
FAILURE_EXCERPT_BYTES = 64 * 1024
# More than this many mails from one sender within LOOP_WINDOW is a loop (two robots answering
# each other) or a flood: stored, never answered automatically.
LOOP_LIMIT = 5
LOOP_WINDOW = timedelta(minutes=10)

# Delivery: attempt n waits BACKOFF[n-1] after failing; after the last one the message fails.
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(hours=1))
SEND_LEASE = timedelta(minutes=2)


# --- inbound ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportOutcome:
    status: Literal["created", "duplicate", "failed"]
    message: Message | None = None
    failure: EmailImportFailure | None = None


def source_id_of(message_id: str) -> str:
    """Message-IDs longer than the column are hashed, the same way on import and lookup."""
    if len(message_id) <= 255:
        return message_id
    return "sha256:" + hashlib.sha256(message_id.encode("utf-8", "surrogatepass")).hexdigest()


def email_import(
    *, inbox: Inbox, raw: bytes, folder: str = "", uid: int | None = None
) -> ImportOutcome:
    """One RFC 5322 message into its conversation. Never raises for bad mail (see module doc)."""
    parsed: ParsedEmail | None = None
    try:
        parsed = email_parse(raw, max_attachment_bytes=settings.ATTACHMENT_MAX_BYTES)
        return _import_parsed(inbox, parsed)
    except (OperationalError, InterfaceError):
        raise  # the database is away: leave the mail unmarked, it is fetched again
    except KefuError as exc:
        reason = exc.message
    except Exception as exc:  # a bug on one mail must not stop the batch
        log.exception("email import failed on inbox %s", inbox.pk)
        reason = f"internal error: {type(exc).__name__}: {exc}"
    failure = EmailImportFailure.objects.create(
        inbox=inbox,
        folder=folder,
        uid=uid,
        message_id=(parsed.message_id if parsed else "")[:255],
        sender=(parsed.from_address if parsed else "")[:255],
        subject=(parsed.subject if parsed else "")[:300],
        reason=reason.replace("\x00", "")[:4000],
        size=len(raw),
        excerpt=bytes(raw[:FAILURE_EXCERPT_BYTES]),
    )
    return ImportOutcome("failed", failure=failure)


def _import_parsed(inbox: Inbox, parsed: ParsedEmail) -> ImportOutcome:
    config = email_settings(inbox.config)
    sender = parsed.from_address.strip().lower()
    if not sender or "@" not in sender:
        raise ValidationFailed("the mail has no usable sender address (From)")
    if config.address and sender == config.address.lower():
        # Our own mail coming back (a Bcc to ourselves, a misrouted copy): never a customer.
        raise ValidationFailed("the mail was sent by this inbox's own address (a loop)")
    source_id = source_id_of(parsed.message_id)
    existing = Message.objects.filter(inbox=inbox, source_id=source_id).first()
    if existing is not None:
        return ImportOutcome("duplicate", message=existing)

    keys = thread_keys(parsed, reply_domains=frozenset({config.domain}) if config.domain else None)
    conversation_id = _thread_find(inbox, keys)
    contact_id = (
        Identity.objects.filter(inbox=inbox, external_id=sender)
        .values_list("contact_id", flat=True)
        .first()
    )
    known = contact_id is not None or ContactEmail.objects.filter(email=sender).exists()
    auth = parsed.authentication
    spoof = known and _auth_failed(parsed)
    loop = contact_id is not None and _loop_suspected(inbox, contact_id)
    attachments, refused = _attachments(parsed)
    body = parsed.text.strip() or parsed.full_text.strip() or parsed.subject.strip()
    if not body and not attachments:
        body = "(empty message)"
    metadata: dict[str, Any] = {
        "email": {
            "message_id": parsed.message_id,
            "subject": parsed.subject,
            "from": parsed.from_address,
            "from_name": parsed.from_name,
            "to": list(parsed.to),
            "cc": list(parsed.cc),
            "reply_to": list(parsed.reply_to),
            "in_reply_to": parsed.in_reply_to,
            "references": list(parsed.references)[-20:],
            "date": parsed.date.isoformat() if parsed.date else None,
            "auto_submitted": parsed.auto_submitted,
            "auto_reason": parsed.auto_reason,
            "loop_suspected": loop,
            "auth": {
                "authserv_id": auth.authserv_id,
                "spf": auth.spf,
                "dkim": auth.dkim,
                "dmarc": auth.dmarc,
                "header_from": auth.header_from,
                "dkim_domain": auth.dkim_domain,
            },
            "spoof_suspected": spoof,
            "rejected_attachments": refused,
            "parse_errors": list(parsed.errors)[:20],
            "full_text": parsed.full_text[:MAX_STORED_FULL_TEXT]
            if parsed.full_text.strip() != body
            else "",
            "html": parsed.html if len(parsed.html) <= MAX_STORED_HTML else "",
        }
    }
    inbound = InboundMessage(
        identity=sender,
        body=body,
        source_id=source_id,
        name=parsed.from_name[:200],
        email=sender if len(sender) <= 254 else "",
        subject=subject_normalize(parsed.subject) or parsed.subject,
        language=parsed.language[:16],
        sent_at=parsed.date,
        attachments=tuple(attachments),
        metadata=metadata,
        thread="new" if conversation_id is None else "id",
        conversation_id=str(conversation_id) if conversation_id else None,
    )
    with transaction.atomic():
        result = message_receive(inbox=inbox, inbound=inbound)
        if not result.created:
            return ImportOutcome("duplicate", message=result.message)
        conversation = result.conversation
        # message_receive opens a new conversation unless it accepted the one we named.
        if conversation.pk != conversation_id:
            EmailThread.objects.create(conversation=conversation, reply_token=reply_token_make())
            if (
                config.acknowledge
                and config.smtp is not None
                and not parsed.auto_submitted
                and not loop
                and not spoof
            ):
                email_acknowledgement_add(conversation=conversation, language=parsed.language)
    return ImportOutcome("created", message=result.message)


def _thread_find(inbox: Inbox, keys: ThreadKeys) -> Any:
    """The conversation the keys point at, tried in order (threads.py). message_receive then
    accepts it only when the sender is that conversation's contact."""
    if keys.message_ids_referenced:
        wanted = [source_id_of(i) for i in keys.message_ids_referenced]
        found = dict(
            Message.objects.filter(inbox=inbox, source_id__in=wanted).values_list(
                "source_id", "conversation_id"
            )
        )
        for key in wanted:
            if key in found:
                return found[key]
    if keys.subject_number is not None:
        pk = (
            Conversation.objects.filter(inbox=inbox, number=keys.subject_number)
            .values_list("pk", flat=True)
            .first()
        )
        if pk is not None:
            return pk
    if keys.reply_token:
        pk = (
            EmailThread.objects.filter(reply_token=keys.reply_token, conversation__inbox=inbox)
            .values_list("conversation_id", flat=True)
            .first()
        )
        if pk is not None:
            return pk
    return None


def _auth_failed(parsed: ParsedEmail) -> bool:
    """Our MX says the From domain was not the sender's: DMARC failed, or nothing passed."""
    auth = parsed.authentication
    if not auth.authserv_id:
        return False  # no verdict at all (a pipe without an MX in front): nothing to flag
    if auth.dmarc == "fail":
        return True
    return auth.spf in ("fail", "softfail") and auth.dkim not in ("pass",)


def _loop_suspected(inbox: Inbox, contact_id: Any) -> bool:
    recent = Message.objects.filter(
        inbox=inbox,
        author_contact_id=contact_id,
        direction=Direction.INCOMING,
        created_at__gte=now() - LOOP_WINDOW,
    ).count()
    return recent >= LOOP_LIMIT


def _attachments(parsed: ParsedEmail) -> tuple[list[InboundAttachment], list[dict[str, Any]]]:
    kept: list[InboundAttachment] = []
    refused = [
        {"filename": r.filename, "content_type": r.content_type, "size": r.size, "reason": r.reason}
        for r in parsed.rejected_attachments
    ]
    for index, a in enumerate(parsed.attachments):
        name = a.filename or f"attachment-{index + 1}"
        try:
            attachment_check(filename=name, content=a.content)
        except ValidationFailed as exc:
            refused.append(
                {
                    "filename": name,
                    "content_type": a.content_type,
                    "size": a.size,
                    "reason": exc.message,
                }
            )
            continue
        kept.append(
            InboundAttachment(filename=name, content=a.content, declared_type=a.declared_type)
        )
    return kept, refused


def email_thread_ensure(*, conversation: Conversation) -> EmailThread:
    thread = EmailThread.objects.filter(conversation=conversation).first()
    if thread is None:
        thread, _ = EmailThread.objects.get_or_create(
            conversation=conversation, defaults={"reply_token": reply_token_make()}
        )
    return thread


# Extra paragraphs for the acknowledgement: (conversation, language) -> paragraphs. The SLA
# work adds the expected response time here, the help center up to three articles.
AcknowledgementExtra = Callable[[Conversation, str], list[str]]
ACKNOWLEDGEMENT_EXTRAS: list[AcknowledgementExtra] = []


def acknowledgement_extra_register(extra: AcknowledgementExtra) -> None:
    ACKNOWLEDGEMENT_EXTRAS.append(extra)


def email_acknowledgement_add(*, conversation: Conversation, language: str) -> Message:
    """The automatic "we got it, ticket #n" mail, as an outgoing message the outbox delivers."""
    lang = language or conversation.language or conversation.contact.preferred_language
    extras: list[str] = []
    for extra in ACKNOWLEDGEMENT_EXTRAS:
        try:
            extras.extend(extra(conversation, lang)[:3])
        except Exception:  # an extra must never cost the acknowledgement
            log.exception("acknowledgement extra %r failed", extra)
    moment = now()
    message = Message.objects.create(
        conversation=conversation,
        inbox=conversation.inbox,
        direction=Direction.OUTGOING,
        author_label="auto-reply",
        body=acknowledgement_text(number=conversation.number, language=lang, extras=extras),
        delivery_status=DeliveryStatus.PENDING,
        metadata={"email": {"automatic": "acknowledgement", "language": lang}},
        created_at=moment,
        updated_at=moment,
    )
    _emit_message(conversation, message_state(message, attachments=[]))
    return message


@transaction.atomic
def email_inbox_configure(*, inbox: Inbox, data: dict[str, Any]) -> Inbox:
    """Set an email inbox's mail servers and addresses (validated; passwords sealed)."""
    if inbox.channel_type != ChannelType.EMAIL:
        raise ValidationFailed(f"inbox {inbox.name} is not an email inbox", field="channel_type")
    inbox = Inbox.objects.select_for_update().get(pk=inbox.pk)
    cleaned = email_config_clean(data, previous=(inbox.config or {}).get("email"))
    inbox.config = {**(inbox.config or {}), "email": cleaned}
    inbox.save(update_fields=inbox.touch_fields("config"))
    return inbox


# --- IMAP polling ----------------------------------------------------------------------------


@dataclass
class PollResult:
    created: int = 0
    duplicates: int = 0
    failed: int = 0


def email_inbox_poll(*, inbox: Inbox, batch: int = 100, conn: Any = None) -> PollResult:
    """Import every mail not imported yet from the inbox's folders, then mark it.

    Marks are written per batch, after each message in it has committed: a poller stopped
    anywhere leaves at worst committed-but-unmarked mail, which the next run re-fetches,
    recognises by Message-ID and marks.
    """
    config = email_settings(inbox.config)
    if config.imap is None:
        raise ValidationFailed(f"inbox {inbox.name} has no IMAP settings", field="imap")
    imap = config.imap
    result = PollResult()
    own = conn is None
    conn = conn or imap_connect(imap)
    try:
        if imap.after_import == "move":
            imap_folder_ensure(conn, imap.move_to)
        for folder in imap.folders:
            imap_select(conn, folder)
            uids = imap_pending_uids(conn)
            for start in range(0, len(uids), batch):
                done: list[int] = []
                failed: list[int] = []
                for uid, raw in imap_fetch(conn, uids[start : start + batch]):
                    outcome = email_import(inbox=inbox, raw=raw, folder=folder, uid=uid)
                    if outcome.status == "failed":
                        failed.append(uid)
                        result.failed += 1
                    else:
                        done.append(uid)
                        result.created += outcome.status == "created"
                        result.duplicates += outcome.status == "duplicate"
                imap_mark(conn, failed, settings=imap, failed=True)
                imap_mark(conn, done, settings=imap)
    finally:
        if own:
            imap_close(conn)
    return result


def email_inboxes_poll() -> dict[str, PollResult | str]:
    """The scheduled job: poll every enabled email inbox with IMAP settings."""
    results: dict[str, PollResult | str] = {}
    for inbox in Inbox.objects.filter(channel_type=ChannelType.EMAIL, enabled=True):
        if not (inbox.config.get("email") or {}).get("imap"):
            continue
        try:
            results[inbox.name] = email_inbox_poll(inbox=inbox)
        except (ImapError, KefuError) as exc:
            log.warning("email inbox %s: %s", inbox.name, exc)
            results[inbox.name] = str(exc)
    return results


# --- outbound --------------------------------------------------------------------------------


def email_recipients_clean(values: list[str] | str | None, *, field: str) -> list[str]:
    """Cc/Bcc typed by an agent: comma-separated or a list; each a plain address."""
    if not values:
        return []
    items = values.split(",") if isinstance(values, str) else list(values)
    out = []
    for item in items:
        address = str(item).strip()
        if not address:
            continue
        try:
            recipients_envelope(to=[address], cc=(), bcc=())
        except ValueError as exc:
            raise ValidationFailed(f"{address!r} is not an email address", field=field) from exc
        if address.lower() not in (a.lower() for a in out):
            out.append(address)
    if len(out) > 20:
        raise ValidationFailed("at most 20 addresses", field=field)
    return out


def _claim(message_id: Any) -> Message | None:
    """Take the message for one send attempt, or None when it is not due or someone has it."""
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("conversation", "conversation__contact", "inbox")
            .filter(pk=message_id)
            .first()
        )
        if (
            message is None
            or message.delivery_status != DeliveryStatus.PENDING
            or message.direction != Direction.OUTGOING
            or message.private
            or message.inbox.channel_type != ChannelType.EMAIL
            # No SMTP server yet: the reply waits, pending, and goes out once one is set.
            or email_settings(message.inbox.config).smtp is None
        ):
            return None
        moment = now()
        state = dict((message.metadata or {}).get("email") or {})
        for key in ("lease_until", "next_attempt_at"):
            if state.get(key) and state[key] > _iso(moment):
                return None
        state["attempts"] = int(state.get("attempts", 0)) + 1
        state["lease_until"] = _iso(moment + SEND_LEASE)
        message.metadata = {**(message.metadata or {}), "email": state}
        fields = ["metadata"]
        if not message.source_id:
            # Fixed before the first attempt, so a retry re-sends the same Message-ID and a
            # receiver that got both copies shows one; replies thread to it.
            domain = email_settings(message.inbox.config).domain or "kefu.invalid"
            message.source_id = message_id_make(domain=domain)
            fields.append("source_id")
        message.save(update_fields=message.touch_fields(*fields))
        return message


def email_reply_deliver(*, message_id: Any) -> str:
    """One delivery attempt. Returns delivered / retry / failed / skipped."""
    message = _claim(message_id)
    if message is None:
        return "skipped"
    state = message.metadata["email"]
    try:
        outgoing, sender, recipients = _compose(message)
    except (KefuError, ValueError) as exc:
        return _attempt_failed(message, str(exc), permanent=True)
    config = email_settings(message.inbox.config)
    assert config.smtp is not None  # _compose checked
    try:
        refused = smtp_send(config.smtp, outgoing, sender=sender, recipients=recipients)
    except SmtpError as exc:
        return _attempt_failed(message, str(exc), permanent=exc.permanent)
    except KefuError as exc:  # the stored password cannot be opened
        return _attempt_failed(message, exc.message, permanent=False)
    with transaction.atomic():
        state = {**state, "lease_until": None, "next_attempt_at": None, "last_error": ""}
        if refused:
            state["refused"] = refused
        Message.objects.filter(pk=message.pk).update(
            metadata={**message.metadata, "email": state}, updated_at=now()
        )
        message_set_delivery(message=message, status=DeliveryStatus.DELIVERED)
    return "delivered"


def _attempt_failed(message: Message, error: str, *, permanent: bool) -> str:
    state = dict(message.metadata["email"])
    attempts = int(state.get("attempts", 1))
    state["lease_until"] = None
    state["last_error"] = error[:1000]
    give_up = permanent or attempts > len(BACKOFF)
    if not give_up:
        state["next_attempt_at"] = _iso(now() + BACKOFF[attempts - 1])
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(
            metadata={**message.metadata, "email": state}, updated_at=now()
        )
        if give_up:
            message_set_delivery(
                message=message,
                status=DeliveryStatus.FAILED,
                error=f"{error} (after {attempts} attempt{'s' if attempts > 1 else ''})",
            )
    if give_up:
        return "failed"
    _enqueue(message.pk, run_after=now() + BACKOFF[attempts - 1])
    return "retry"


def _compose(message: Message) -> tuple[Any, str, list[str]]:
    conversation = message.conversation
    config: EmailSettings = email_settings(message.inbox.config)
    if config.smtp is None or not config.address:
        raise ValidationFailed(f"inbox {message.inbox.name} has no SMTP settings")
    last_in = (
        Message.objects.filter(
            conversation=conversation,
            direction=Direction.INCOMING,
            created_at__lte=message.created_at,
        )
        .order_by("-created_at")
        .first()
    )
    inbound = (last_in.metadata or {}).get("email", {}) if last_in else {}
    to = (inbound.get("reply_to") or [None])[0] or inbound.get("from") or conversation.contact.email
    if not to:
        raise ValidationFailed("the customer has no email address to answer")
    state = message.metadata.get("email") or {}
    thread = email_thread_ensure(conversation=conversation)
    reply_to = reply_address(
        local=config.local_part, domain=config.domain, token=thread.reply_token
    )
    subject = (
        subject_normalize(inbound.get("subject") or conversation.subject) or conversation.subject
    )
    subject = f"Re: {subject} [#{conversation.number}]" if subject else f"[#{conversation.number}]"
    language = (
        state.get("language") or conversation.language or conversation.contact.preferred_language
    )
    text, html = reply_bodies(
        body=message.body, number=conversation.number, language=language, brand=config.brand
    )
    attachments = []
    for a in message.attachments.all():
        with a.file.open("rb") as handle:
            attachments.append(
                ComposeAttachment(
                    filename=a.filename, content=handle.read(), content_type=a.content_type
                )
            )
    parent = inbound.get("message_id") if last_in else None
    outgoing = email_compose(
        from_address=config.address,
        from_name=config.from_name or config.brand,
        to=[to],
        cc=state.get("cc") or [],
        bcc=state.get("bcc") or [],
        subject=subject,
        text=text,
        html=html,
        in_reply_to=parent,
        references=inbound.get("references") or [],
        message_id=message.source_id,
        attachments=attachments,
        headers={"Reply-To": reply_to},
        auto_submitted=bool(state.get("automatic")),
        anti_phishing_line=_anti_phishing_line(message, language),
    )
    recipients = recipients_envelope(to=[to], cc=state.get("cc") or [], bcc=state.get("bcc") or [])
    return outgoing, config.address, recipients


def _anti_phishing_line(message: Message, language: str) -> str:
    """The customer's anti-phishing code as it was when the reply was written (kefu.safety)."""
    from kefu.safety.notices import anti_phishing_line

    code = (message.metadata or {}).get("anti_phishing_code")
    return anti_phishing_line(language=language, code=code) if code else ""


def email_outbox_sweep(*, limit: int = 50) -> int:
    """Deliver pending email replies whose attempt is due: the retry path, and the safety net
    for an enqueue lost between commit and the task table. Returns attempts made."""
    pending = list(
        Message.objects.filter(
            direction=Direction.OUTGOING,
            private=False,
            delivery_status=DeliveryStatus.PENDING,
            inbox__channel_type=ChannelType.EMAIL,
            # Inboxes without an SMTP server keep their replies pending; no need to look.
            inbox__config__email__has_key="smtp",
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(email_reply_deliver(message_id=pk) != "skipped" for pk in pending)


def _iso(moment: Any) -> str:
    # Fixed width, so stored times compare as strings in the right order.
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _enqueue(message_id: Any, *, run_after: Any = None) -> None:
    from kefu.inboxes.tasks import email_deliver

    try:
        task = email_deliver.using(run_after=run_after) if run_after else email_deliver
        task.enqueue(str(message_id))
    except Exception:  # the outbox sweep delivers it anyway
        log.exception("could not enqueue delivery of message %s", message_id)


def email_outbound_on_event(event: Any) -> None:
    """Event subscriber: an outgoing email message was committed, queue its delivery."""
    if event.type != "message.created":
        return
    payload = event.payload
    message = payload.get("message") or {}
    conversation = payload.get("conversation") or {}
    if (
        conversation.get("channel") == ChannelType.EMAIL
        and message.get("direction") == Direction.OUTGOING
        and not message.get("private")
        and message.get("delivery_status") == DeliveryStatus.PENDING
    ):
        _enqueue(message["id"])
