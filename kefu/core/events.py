"""The event registry, the event log and the dispatcher.

Every event type is registered here with its payload schema. Actions call `event_emit` inside
their transaction: the event is validated, appended to the log of each stream it belongs to
(so it commits or rolls back with the change it describes), and handed to subscribers only
after the transaction commits. A client that reconnects replays the log from its last seq.

Streams: `conversation:<id>` carries what the customer may see (the widget); `inbox:<id>`
carries everything agents may see for that inbox (the console); `agent:<id>` is private to one
agent; `contact:<id>` follows a contact across conversations.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.db import connection, transaction
from pydantic import BaseModel, ConfigDict, ValidationError

from kefu.core.clock import now
from kefu.core.dispatch import dispatcher_running, hand_off, outbox_write, run_deferred
from kefu.core.ids import uuid7

log = logging.getLogger(__name__)


# --- payload schemas -------------------------------------------------------------------------


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ActorRef(Payload):
    kind: Literal["agent", "contact", "bot", "system", "api"]
    id: str
    label: str
    support_id: str | None = None  # an agent's public ID, checkable on /verify/


class AgentRef(Payload):
    id: UUID
    display_name: str


class TeamRef(Payload):
    id: UUID
    name: str


class ContactRef(Payload):
    id: UUID
    name: str


class ConversationState(Payload):
    """What an agent sees of a conversation; the console's list row and header."""

    id: UUID
    number: int
    inbox_id: UUID
    channel: str
    contact: ContactRef
    subject: str
    status: Literal["open", "pending", "snoozed", "resolved", "closed"]
    priority: Literal["low", "normal", "high", "urgent"]
    assignee: AgentRef | None
    team: TeamRef | None
    topic: str
    language: str
    tags: list[str]
    custom_attributes: dict[str, Any]
    waiting_since: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    snoozed_until: datetime | None
    last_activity_at: datetime
    created_at: datetime


class PublicConversationState(Payload):
    """What the customer sees of their own conversation."""

    id: UUID
    number: int
    status: Literal["open", "pending", "snoozed", "resolved", "closed"]
    assignee_name: str | None


class AttachmentState(Payload):
    id: UUID
    filename: str
    content_type: str
    size: int
    url: str


class MessageState(Payload):
    id: UUID
    conversation_id: UUID
    direction: Literal["incoming", "outgoing", "activity"]
    private: bool
    author: ActorRef | None
    body: str
    source_id: str | None
    delivery_status: Literal["pending", "sent", "delivered", "read", "failed"]
    delivery_error: str
    redactions: list[str]
    attachments: list[AttachmentState]
    created_at: datetime
    # The customer's anti-phishing code, on what kefu sends them (kefu.safety).
    anti_phishing_code: str = ""


class ConversationEvent(Payload):
    conversation: ConversationState
    actor: ActorRef
    changed: list[str] = []


class ConversationStatusEvent(ConversationEvent):
    previous_status: str


class PublicConversationEvent(Payload):
    conversation: PublicConversationState


class MessageEvent(Payload):
    message: MessageState
    # The conversation as it is after this message (last activity, waiting since, first
    # response); absent on the customer's stream, which must not see internal state.
    conversation: ConversationState | None = None
    # Inbound messages: language, sentiment score, anger, urgency, reasons and topic guess
    # (kefu/intelligence/enrichment.py). Agents' streams only.
    nlp: dict[str, Any] | None = None


class MessageStatusEvent(Payload):
    message_id: UUID
    conversation_id: UUID
    delivery_status: Literal["pending", "sent", "delivered", "read", "failed"]
    delivery_error: str = ""


class ContactEvent(Payload):
    contact_id: UUID
    actor: ActorRef
    changed: list[str] = []


class ContactMergedEvent(Payload):
    primary_id: UUID
    secondary_id: UUID
    audit_id: UUID
    actor: ActorRef
    reverted: bool = False


class ArticleTranslationState(Payload):
    language: str
    title: str
    published_revision: int | None  # revision number live in the help center, if any
    draft_revision: int | None  # a newer revision not published yet
    published_at: datetime | None


class ArticleState(Payload):
    """What writers and agents see of a help-center article (the KB list row)."""

    id: UUID
    slug: str
    category: str | None
    section: str | None
    internal: bool
    translations: list[ArticleTranslationState]
    updated_at: datetime


class ArticleEvent(Payload):
    article: ArticleState
    language: str | None  # the translation the change was about; None for article-wide changes
    revision_id: UUID | None = None
    actor: ActorRef


class ArticleRatedEvent(Payload):
    article_id: UUID
    feedback_id: UUID
    language: str
    helpful: bool
    has_comment: bool
    helpful_count: int
    unhelpful_count: int


class SlaClockState(Payload):
    id: UUID
    kind: Literal["first_response", "next_response", "resolution"]
    policy: str
    state: str
    target_seconds: int
    elapsed_seconds: float
    remaining_seconds: float
    due_at: datetime | None
    warned_at: datetime | None
    breached_at: datetime | None
    stopped_at: datetime | None


class SlaEvent(Payload):
    conversation_id: UUID
    number: int
    clock: SlaClockState
    assignee_id: UUID | None
    team_id: UUID | None


class AnnouncementText(Payload):
    title: str
    body: str


class AnnouncementState(Payload):
    """An announcement as every surface shows it. Customer-safe by construction (no author,
    no internal fields): the widget's `announcements:widget` stream carries it as is."""

    id: UUID
    kind: Literal["phishing_wave", "maintenance", "security", "incident", "general"]
    severity: Literal["info", "warning", "critical"]
    surfaces: list[Literal["widget", "help_center", "console"]]
    translations: dict[str, AnnouncementText]  # language tag -> text; "en" always present
    url: str
    starts_at: datetime
    ends_at: datetime | None
    updated_at: datetime


class AnnouncementEvent(Payload):
    announcement: AnnouncementState


class AnnouncementWithdrawnEvent(Payload):
    id: UUID


# --- registry --------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventType:
    name: str
    schema: type[Payload]
    description: str
    public_schema: type[Payload] | None = None  # what the customer's stream carries, if anything


REGISTRY: dict[str, EventType] = {}


def event_type_register(
    name: str, schema: type[Payload], description: str, public_schema: type[Payload] | None = None
) -> EventType:
    noun, _, verb = name.partition(".")
    if not noun or not verb or "." in verb:
        raise ValueError(f"event names are noun.verb, not {name!r}")
    if name in REGISTRY:
        raise ValueError(f"event type {name!r} is registered twice")
    REGISTRY[name] = EventType(name, schema, description, public_schema)
    return REGISTRY[name]


event_type_register(
    "conversation.created", ConversationEvent, "A conversation was opened.", PublicConversationEvent
)
event_type_register(
    "conversation.updated",
    ConversationEvent,
    "Subject, priority, topic, language, tags or attributes changed.",
)
event_type_register(
    "conversation.assigned", ConversationEvent, "Assignee or team changed.", PublicConversationEvent
)
event_type_register(
    "conversation.status_changed",
    ConversationStatusEvent,
    "Status changed.",
    PublicConversationEvent,
)
event_type_register(
    "message.created", MessageEvent, "A message, note or activity was added.", MessageEvent
)
event_type_register(
    "message.delivered",
    MessageStatusEvent,
    "An outbound message reached its channel.",
    MessageStatusEvent,
)
event_type_register(
    "message.read", MessageStatusEvent, "The recipient read the message.", MessageStatusEvent
)
event_type_register(
    "message.failed", MessageStatusEvent, "An outbound message could not be delivered."
)
event_type_register("contact.updated", ContactEvent, "A contact's profile changed.")
event_type_register(
    "contact.merged", ContactMergedEvent, "Two contacts were merged, or a merge was reverted."
)
event_type_register("article.drafted", ArticleEvent, "A draft revision of an article translation was saved.")
event_type_register("article.published", ArticleEvent, "An article translation (or a new revision of it) went live.")
event_type_register("article.unpublished", ArticleEvent, "An article translation was taken off the help center.")
event_type_register("article.updated", ArticleEvent, "An article's category, visibility, order, applies-to or related articles changed.")
event_type_register("article.rated", ArticleRatedEvent, "A reader answered 'Was this helpful?' on an article.")

event_type_register("sla.warned", SlaEvent, "An SLA clock used its warning share of the target.")
event_type_register("sla.breached", SlaEvent, "An SLA clock reached its target without being met.")
event_type_register("sla.escalated", SlaEvent, "A supervisor is told of an SLA warning or breach.")

event_type_register(
    "announcement.published",
    AnnouncementEvent,
    "An announcement started showing on a surface (its stream: announcements:<surface>).",
)
event_type_register(
    "announcement.updated",
    AnnouncementEvent,
    "A shown announcement's text, link or window changed.",
)
event_type_register(
    "announcement.withdrawn",
    AnnouncementWithdrawnEvent,
    "An announcement stopped showing on a surface (withdrawn, or the surface was removed).",
)


# --- emitting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    id: UUID
    type: str
    payload: dict[str, Any]
    occurred_at: datetime
    # stream -> seq for every stream this event was logged on
    seqs: dict[str, int] = field(default_factory=dict)
    public_payload: dict[str, Any] | None = None


Subscriber = Callable[[Event], None]
_subscribers: list[Subscriber] = []
# Deferred subscribers and the event types each wants (kefu/core/dispatch.py).
_deferred: list[tuple[Subscriber, frozenset[str]]] = []


def event_subscribe(
    handler: Subscriber, *, deferred: bool = False, types: Iterable[str] = ()
) -> Callable[[], None]:
    """Call handler(event) after each commit that emitted an event. Returns an unsubscribe.

    `deferred=True`: work the event causes (routing, SLA, the bot) rather than its delivery.
    In a server it runs on the dispatcher's threads after the sender has its answer, durably
    (see kefu/core/dispatch.py); elsewhere inline after commit. A deferred subscriber names
    the event `types` it wants, so other events cost nothing.
    """
    if deferred:
        wanted = frozenset(types)
        unknown = wanted - REGISTRY.keys()
        if not wanted or unknown:
            raise ValueError(f"deferred subscribers name registered event types; unknown: {sorted(unknown)}")
        entry = (handler, wanted)
        _deferred.append(entry)
        return lambda: _deferred.remove(entry)
    _subscribers.append(handler)
    return lambda: _subscribers.remove(handler)


def deferred_subscribers(type: str) -> list[Subscriber]:
    return [handler for handler, wanted in _deferred if type in wanted]


def stream_seq_next(key: str) -> int:
    """Take the next seq of a stream. Holds the stream's row lock until the caller commits."""
    return stream_seqs_next([key])[key]


def stream_seqs_next(keys: list[str]) -> dict[str, int]:
    """Take the next seq of each stream in one statement, locking them in the order given.

    The upsert takes the rows' locks (or SQLite's write lock) until the caller commits.
    """
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO core_eventstream (key, last_seq) VALUES "  # noqa: S608 - table names from model meta, values as parameters
            + ", ".join(["(%s, 1)"] * len(keys))
            + " ON CONFLICT (key) DO UPDATE SET last_seq = core_eventstream.last_seq + 1"
            " RETURNING key, last_seq",
            keys,
        )
        got = {key: int(seq) for key, seq in cur.fetchall()}
    assert len(got) == len(keys)
    return got


def _log_append(event: Event, bodies: dict[str, dict[str, Any]]) -> None:
    """Append the event to each stream's log: one INSERT, no model instances (the hot path)."""
    from kefu.core.models import EventLogEntry

    meta = EventLogEntry._meta
    event_id = meta.get_field("event_id").get_db_prep_value(event.id, connection)
    at = connection.ops.adapt_datetimefield_value(event.occurred_at)
    params: list[Any] = []
    for stream, body in bodies.items():
        params += [stream, event.seqs[stream], event.type, json.dumps(body), event_id, at]
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {meta.db_table} (stream, seq, type, payload, event_id, created_at) VALUES "  # noqa: S608 - table names from model meta, values as parameters
            + ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(bodies)),
            params,
        )


def event_emit(
    *,
    type: str,
    payload: Payload | dict[str, Any],
    streams: list[str],
    public_streams: list[str] = (),  # type: ignore[assignment]
    public_payload: Payload | dict[str, Any] | None = None,
) -> Event:
    """Log an event on its streams and dispatch it once the transaction commits.

    Must run inside the action's transaction: outside one, the log write and the change it
    describes could be split by a crash.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("event_emit must run inside the action's transaction.atomic()")
    spec = REGISTRY.get(type)
    if spec is None:
        raise ValueError(f"unknown event type {type!r}: register it in kefu/core/events.py")
    data = _validated(spec.schema, payload, type)
    public_data = None
    if public_streams:
        if spec.public_schema is None:
            raise ValueError(f"{type} has no public schema; it cannot go to a customer stream")
        public_data = _validated(spec.public_schema, public_payload or payload, type)

    event = Event(
        id=uuid7(), type=type, payload=data, occurred_at=now(), public_payload=public_data
    )
    # Sorted so that two transactions touching the same streams lock them in the same order.
    keys = sorted(set(streams) | set(public_streams))
    event.seqs.update(stream_seqs_next(keys))
    _log_append(event, {k: public_data if k in public_streams else data for k in keys})
    outbox = None
    if dispatcher_running() and deferred_subscribers(type):
        outbox = outbox_write(event)
    transaction.on_commit(lambda: _dispatch(event, outbox), robust=False)
    return event


def _validated(
    schema: type[Payload], payload: Payload | dict[str, Any], name: str
) -> dict[str, Any]:
    try:
        model = (
            payload
            if isinstance(payload, schema)
            else schema.model_validate(
                payload.model_dump() if isinstance(payload, BaseModel) else payload
            )
        )
    except ValidationError as exc:
        raise ValueError(f"payload of {name} does not match its schema: {exc}") from exc
    return model.model_dump(mode="json")


def _dispatch(event: Event, outbox: int | None = None) -> None:
    for handler in list(_subscribers):
        try:
            handler(event)
        except Exception:
            # One broken subscriber must not stop the others, nor undo a committed change.
            log.exception("event subscriber %r failed on %s", handler, event.type)
    if outbox is not None:
        hand_off(outbox, event)
    else:
        run_deferred(event)  # no server dispatcher in this process (tests, CLI): inline


# --- reading the log -------------------------------------------------------------------------


class ResyncRequired(Exception):
    """The client's last seq is older than the retained log: it must refetch state."""


def event_log_since(*, stream: str, after_seq: int, limit: int = 1000) -> list[dict[str, Any]]:
    """Events on a stream after `after_seq`, in order. Raises ResyncRequired on a gap."""
    from kefu.core.models import EventLogEntry

    entries = list(
        EventLogEntry.objects.filter(stream=stream, seq__gt=after_seq).order_by("seq")[:limit]
    )
    if after_seq > 0:
        if entries and entries[0].seq != after_seq + 1:
            raise ResyncRequired(stream)  # the log was pruned past what the client saw
        if not entries:
            from kefu.core.models import EventStream

            last = EventStream.objects.filter(key=stream).values_list("last_seq", flat=True).first()
            if (last or 0) != after_seq:
                # Behind with nothing left to replay (pruned), or ahead of the stream (a
                # client from another installation or a reset database): refetch.
                raise ResyncRequired(stream)
    return [
        {
            "stream": e.stream,
            "seq": e.seq,
            "type": e.type,
            "event_id": str(e.event_id),
            "payload": e.payload,
            "at": e.created_at.isoformat(),
        }
        for e in entries
    ]


def event_log_prune(*, older_than: datetime) -> int:
    """Drop log entries older than the retention window; streams keep their last_seq."""
    from kefu.core.models import EventLogEntry

    deleted, _ = EventLogEntry.objects.filter(created_at__lt=older_than).delete()
    return deleted
