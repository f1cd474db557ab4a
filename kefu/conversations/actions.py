"""Every write to conversations and messages. Each emits its event on commit."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction

from kefu.accounts.models import Agent, Team
from kefu.accounts.permissions import Perm, agent_can
from kefu.contacts.actions import contact_resolve
from kefu.contacts.models import Contact
from kefu.conversations.attachments import CheckedFile, attachment_check
from kefu.conversations.models import (
    PRIORITY_RANK,
    Attachment,
    Conversation,
    DeliveryStatus,
    Direction,
    Message,
    Priority,
    Status,
    Tag,
)
from kefu.conversations.selectors import (
    conversation_public_state,
    conversation_state,
    message_state,
)
from kefu.conversations.status import IllegalTransition, transition_check
from kefu.conversations.streams import conversation_stream, inbox_stream
from kefu.core.actors import Actor, ActorKind
from kefu.core.clock import now
from kefu.core.db import row_read, sequence_next
from kefu.core.errors import Conflict, PermissionDenied, ValidationFailed
from kefu.core.events import event_emit
from kefu.inboxes.adapters.base import InboundAttachment, InboundMessage
from kefu.inboxes.models import ChannelType, Inbox
from kefu.intelligence.enrichment import Enrichment, enrichment_compute, enrichment_model
from kefu.intelligence.triage import TopicClassifier
from kefu.safety import actions as safety_actions
from kefu.safety.notices import phishing_warning, secret_warning, security_tip
from kefu.safety.redaction import redact
from kefu.safety.selectors import inbound_links_flag

log = logging.getLogger(__name__)

MAX_BODY_CHARS = 20_000
MAX_SUBJECT_CHARS = 300
MAX_TAG_CHARS = 64
REOPEN_WINDOW = timedelta(days=7)  # a reply within this after "resolved" reopens the case
# Channels whose outbound messages are handed over at once (the widget and API clients read
# them from kefu); others start "pending" until their adapter reports the send.
_IMMEDIATE_CHANNELS = {ChannelType.WEB_WIDGET, ChannelType.API}


def _require(actor: Actor, perm: Perm) -> None:
    if actor.kind == ActorKind.AGENT:
        assert actor.agent is not None
        if not agent_can(actor.agent, perm):
            raise PermissionDenied(
                f"your role ({actor.agent.role}) may not {perm.value.replace('.', ' ').replace('_', ' ')}"
            )


def _streams(conversation: Conversation) -> list[str]:
    return [inbox_stream(conversation.inbox_id, conversation.pk)]


def _public_streams(conversation: Conversation) -> list[str]:
    return [conversation_stream(conversation.pk)]


def _emit_conversation(
    type: str,
    conversation: Conversation,
    actor: Actor,
    *,
    changed: list[str] = (),
    public: bool = False,
    **extra: Any,  # type: ignore[assignment]
) -> None:
    payload = {
        "conversation": conversation_state(conversation).model_dump(),
        "actor": actor.as_payload(),
        "changed": list(changed),
        **extra,
    }
    event_emit(
        type=type,
        payload=payload,
        streams=_streams(conversation),
        public_streams=_public_streams(conversation) if public else [],
        public_payload={"conversation": conversation_public_state(conversation).model_dump()}
        if public
        else None,
    )


def _emit_message(
    conversation: Conversation,
    state: Any,
    *,
    public: bool = True,
    nlp: dict[str, Any] | None = None,
) -> None:
    payload = {"message": state, "conversation": conversation_state(conversation)}
    if nlp is not None:
        payload["nlp"] = nlp  # agents' streams only: the public payload is built apart
    event_emit(
        type="message.created",
        payload=payload,
        streams=_streams(conversation),
        public_streams=_public_streams(conversation) if public else [],
        public_payload={"message": state} if public else None,
    )


def _clean_body(body: str, *, allow_empty: bool = False) -> str:
    if not isinstance(body, str):
        raise ValidationFailed("body must be text", field="body")
    body = body.replace("\r\n", "\n").replace("\x00", "").strip()
    if not body and not allow_empty:
        raise ValidationFailed("message body is empty", field="body")
    if len(body) > MAX_BODY_CHARS:
        raise ValidationFailed(
            f"message body is longer than {MAX_BODY_CHARS} characters", field="body"
        )
    return body


def _store_attachments(message: Message, files: list[CheckedFile]) -> list[Attachment]:
    stored = []
    for f in files:
        att = Attachment(
            message=message,
            filename=f.filename,
            content_type=f.content_type,
            size=len(f.content),
            sha256=f.sha256,
        )
        # The file is written before commit; a rollback leaves an orphan file, never a row
        # without its file. Orphans are swept by the storage cleanup.
        att.file.save(f.filename, ContentFile(f.content), save=False)
        stored.append(att)
    Attachment.objects.bulk_create(stored)
    return stored


# --- conversations ---------------------------------------------------------------------------


@transaction.atomic
def conversation_open(
    *,
    inbox: Inbox,
    contact: Contact,
    actor: Actor,
    subject: str = "",
    language: str = "",
    priority: str = Priority.NORMAL,
    custom_attributes: dict[str, Any] | None = None,
) -> Conversation:
    if priority not in Priority.values:
        raise ValidationFailed(
            f"priority must be one of {', '.join(Priority.values)}", field="priority"
        )
    if len(subject) > MAX_SUBJECT_CHARS:
        raise ValidationFailed(
            f"subject is longer than {MAX_SUBJECT_CHARS} characters", field="subject"
        )
    moment = now()
    conversation = Conversation.objects.create(
        number=sequence_next(name="conversation_number", start=settings.CONVERSATION_NUMBER_START),
        inbox=inbox,
        contact=contact,
        subject=subject.strip(),
        language=language or contact.preferred_language,
        priority=priority,
        priority_rank=PRIORITY_RANK[priority],
        custom_attributes=custom_attributes or {},
        last_activity_at=moment,
        created_at=moment,
        updated_at=moment,
    )
    _emit_conversation("conversation.created", conversation, actor, public=True)
    return conversation


def conversation_lock(conversation: Conversation) -> Conversation:
    """Re-read the conversation under a row lock (PostgreSQL) inside the caller's transaction.

    One plain statement; the related rows the caller already loaded are reused when the fresh
    row still points at them (a reply runs this, and the ORM's four-table join cost more to
    build than the rest of storing the reply).
    """
    fresh = row_read(Conversation, conversation.pk, lock="update")
    if fresh is None:
        raise Conversation.DoesNotExist(f"conversation {conversation.pk} is gone")
    for field in ("contact", "inbox", "assignee", "team"):
        descriptor = Conversation._meta.get_field(field)
        if not descriptor.is_cached(conversation):
            continue
        known = descriptor.get_cached_value(conversation)
        if getattr(fresh, f"{field}_id") == (known.pk if known is not None else None):
            descriptor.set_cached_value(fresh, known)
    return fresh


@transaction.atomic
def conversation_assign(
    *,
    conversation: Conversation,
    actor: Actor,
    assignee: Agent | type[Ellipsis] | None = ...,
    team: Team | type[Ellipsis] | None = ...,
) -> Conversation:
    """Set the assignee and/or team. `...` leaves a field as it is; None clears it."""
    if actor.kind == ActorKind.AGENT and assignee is not ... and assignee is not None:
        _require(
            actor,
            Perm.CONVERSATION_ASSIGN_SELF
            if assignee == actor.agent
            else Perm.CONVERSATION_ASSIGN_OTHERS,
        )
    elif actor.kind == ActorKind.AGENT:
        _require(actor, Perm.CONVERSATION_ASSIGN_OTHERS)
    conversation = conversation_lock(conversation)
    if conversation.status == Status.CLOSED:
        raise Conflict(f"#{conversation.number} is closed")
    changed = []
    assignee_before = conversation.assignee_id
    if assignee is not ...:
        if assignee is not None and not assignee.is_active:
            raise ValidationFailed(f"{assignee.display_name} is deactivated", field="assignee_id")
        if assignee is not None and not _agent_sees_inbox(assignee, conversation.inbox):
            raise ValidationFailed(
                f"{assignee.display_name} is not in a team of the {conversation.inbox.name} inbox",
                field="assignee_id",
            )
        if conversation.assignee_id != (assignee.pk if assignee else None):
            conversation.assignee = assignee
            changed.append("assignee")
    if team is not ... and conversation.team_id != (team.pk if team else None):
        conversation.team = team
        changed.append("team")
    if not changed:
        return conversation
    conversation.save(update_fields=conversation.touch_fields(*changed))
    _load_moved(conversation, assignee_id=assignee_before, status=conversation.status)
    who = conversation.assignee.display_name if conversation.assignee else "nobody"
    text = f"Assigned to {who}" + (f" ({conversation.team.name})" if conversation.team else "")
    _activity_add(conversation, actor, text)
    _emit_conversation("conversation.assigned", conversation, actor, changed=changed, public=True)
    return conversation


def _load_moved(conversation: Conversation, *, assignee_id: Any, status: str) -> None:
    """Routing's per-agent load counters follow an assignee or status change, in this
    transaction (its candidate read orders agents by them; docs/subsystems/routing.md).
    `assignee_id` and `status` are the values before the change."""
    from kefu.routing.actions import agent_load_track

    agent_load_track(conversation=conversation, assignee_id=assignee_id, status=status)


def _agent_sees_inbox(agent: Agent, inbox: Inbox) -> bool:
    return (
        agent_can(agent, Perm.CONVERSATION_VIEW_ALL) or inbox.teams.filter(members=agent).exists()
    )


@transaction.atomic
def conversation_set_status(
    *, conversation: Conversation, actor: Actor, status: str, snoozed_until: datetime | None = None
) -> Conversation:
    _require(actor, Perm.CONVERSATION_STATUS)
    if status not in Status.values:
        raise ValidationFailed(f"status must be one of {', '.join(Status.values)}", field="status")
    conversation = conversation_lock(conversation)
    previous = conversation.status
    if previous == status and status != Status.SNOOZED:
        return conversation
    try:
        if previous != status:
            transition_check(previous, status)
    except IllegalTransition as exc:
        raise Conflict(str(exc), code="illegal_transition", field="status") from None
    moment = now()
    fields = ["status"]
    if status == Status.SNOOZED:
        if snoozed_until is None or snoozed_until <= moment:
            raise ValidationFailed(
                "snoozing needs a snoozed_until in the future", field="snoozed_until"
            )
        conversation.snoozed_until = snoozed_until
        fields.append("snoozed_until")
    elif conversation.snoozed_until is not None:
        conversation.snoozed_until = None
        fields.append("snoozed_until")
    if status == Status.RESOLVED:
        conversation.resolved_at = moment
        conversation.waiting_since = None
        fields += ["resolved_at", "waiting_since"]
    elif previous in (Status.RESOLVED, Status.CLOSED) and status == Status.OPEN:
        conversation.resolved_at = None
        fields.append("resolved_at")
    conversation.status = status
    conversation.last_activity_at = moment
    fields.append("last_activity_at")
    conversation.save(update_fields=conversation.touch_fields(*fields))
    _load_moved(conversation, assignee_id=conversation.assignee_id, status=previous)
    _activity_add(conversation, actor, f"Status: {previous} → {status}")
    _emit_conversation(
        "conversation.status_changed",
        conversation,
        actor,
        changed=["status"],
        public=True,
        previous_status=previous,
    )
    return conversation


UPDATABLE = {"subject", "priority", "topic", "language", "custom_attributes"}


@transaction.atomic
def conversation_update(*, conversation: Conversation, actor: Actor, **fields: Any) -> Conversation:
    _require(actor, Perm.CONVERSATION_EDIT)
    unknown = set(fields) - UPDATABLE
    if unknown:
        raise ValidationFailed(f"cannot update {', '.join(sorted(unknown))}")
    if "priority" in fields and fields["priority"] not in Priority.values:
        raise ValidationFailed(
            f"priority must be one of {', '.join(Priority.values)}", field="priority"
        )
    if "subject" in fields and len(fields["subject"] or "") > MAX_SUBJECT_CHARS:
        raise ValidationFailed(
            f"subject is longer than {MAX_SUBJECT_CHARS} characters", field="subject"
        )
    if "custom_attributes" in fields and not isinstance(fields["custom_attributes"], dict):
        raise ValidationFailed("custom_attributes must be an object", field="custom_attributes")
    conversation = conversation_lock(conversation)
    changed = [k for k, v in fields.items() if getattr(conversation, k) != v]
    if not changed:
        return conversation
    for k in changed:
        setattr(conversation, k, fields[k])
    save = list(changed)
    if "priority" in changed:
        conversation.priority_rank = PRIORITY_RANK[conversation.priority]
        save.append("priority_rank")
    conversation.save(update_fields=conversation.touch_fields(*save))
    _emit_conversation("conversation.updated", conversation, actor, changed=changed)
    return conversation


def _tag_name_clean(name: str) -> str:
    name = " ".join(str(name).strip().lower().split())
    if not name:
        raise ValidationFailed("a tag cannot be empty", field="tags")
    if len(name) > MAX_TAG_CHARS:
        raise ValidationFailed(f"a tag is at most {MAX_TAG_CHARS} characters", field="tags")
    return name


@transaction.atomic
def tag_add(*, conversation: Conversation, actor: Actor, names: list[str]) -> Conversation:
    _require(actor, Perm.CONVERSATION_EDIT)
    clean = sorted({_tag_name_clean(n) for n in names})
    conversation = conversation_lock(conversation)
    existing = set(conversation.tags.values_list("name", flat=True))
    new = [n for n in clean if n not in existing]
    if not new:
        return conversation
    for name in new:
        tag, _ = Tag.objects.get_or_create(name=name)
        conversation.tags.add(tag)
    conversation.save(update_fields=conversation.touch_fields())
    _emit_conversation("conversation.updated", conversation, actor, changed=["tags"])
    return conversation


@transaction.atomic
def tag_remove(*, conversation: Conversation, actor: Actor, names: list[str]) -> Conversation:
    _require(actor, Perm.CONVERSATION_EDIT)
    clean = {_tag_name_clean(n) for n in names}
    conversation = conversation_lock(conversation)
    gone = list(conversation.tags.filter(name__in=clean))
    if not gone:
        return conversation
    conversation.tags.remove(*gone)
    conversation.save(update_fields=conversation.touch_fields())
    _emit_conversation("conversation.updated", conversation, actor, changed=["tags"])
    return conversation


# --- messages --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiveResult:
    message: Message
    conversation: Conversation
    created: bool  # False when the channel re-delivered a message kefu already has


def message_receive(*, inbox: Inbox, inbound: InboundMessage) -> ReceiveResult:
    """Store a customer's message: contact, conversation and message in one transaction.

    Deduplicated by the channel's own id: a retried delivery returns the stored message.
    """
    if not inbox.enabled:
        raise Conflict(f"inbox {inbox.name} is disabled", code="inbox_disabled")
    if not inbound.identity or len(inbound.identity) > 255:
        raise ValidationFailed(
            "the sender's identity is required (at most 255 characters)", field="identity"
        )
    body = _clean_body(inbound.body, allow_empty=bool(inbound.attachments))
    # Secrets are cut before anything is stored or logged: from here on only the redacted
    # text exists. The kinds found travel with the message; the clear text goes nowhere.
    redacted = redact(body)
    subject = redact(inbound.subject).text if inbound.subject else ""
    body = redacted.text
    kinds = sorted({str(f.kind) for f in redacted.findings})
    # Links imitating an official domain: flagged on the message for the agent, and the
    # customer is warned (below, in the same transaction).
    phishing = inbound_links_flag(body)
    if phishing:
        inbound = dataclasses.replace(
            inbound, metadata={**inbound.metadata, "phishing_links": phishing}
        )
    files = [attachment_check(filename=a.filename, content=a.content) for a in inbound.attachments]
    if inbound.source_id is not None and (not inbound.source_id or len(inbound.source_id) > 255):
        raise ValidationFailed("source_id must be 1 to 255 characters", field="source_id")

    if inbound.source_id:
        existing = _message_by_source(inbox, inbound.source_id)
        if existing is not None:
            return ReceiveResult(existing, existing.conversation, created=False)
    classifier = _enrichment_model()
    try:
        with transaction.atomic():
            return _message_receive_locked(
                inbox,
                inbound,
                body,
                files,
                subject=subject,
                redactions=kinds,
                classifier=classifier,
            )
    except IntegrityError:
        # Two deliveries of the same message raced; the other one committed first.
        if inbound.source_id:
            existing = _message_by_source(inbox, inbound.source_id)
            if existing is not None:
                return ReceiveResult(existing, existing.conversation, created=False)
        raise


def _message_by_source(inbox: Inbox, source_id: str) -> Message | None:
    # Nearly every delivery is new: probe with one plain indexed query (no ORM compile, which
    # cost more than the query) and load the stored message only for a re-delivery.
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT id FROM {Message._meta.db_table} WHERE inbox_id = %s AND source_id = %s LIMIT 1",  # noqa: S608 - table names from model meta, values as parameters
            [Message._meta.get_field("inbox").get_db_prep_value(inbox.pk, connection), source_id],
        )
        row = cur.fetchone()
    if row is None:
        return None
    return Message.objects.select_related(
        "conversation", "conversation__inbox", "conversation__contact"
    ).get(pk=row[0])


def _open_conversation_locked(
    inbox: Inbox, contact: Any, conversation_id: Any = None
) -> Conversation | None:
    """The contact's latest not-closed conversation in the inbox (or the one named), row-locked.

    Every inbound message runs this. Written as one plain statement: building it through the
    ORM (four joined tables) took more CPU than the rest of storing the message.
    """
    pk = Conversation._meta.pk
    params: list[Any] = [
        pk.get_db_prep_value(inbox.pk, connection),
        pk.get_db_prep_value(contact.pk, connection),
        Status.CLOSED.value,
    ]
    where = "inbox_id = %s AND contact_id = %s AND status <> %s"
    if conversation_id:
        try:
            params.append(pk.get_db_prep_value(pk.to_python(conversation_id), connection))
        except ValidationError:
            return None
        where += " AND id = %s"
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    rows = list(
        Conversation.objects.raw(
            f"SELECT * FROM {Conversation._meta.db_table} WHERE {where} "  # noqa: S608 - table names from model meta, values as parameters
            f"ORDER BY last_activity_at DESC LIMIT 1{lock}",
            params,
        )
    )
    if not rows:
        return None
    conversation = rows[0]
    # Already loaded by the caller: no query when the event payload reads them.
    conversation.inbox = inbox
    conversation.contact = contact
    return conversation


def _message_receive_locked(
    inbox: Inbox,
    inbound: InboundMessage,
    body: str,
    files: list[CheckedFile],
    *,
    subject: str,
    redactions: list[str],
    classifier: TopicClassifier | None = None,
) -> ReceiveResult:
    contact = contact_resolve(inbox=inbox, inbound=inbound)
    actor = Actor.of_contact(contact)
    conversation = (
        None
        if inbound.thread == "new" and not inbound.conversation_id
        else _open_conversation_locked(inbox, contact, inbound.conversation_id)
    )
    # Taken after the conversation's row lock: message times on a conversation then follow
    # commit order, which the messages cursor (created_at, id) relies on.
    moment = now()
    if (
        conversation is not None
        and conversation.status == Status.RESOLVED
        and (conversation.resolved_at is None or moment - conversation.resolved_at > REOPEN_WINDOW)
    ):
        conversation = None
    if conversation is None:
        conversation = conversation_open(
            inbox=inbox,
            contact=contact,
            actor=actor,
            subject=subject[:MAX_SUBJECT_CHARS],
            language=inbound.language,
        )
    elif conversation.status != Status.OPEN:
        # The customer wrote again: pending, snoozed and (recently) resolved cases reopen.
        previous = conversation.status
        conversation.status = Status.OPEN
        conversation.snoozed_until = None
        conversation.resolved_at = None
        conversation.save(
            update_fields=conversation.touch_fields("status", "snoozed_until", "resolved_at")
        )
        _load_moved(conversation, assignee_id=conversation.assignee_id, status=previous)
        _emit_conversation(
            "conversation.status_changed",
            conversation,
            actor,
            changed=["status"],
            public=True,
            previous_status=previous,
        )

    # --- enrichment: language, sentiment, urgency, topic (kefu/intelligence) ----------------
    enrichment = _enrich(conversation, body, moment, classifier)
    metadata = dict(inbound.metadata)
    if enrichment is not None:
        metadata["nlp"] = enrichment.message

    message = Message.objects.create(
        conversation=conversation,
        inbox=inbox,
        direction=Direction.INCOMING,
        author_contact=contact,
        body=body,
        source_id=inbound.source_id or None,
        delivery_status=DeliveryStatus.DELIVERED,
        redactions=redactions,
        metadata=metadata,
        created_at=moment,
        updated_at=moment,
    )
    stored = _store_attachments(message, files)
    fields = ["last_activity_at"]
    conversation.last_activity_at = moment
    if conversation.waiting_since is None:
        conversation.waiting_since = moment
        fields.append("waiting_since")
    if enrichment is not None:
        # Sticky language and a first topic; the message.created event below carries them.
        if enrichment.language != conversation.language:
            conversation.language = enrichment.language
            fields.append("language")
        if enrichment.topic != conversation.topic:
            conversation.topic = enrichment.topic
            fields.append("topic")
    Conversation.objects.filter(pk=conversation.pk).update(
        **{f: getattr(conversation, f) for f in fields}, updated_at=moment
    )
    _emit_message(
        conversation,
        message_state(message, attachments=stored),
        nlp=enrichment.message if enrichment is not None else None,
    )
    if redactions:
        _secret_shared(
            conversation, redactions, language=inbound.language or contact.preferred_language
        )
    if message.metadata.get("phishing_links"):
        _phishing_link_received(
            conversation,
            message.metadata["phishing_links"],
            language=inbound.language or contact.preferred_language,
        )
    return ReceiveResult(message, conversation, created=True)


def _enrichment_model() -> TopicClassifier | None:
    """The triage model, read before any lock is taken (at most one query every few seconds)."""
    try:
        return enrichment_model()
    except Exception:
        log.exception("triage model unavailable; messages are enriched without a topic")
        return None


def _enrich(
    conversation: Conversation, body: str, moment: datetime, classifier: TopicClassifier | None
) -> Enrichment | None:
    """NLP labels for an inbound message, on the redacted body, under the conversation lock
    (the sticky language rule reads the language the previous message left).

    No database access happens here, so a failure cannot poison the transaction: it costs
    the message its labels, never the message.
    """
    try:
        return enrichment_compute(
            body=body,
            classifier=classifier,
            conversation_language=conversation.language,
            conversation_topic=conversation.topic,
            conversation_created_at=conversation.created_at,
            moment=moment,
        )
    except Exception:
        log.exception(
            "enrichment failed on conversation %s; message stored without it", conversation.pk
        )
        return None


def _secret_shared(conversation: Conversation, kinds: list[str], *, language: str) -> None:
    """The customer pasted a secret: warn them at once, and put the case in front of Security."""
    from kefu.accounts.models import Team

    safety = Actor.system("safety")
    moment = now()
    _safety_notice(
        conversation,
        secret_warning(language=language or conversation.language, kinds=kinds),
        {"notice": "secret_shared", "kinds": kinds},
        moment=moment,
    )
    changed = []
    if conversation.priority != Priority.URGENT:
        conversation.priority, conversation.priority_rank = (
            Priority.URGENT,
            PRIORITY_RANK[Priority.URGENT],
        )
        changed += ["priority", "priority_rank"]
    security = Team.objects.filter(slug="security").first()
    if security is not None and conversation.team_id != security.pk:
        conversation.team = security
        changed.append("team")
    if changed:
        conversation.save(update_fields=conversation.touch_fields(*changed))
    tag, _ = Tag.objects.get_or_create(name="secret-shared")
    conversation.tags.add(tag)
    _activity_add(
        conversation, safety, f"Secret removed before storage ({', '.join(kinds)}); customer warned"
    )
    _emit_conversation("conversation.updated", conversation, safety, changed=[*changed, "tags"])


def _phishing_link_received(
    conversation: Conversation, links: list[dict[str, Any]], *, language: str
) -> None:
    """The customer sent a look-alike link (often one a scammer gave them): warn them."""
    from kefu.safety.selectors import official_domains

    domains = official_domains()
    warning = Message.objects.create(
        conversation=conversation,
        inbox=conversation.inbox,
        direction=Direction.OUTGOING,
        author_label="safety",
        body=phishing_warning(
            language=language or conversation.language,
            hosts=[str(link["host"]) for link in links],
            brand=settings.SAFETY_BRAND or (domains[0] if domains else ""),
            verify_url=f"{settings.PUBLIC_URL}/verify/",
        ),
        delivery_status=DeliveryStatus.SENT
        if conversation.inbox.channel_type in _IMMEDIATE_CHANNELS
        else DeliveryStatus.PENDING,
        metadata={
            "notice": "phishing_link",
            "hosts": [link["host"] for link in links],
            **safety_actions.outgoing_metadata(conversation.contact),
        },
    )
    _emit_message(conversation, message_state(warning, attachments=[]))


# Security tips go where they read as part of the chat; after a case is closed an extra email
# with links in it is what phishing looks like.
SECURITY_TIP_CHANNELS = {
    ChannelType.WEB_WIDGET,
    ChannelType.API,
    ChannelType.TELEGRAM,
    ChannelType.X,
    ChannelType.FACEBOOK,
}
SECURITY_TIP_INTERVAL = timedelta(days=7)  # the same tip to the same customer at most this often


@transaction.atomic
def security_tip_send(
    *, conversation: Conversation, kind: str, language: str = ""
) -> Message | None:
    """Send the customer a security tip (kefu.safety.notices.SECURITY_TIPS) in their language.

    At most one tip per conversation, and the same tip to a contact once a week; nothing on
    channels outside SECURITY_TIP_CHANNELS, on a closed conversation or with KEFU_SECURITY_TIPS
    off. Returns the message, or None when nothing was sent.
    """
    from kefu.safety.guard import GuardRules, outbound_check

    if not settings.SECURITY_TIPS or conversation.inbox.channel_type not in SECURITY_TIP_CHANNELS:
        return None
    conversation = conversation_lock(conversation)
    if conversation.status == Status.CLOSED:
        return None
    tips = Message.objects.filter(metadata__notice="security_tip")
    if (
        tips.filter(conversation=conversation).exists()
        or tips.filter(
            conversation__contact_id=conversation.contact_id,
            metadata__tip=kind,
            created_at__gte=now() - SECURITY_TIP_INTERVAL,
        ).exists()
    ):
        return None
    language = language or conversation.language or conversation.contact.preferred_language
    body = security_tip(language=language, kind=kind, verify_url=f"{settings.PUBLIC_URL}/verify/")
    # kefu's own text skips outbound_guard (system actor); it must still never ask for a secret.
    checked = outbound_check(body, official_domains=[], rules=GuardRules(foreign_link=False))
    if checked.blocked:
        raise RuntimeError(
            f"security tip {kind!r} blocked by the guard: {checked.violations[0].rule}"
        )
    return _safety_notice(conversation, body, {"notice": "security_tip", "tip": kind})


def _safety_notice(
    conversation: Conversation,
    body: str,
    metadata: dict[str, Any],
    *,
    moment: datetime | None = None,
) -> Message:
    """kefu's own safety message to the customer (a warning, a tip): stored and emitted."""
    moment = moment or now()
    notice = Message.objects.create(
        conversation=conversation,
        inbox=conversation.inbox,
        direction=Direction.OUTGOING,
        author_label="safety",
        body=body,
        delivery_status=DeliveryStatus.SENT
        if conversation.inbox.channel_type in _IMMEDIATE_CHANNELS
        else DeliveryStatus.PENDING,
        metadata={**metadata, **safety_actions.outgoing_metadata(conversation.contact)},
        created_at=moment,
        updated_at=moment,
    )
    _emit_message(conversation, message_state(notice, attachments=[]))
    return notice


@transaction.atomic
def message_send(
    *,
    conversation: Conversation,
    actor: Actor,
    body: str,
    attachments: list[InboundAttachment] = (),  # type: ignore[assignment]
    source_id: str | None = None,
    metadata: dict[str, Any] | None = None,  # channel details, e.g. an email reply's cc/bcc
    override_reason: str = "",
) -> Message:
    """An agent's (or the bot's) reply to the customer.

    The safety guard reads it first: a reply that asks for a secret, links off the official
    domains or carries a wallet address raises GuardBlocked, unless the agent overrides with a
    reason, which is audited and kept on the message.
    """
    _require(actor, Perm.CONVERSATION_REPLY)
    body = _clean_body(body, allow_empty=bool(attachments))
    overridden = safety_actions.outbound_guard(
        body=body, actor=actor, override_reason=override_reason
    )
    files = [attachment_check(filename=a.filename, content=a.content) for a in attachments]
    conversation = conversation_lock(conversation)
    if conversation.status == Status.CLOSED:
        raise Conflict(f"#{conversation.number} is closed; open a new conversation to write again")
    moment = now()
    message = Message.objects.create(
        conversation=conversation,
        inbox=conversation.inbox,
        direction=Direction.OUTGOING,
        author_agent=actor.agent,
        author_label="" if actor.agent else str(actor.kind),
        body=body,
        source_id=source_id,
        delivery_status=DeliveryStatus.SENT
        if conversation.inbox.channel_type in _IMMEDIATE_CHANNELS
        else DeliveryStatus.PENDING,
        metadata={
            **(metadata or {}),
            **safety_actions.outgoing_metadata(conversation.contact),
            **(
                safety_actions.guard_override_metadata(overridden, override_reason)
                if overridden
                else {}
            ),
        },
        created_at=moment,
        updated_at=moment,
    )
    if overridden:
        safety_actions.guard_override_audit(
            message_id=message.pk,
            conversation_id=conversation.pk,
            actor=actor,
            result=overridden,
            reason=override_reason,
        )
    stored = _store_attachments(message, files)
    fields = ["last_activity_at", "waiting_since"]
    conversation.last_activity_at = moment
    conversation.waiting_since = None
    if actor.kind == ActorKind.AGENT and conversation.first_response_at is None:
        conversation.first_response_at = moment
        fields.append("first_response_at")
    conversation.save(update_fields=conversation.touch_fields(*fields))
    _emit_message(conversation, message_state(message, attachments=stored))
    return message


@transaction.atomic
def note_add(
    *,
    conversation: Conversation,
    actor: Actor,
    body: str,
    attachments: list[InboundAttachment] = (),  # type: ignore[assignment]
) -> Message:
    """A private note: agents see it, the customer never does."""
    _require(actor, Perm.CONVERSATION_NOTE)
    body = _clean_body(body, allow_empty=bool(attachments))
    files = [attachment_check(filename=a.filename, content=a.content) for a in attachments]
    conversation = conversation_lock(conversation)
    message = Message.objects.create(
        conversation=conversation,
        inbox=conversation.inbox,
        direction=Direction.OUTGOING,
        private=True,
        author_agent=actor.agent,
        author_label="" if actor.agent else str(actor.kind),
        body=body,
    )
    stored = _store_attachments(message, files)
    _emit_message(conversation, message_state(message, attachments=stored), public=False)
    return message


def _activity_add(conversation: Conversation, actor: Actor, text: str) -> Message:
    """A line in the timeline ("Assigned to Mei"); agents only."""
    message = Message.objects.create(
        conversation=conversation,
        inbox=conversation.inbox,
        direction=Direction.ACTIVITY,
        private=True,
        author_agent=actor.agent,
        author_label="" if actor.agent else actor.label or str(actor.kind),
        body=text,
    )
    _emit_message(conversation, message_state(message, attachments=[]), public=False)
    return message


_STATUS_EVENT = {
    DeliveryStatus.DELIVERED: "message.delivered",
    DeliveryStatus.READ: "message.read",
    DeliveryStatus.FAILED: "message.failed",
}
_STATUS_ORDER = [
    DeliveryStatus.PENDING,
    DeliveryStatus.SENT,
    DeliveryStatus.DELIVERED,
    DeliveryStatus.READ,
]


@transaction.atomic
def message_set_delivery(*, message: Message, status: str, error: str = "") -> Message:
    """Record what the channel reported. Statuses only move forward (read never becomes sent)."""
    if status not in _STATUS_EVENT:
        raise ValidationFailed("delivery status must be delivered, read or failed", field="status")
    message = Message.objects.select_for_update().select_related("conversation").get(pk=message.pk)
    current = message.delivery_status
    if (
        status != DeliveryStatus.FAILED
        and current in _STATUS_ORDER
        and _STATUS_ORDER.index(current) >= _STATUS_ORDER.index(status)
    ):
        return message
    message.delivery_status = status
    message.delivery_error = error[:2000] if status == DeliveryStatus.FAILED else ""
    message.save(update_fields=message.touch_fields("delivery_status", "delivery_error"))
    payload = {
        "message_id": message.pk,
        "conversation_id": message.conversation_id,
        "delivery_status": status,
        "delivery_error": message.delivery_error,
    }
    public = status != DeliveryStatus.FAILED and not message.private
    event_emit(
        type=_STATUS_EVENT[status],
        payload=payload,
        streams=_streams(message.conversation),
        public_streams=_public_streams(message.conversation) if public else [],
    )
    return message


# --- contact merge support -------------------------------------------------------------------


def conversations_move_contact(*, source: Contact, target: Contact) -> list[str]:
    ids = [str(i) for i in Conversation.objects.filter(contact=source).values_list("pk", flat=True)]
    Conversation.objects.filter(pk__in=ids).update(contact=target, updated_at=now())
    Message.objects.filter(conversation_id__in=ids, author_contact=source).update(
        author_contact=target
    )
    return ids


def conversations_move_contact_back(
    *, conversation_ids: list[str], source: Contact, target: Contact
) -> None:
    Conversation.objects.filter(pk__in=conversation_ids, contact=source).update(
        contact=target, updated_at=now()
    )
    Message.objects.filter(conversation_id__in=conversation_ids, author_contact=source).update(
        author_contact=target
    )
