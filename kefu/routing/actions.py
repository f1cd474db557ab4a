"""Every write of routing: profiles, queues, priority, assignment, escalation.

Assignment under concurrency (PostgreSQL): the conversation is taken with
`SELECT ... FOR UPDATE SKIP LOCKED` (a conversation another worker is routing is skipped, never
assigned twice), then the chosen agent's RoutingProfile row with `FOR UPDATE SKIP LOCKED`; the
agent's load is recounted under that lock, so two workers can never both fill an agent's last
slot. Every automatic assignment goes through the profile lock; manual and supervisor
assignment (kefu.conversations.actions.conversation_assign) may go over capacity on purpose.
SQLite serializes writers (IMMEDIATE transactions), which gives the same guarantees.

Lock order, which every transaction that moves a load follows: the conversation, then (a
decision or a manual pick) the agent's profile, then the load counters (AgentLoad) in one
statement in agent order (`_loads_add`), then the event streams. A transaction moves counters
at most once (an escalation commits the transfer before its decision), and `agent_load_fix`
locks one counter row in a transaction of its own. So counter locks add no deadlock.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils.text import slugify

from kefu.accounts.models import Agent, Team
from kefu.accounts.permissions import Perm, agent_can
from kefu.contacts.models import Contact
from kefu.conversations import actions as conv
from kefu.conversations.models import Conversation, Direction, Message, Status
from kefu.core.actors import Actor, ActorKind
from kefu.core.clock import now
from kefu.core.db import row_read
from kefu.core.errors import Conflict, PermissionDenied, ValidationFailed
from kefu.core.ids import uuid7
from kefu.inboxes.models import Inbox
from kefu.routing.models import AgentLoad, ConversationRouting, Queue, RoutingProfile, Tier
from kefu.routing.priority import TOPICS, PriorityInput, priority_score
from kefu.routing.selectors import (
    DEFAULT_CAPACITY,
    LOAD_STATUSES,
    agent_load,
    agent_loads_drift,
    capacity_of,
    channel_kind,
    inbox_cached,
    on_shift,
    queue_for,
    queue_get,
    routing_candidate_lock,
)

log = logging.getLogger(__name__)

ROUTER = Actor.system("routing")


def _require(actor: Actor, perm: Perm) -> None:
    if actor.kind == ActorKind.AGENT:
        assert actor.agent is not None
        if not agent_can(actor.agent, perm):
            raise PermissionDenied(f"your role ({actor.agent.role}) may not do this")


# --- configuration -------------------------------------------------------------------------


def _check_skills(skills: list[str]) -> list[str]:
    if not isinstance(skills, list) or any(s not in TOPICS for s in skills):
        raise ValidationFailed(f"skills are topics: {', '.join(TOPICS)}", field="skills")
    return sorted(set(skills))


def _check_capacity(capacity: dict[str, Any]) -> dict[str, int]:
    if not isinstance(capacity, dict) or set(capacity) - set(DEFAULT_CAPACITY):
        raise ValidationFailed("capacity keys are chat and ticket", field="capacity")
    out = {}
    for k, v in capacity.items():
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 500:
            raise ValidationFailed(f"capacity {k} must be an integer 0–500", field="capacity")
        out[k] = v
    return out


@transaction.atomic
def routing_profile_set(
    *,
    agent: Agent,
    actor: Actor,
    skills: list[str] | None = None,
    capacity: dict[str, int] | None = None,
    tier: str | None = None,
    shift: Any = ...,
    auto_assign: bool | None = None,
) -> RoutingProfile:
    """Create or change an agent's routing profile. None / `...` leaves a field as it is."""
    if actor.kind == ActorKind.AGENT and actor.agent != agent:
        _require(actor, Perm.AGENT_MANAGE)
    if tier is not None and tier not in Tier.values:
        raise ValidationFailed(f"tier must be one of {', '.join(Tier.values)}", field="tier")
    profile, _ = RoutingProfile.objects.select_for_update().get_or_create(agent=agent)
    fields = []
    if skills is not None:
        profile.skills = _check_skills(skills)
        fields.append("skills")
    if capacity is not None:
        profile.capacity = {**profile.capacity, **_check_capacity(capacity)}
        fields.append("capacity")
    if tier is not None:
        profile.tier = tier
        fields.append("tier")
    if shift is not ...:
        profile.shift = shift
        fields.append("shift")
    if auto_assign is not None:
        profile.auto_assign = bool(auto_assign)
        fields.append("auto_assign")
    if fields:
        profile.save(update_fields=profile.touch_fields(*fields))
    return profile


@transaction.atomic
def queue_create(
    *,
    name: str,
    team: Team,
    actor: Actor,
    tier: str = Tier.L1,
    topics: list[str] | None = None,
    languages: list[str] | None = None,
    position: int = 100,
    fallback: Queue | None = None,
) -> Queue:
    _require(actor, Perm.TEAM_MANAGE)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("a queue needs a name", field="name")
    if tier not in Tier.values:
        raise ValidationFailed(f"tier must be one of {', '.join(Tier.values)}", field="tier")
    if Queue.objects.filter(name=name).exists():
        raise Conflict(f"a queue named {name!r} exists", field="name")
    if not isinstance(languages or [], list) or any(
        not isinstance(lang, str) or not lang or len(lang) > 16 for lang in languages or []
    ):
        raise ValidationFailed("languages are BCP 47 codes", field="languages")
    return Queue.objects.create(
        name=name,
        slug=slugify(name)[:80] or "queue",
        team=team,
        tier=tier,
        topics=_check_skills(topics or []),
        languages=languages or [],
        position=position,
        fallback=fallback,
    )


# --- priority ------------------------------------------------------------------------------


def _signals(conversation: Conversation) -> dict[str, Any]:
    """NLP signals from the latest incoming message's metadata, when the triage put any there."""
    meta = (
        Message.objects.filter(conversation=conversation, direction=Direction.INCOMING)
        .order_by("-created_at")
        .values_list("metadata", flat=True)
        .first()
    )
    return _signals_of(meta)


def _signals_of(meta: Any) -> dict[str, Any]:
    if isinstance(meta, str | bytes):
        meta = json.loads(meta)  # read by a plain statement
    meta = meta if isinstance(meta, dict) else {}
    nlp = meta.get("nlp") if isinstance(meta.get("nlp"), dict) else meta
    out: dict[str, Any] = {}
    # kefu.intelligence writes {"score", "anger": bool, "urgency", "topic": {"topic", ...}};
    # numbers under "anger"/"sentiment" are accepted too (an external classifier's scale).
    for key, source in (("anger", "anger"), ("sentiment", "sentiment"), ("sentiment", "score")):
        v = nlp.get(source)
        if isinstance(v, bool):
            out[key] = 1.0 if v else 0.0
        elif isinstance(v, int | float) and key not in out:
            out[key] = float(v)
    topic = nlp.get("topic")
    if isinstance(topic, dict):
        topic = topic.get("topic")
    if isinstance(topic, str) and topic:
        out["topic"] = topic
    # Hacked / stolen / scam cues make a message "urgent" in the sentiment analysis.
    out["stolen_funds"] = bool(nlp.get("stolen_funds")) or nlp.get("urgency") == "urgent"
    return out


def priority_input_of(conversation: Conversation) -> PriorityInput:
    return _priority_input(
        conversation,
        _signals(conversation),
        vip_tier=conversation.contact.vip_tier,
        kyc_level=conversation.contact.kyc_level,
        channel=conversation.inbox.channel_type,
    )


def _priority_input(
    conversation: Conversation, s: dict[str, Any], *, vip_tier: int, kyc_level: int, channel: str
) -> PriorityInput:
    return PriorityInput(
        topic=conversation.topic or s.get("topic", ""),
        vip_tier=vip_tier,
        kyc_level=kyc_level,
        anger=s.get("anger"),
        sentiment=s.get("sentiment"),
        stolen_funds=s["stolen_funds"],
        channel=channel,
        manual_priority=conversation.priority,
        waiting_since=conversation.waiting_since,
    )


def _is_waiting(conversation: Conversation) -> bool:
    return conversation.status == Status.OPEN and conversation.assignee_id is None


def _prioritize_read(conversation_id: Any) -> Conversation:
    """The conversation with what its score needs (contact tier and KYC, channel, the latest
    incoming message's NLP) in one plain statement: every message re-scores its conversation."""
    message = Message._meta.db_table
    rows = list(
        Conversation.objects.raw(
            "SELECT c.*, ct.vip_tier AS kefu_vip, ct.kyc_level AS kefu_kyc, "  # noqa: S608 - names from model meta, values as parameters
            "i.channel_type AS kefu_channel, "
            f"(SELECT m.metadata FROM {message} m WHERE m.conversation_id = c.id "
            "AND m.direction = %s ORDER BY m.created_at DESC LIMIT 1) AS kefu_meta "
            f"FROM {Conversation._meta.db_table} c "
            f"JOIN {Contact._meta.db_table} ct ON ct.id = c.contact_id "
            f"JOIN {Inbox._meta.db_table} i ON i.id = c.inbox_id WHERE c.id = %s",
            [
                Direction.INCOMING,
                Conversation._meta.pk.get_db_prep_value(conversation_id, connection),
            ],
        )
    )
    if not rows:
        raise Conversation.DoesNotExist(f"conversation {conversation_id} is gone")
    return rows[0]


@transaction.atomic
def conversation_prioritize(*, conversation: Conversation) -> ConversationRouting:
    """Recompute the score, the queue and the waiting flag from the conversation as it is now."""
    conversation = _prioritize_read(conversation.pk)
    r = row_read(ConversationRouting, conversation.pk, column="conversation_id", lock="update")
    if r is None:  # first time: get_or_create settles a race between two first events
        r, _ = ConversationRouting.objects.select_for_update().get_or_create(
            conversation=conversation
        )
    score = priority_score(
        _priority_input(
            conversation,
            _signals_of(conversation.kefu_meta),
            vip_tier=int(conversation.kefu_vip or 0),
            kyc_level=int(conversation.kefu_kyc or 0),
            channel=conversation.kefu_channel,
        )
    )
    since = conversation.waiting_since or conversation.created_at
    r.base_score = score.base
    r.reasons = score.reasons
    r.urgency_key = score.base - score.per_hour * since.timestamp() / 3600
    r.waiting_since = conversation.waiting_since
    r.waiting = _is_waiting(conversation)
    if not r.escalated:
        found = queue_for(topic=conversation.topic, language=conversation.language)
        if found is not None:
            r.queue, r.tier = found, found.tier
    if conversation.assignee_id != r.assigned_to:
        r.assigned_to = conversation.assignee_id
        r.assigned_at = now() if conversation.assignee_id else None
    r.save()
    return r


# --- load counters -------------------------------------------------------------------------


def agent_load_track(*, conversation: Conversation, assignee_id: Any, status: str) -> None:
    """Keep the AgentLoad counters in step with a change of a conversation's assignee or status.

    Called by the conversation actions inside their transaction, after the change, with the
    assignee and status the conversation had before it. No statement when the change moves no
    load (a reply, open <-> pending, a team change).
    """
    before = assignee_id if status in LOAD_STATUSES else None
    after = conversation.assignee_id if conversation.status in LOAD_STATUSES else None
    if before == after:
        return
    inbox = (
        conversation.inbox
        if Conversation.inbox.is_cached(conversation)
        else inbox_cached(conversation.inbox_id)
    )
    kind = channel_kind(inbox.channel_type)
    _loads_add(kind, [(a, d) for a, d in ((before, -1), (after, 1)) if a is not None])


def _loads_add(kind: str, deltas: list[tuple[Any, int]]) -> None:
    """Add to counters, creating missing rows, in one statement that takes the rows' locks in
    agent order (the order every counter writer uses, so two of them never deadlock)."""
    moment = connection.ops.adapt_datetimefield_value(now())
    rows, params = [], []
    for agent_id, delta in sorted(deltas, key=lambda d: str(d[0])):
        rows.append("(%s, %s, %s, %s, %s, %s)")
        params += [_load_id(), moment, moment, _agent_db_id(agent_id), kind, delta]
    table = AgentLoad._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} (id, created_at, updated_at, agent_id, kind, held) "  # noqa: S608 - names from model meta, values as parameters
            f"VALUES {', '.join(rows)} ON CONFLICT (agent_id, kind) DO UPDATE "
            f"SET held = {table}.held + excluded.held, updated_at = excluded.updated_at",
            params,
        )


def _load_id() -> Any:
    return AgentLoad._meta.pk.get_db_prep_value(uuid7(), connection)


def _agent_db_id(agent_id: Any) -> Any:
    return Agent._meta.pk.get_db_prep_value(agent_id, connection)


def agent_load_fix(*, agent_id: Any, kind: str) -> int:
    """Set one agent's counter of `kind` to a fresh count of their conversations; returns it.

    The counter row is locked first, then counted by a later statement: that count sees every
    change committed before the lock, and a change committed after it adds its own delta to
    the value written here. One row only, so this never waits holding another counter's lock.
    """
    table = AgentLoad._meta.db_table
    moment = connection.ops.adapt_datetimefield_value(now())
    who = _agent_db_id(agent_id)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} (id, created_at, updated_at, agent_id, kind, held) "  # noqa: S608 - names from model meta, values as parameters
            "VALUES (%s, %s, %s, %s, %s, 0) ON CONFLICT (agent_id, kind) DO UPDATE "
            f"SET held = {table}.held",  # locks the existing row
            [_load_id(), moment, moment, who, kind],
        )
        held = agent_load(agent_id, kind)
        cur.execute(
            f"UPDATE {table} SET held = %s, updated_at = %s WHERE agent_id = %s AND kind = %s",  # noqa: S608 - names from model meta, values as parameters
            [held, moment, who, kind],
        )
    return held


def agent_loads_repair() -> int:
    """Correct every counter that drifted from the conversations; returns how many did.

    Drift means something changed an assignee or status without the conversation actions
    (raw SQL, a bulk import, an inbox's channel type edited in the admin). Run by the
    `routing_loads_repair` job every minute and by `kefu routing loads --repair`.
    """
    drifted = agent_loads_drift()
    fixed = 0
    for agent_id, kind, counter, count in drifted:
        try:
            agent_load_fix(agent_id=agent_id, kind=kind)
        except IntegrityError:
            continue  # the agent was deleted meanwhile (their rows went with them)
        fixed += 1
        log.warning(
            "routing: load counter of %s (%s) was %s, counted %s", agent_id, kind, counter, count
        )
    return fixed


# --- assignment ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteResult:
    conversation: Conversation
    assignee: Agent | None
    queue: Queue | None
    note: str
    # Time to decide (lock the conversation, choose the agent, take its slot), before the
    # assignment is written and its events emitted; bench/routing.py reports it.
    decided_in_ms: float = 0.0


def _lock_waiting(conversation_id: Any, *, reassign: bool) -> Conversation | None:
    """The open conversation under a row lock, skipped (None) when another worker holds it.

    One plain statement for the conversation and the routing columns a decision reads (the
    ORM's joins cost more to build than to run); the inbox comes from the routing cache. The
    routing row is a partial instance (`_ROUTING_READ` fields): save it with update_fields.
    """
    unassigned = " AND c.assignee_id IS NULL" if not reassign else ""
    lock = ""
    if connection.features.has_select_for_update_skip_locked:
        lock = " FOR UPDATE OF c SKIP LOCKED"
    rows = list(
        Conversation.objects.raw(
            "SELECT c.*, r.id AS kefu_r_id, r.queue_id AS kefu_r_queue, "  # noqa: S608 - names from model meta, values as parameters
            "r.assignments AS kefu_r_assignments, r.note AS kefu_r_note "
            f"FROM {Conversation._meta.db_table} c LEFT JOIN {ConversationRouting._meta.db_table} r "
            f"ON r.conversation_id = c.id WHERE c.id = %s AND c.status = %s{unassigned}{lock}",
            [Conversation._meta.pk.get_db_prep_value(conversation_id, connection), Status.OPEN],
        )
    )
    if not rows:
        return None
    c = rows[0]
    c.inbox = inbox_cached(c.inbox_id)
    if c.kefu_r_id is not None:
        to_id = ConversationRouting._meta.pk.to_python
        routing = ConversationRouting.from_db(
            connection.alias,
            _ROUTING_READ,
            [
                to_id(c.kefu_r_id),
                c.pk,
                Queue._meta.pk.to_python(c.kefu_r_queue),
                c.kefu_r_assignments,
                c.kefu_r_note,
            ],
        )
        Conversation.routing.related.set_cached_value(c, routing)
        ConversationRouting.conversation.field.set_cached_value(routing, c)
    return c


# In the order of the model's fields, as Model.from_db wants them.
_ROUTING_READ = ["id", "conversation_id", "queue_id", "assignments", "note"]


def _slot_free(profile: RoutingProfile, kind: str) -> bool:
    """Whether the agent of a profile locked by `routing_candidate_lock` has room: counted.

    A statement after the lock, so it sees every assignment committed before the lock was
    taken (a statement's snapshot is taken when it starts). When the count differs from the
    counter the profile was chosen by, the counter is set right after this transaction.
    """
    load = agent_load(profile.agent_id, kind)
    if load != profile.kefu_held:
        # Drifted, or moved since it was read (a change committed meanwhile). Set right in a
        # transaction of its own: here it would lock a counter out of order.
        transaction.on_commit(
            functools.partial(agent_load_fix, agent_id=profile.agent_id, kind=kind), robust=True
        )
    return load < capacity_of(profile, kind)


def _bot_holds(conversation: Conversation) -> bool:
    from django.apps import apps

    if not apps.is_installed("kefu.bot"):
        return False
    from kefu.bot.selectors import bot_holds

    return bot_holds(conversation)


def conversation_route(
    *,
    conversation: Conversation,
    reassign: bool = False,
    exclude: set[Any] = frozenset(),  # type: ignore[assignment]
    reason: str = "",
    moment: datetime | None = None,
) -> RouteResult | None:
    """Assign a waiting conversation to the best available agent, trying fallback queues.

    Returns None when another worker holds the conversation or it no longer waits. A result
    with assignee None means nobody could take it: it stays in its queue with the reason.
    """
    started = time.perf_counter()
    with transaction.atomic():
        c = _lock_waiting(conversation.pk, reassign=reassign)
        if c is None:
            return None
        if not reassign and _bot_holds(c):
            # The support bot answers first; its handoff (a note) brings the conversation back here.
            return None
        moment = moment or now()
        try:
            r = c.routing  # joined by _lock_waiting
        except ConversationRouting.DoesNotExist:
            r = ConversationRouting.objects.create(conversation=c)
        queue = (
            queue_get(r.queue_id) if r.queue_id else queue_for(topic=c.topic, language=c.language)
        )
        kind = channel_kind(c.inbox.channel_type)
        exclude = set(exclude) | ({c.assignee_id} if reassign and c.assignee_id else set())
        tried: list[Queue | None] = []
        q: Queue | None = queue
        while True:
            tried.append(q)
            # In a fallback queue the agent must speak that queue's language, not the customer's.
            langs = None if q == queue or q is None else list(q.languages)
            refused: set[Any] = set()
            while True:
                profile = routing_candidate_lock(
                    c, q, exclude=exclude | refused, moment=moment, languages=langs
                )
                if profile is None:
                    break
                if not _slot_free(profile, kind):
                    refused.add(profile.agent_id)
                    continue
                note = ""
                if q != queue and q is not None:
                    note = (
                        f"No agent available in {queue.name if queue else 'its queue'}; "
                        f"fell back to {q.name}"
                    )
                decided = (time.perf_counter() - started) * 1000
                res = _assign(c, r, profile, q, note=note, reason=reason, moment=moment)
                return dataclasses.replace(res, decided_in_ms=decided)
            if q is None or q.fallback_id is None or q.fallback in tried:
                break
            q = q.fallback
        note = f"Waiting in {queue.name}: no agent available" if queue else "No queue matches"
        if r.note != note or r.queue_id != (queue.pk if queue else None):
            r.note, r.queue = note, queue
            r.save(update_fields=r.touch_fields("note", "queue"))
        return RouteResult(c, None, queue, note, (time.perf_counter() - started) * 1000)


def _assign(
    c: Conversation,
    r: ConversationRouting,
    profile: RoutingProfile,
    queue: Queue | None,
    *,
    note: str,
    reason: str,
    moment: datetime,
) -> RouteResult:
    previous = c.assignee
    team = queue.team if queue is not None else ...
    c = conv.conversation_assign(conversation=c, actor=ROUTER, assignee=profile.agent, team=team)
    profile.last_assigned_at = moment
    profile.save(update_fields=profile.touch_fields("last_assigned_at"))
    r.assigned_at, r.assigned_to = moment, profile.agent_id
    r.assignments += 1
    r.waiting = False
    r.queue = queue
    r.note = note
    r.save(
        update_fields=r.touch_fields(
            "assigned_at", "assigned_to", "assignments", "waiting", "queue", "note"
        )
    )
    why = " — ".join(
        p
        for p in (
            reason,
            note,
            f"was {previous.display_name}" if previous and previous != profile.agent else "",
        )
        if p
    )
    if why:
        conv.note_add(conversation=c, actor=ROUTER, body=f"Routing: {why}")
    return RouteResult(c, profile.agent, queue, note)


@transaction.atomic
def queue_pick(*, agent: Agent, queue: Queue) -> Conversation:
    """An agent takes the most urgent waiting conversation of a queue (manual pick)."""
    _require(Actor.of_agent(agent), Perm.CONVERSATION_ASSIGN_SELF)
    ids = list(
        ConversationRouting.objects.filter(queue=queue, waiting=True)
        .order_by("-urgency_key", "conversation_id")
        .values_list("conversation_id", flat=True)[:50]
    )
    for cid in ids:
        c = _lock_waiting(cid, reassign=False)
        if c is None:
            continue
        profile = RoutingProfile.objects.select_for_update().filter(agent=agent).first()
        kind = channel_kind(c.inbox.channel_type)
        if profile is not None and agent_load(agent.pk, kind) >= capacity_of(profile, kind):
            raise Conflict(
                f"you are at your {kind} capacity ({capacity_of(profile, kind)})",
                code="over_capacity",
            )
        c = conv.conversation_assign(
            conversation=c, actor=Actor.of_agent(agent), assignee=agent, team=queue.team
        )
        moment = now()
        ConversationRouting.objects.filter(conversation=c).update(
            assigned_at=moment, assigned_to=agent.pk, waiting=False, note="", updated_at=moment
        )
        if profile is not None:
            profile.last_assigned_at = moment
            profile.save(update_fields=profile.touch_fields("last_assigned_at"))
        return c
    raise Conflict(f"nothing is waiting in {queue.name}", code="queue_empty")


ESCALATION_TIERS = [Tier.L1, Tier.L2, Tier.DEPARTMENT]


def conversation_escalate(
    *,
    conversation: Conversation,
    actor: Actor,
    note: str,
    queue: Queue | None = None,
) -> RouteResult | None:
    """Transfer to the next tier (L1 → L2 → department) or to a named queue, with a note.

    The note is kept on the conversation as a private note for whoever takes it next. The
    transfer commits first (the conversation then waits in its new queue), and the decision
    runs in a transaction of its own, as every decision does: each transaction then moves load
    counters in one statement (see the module's lock order).
    """
    _require(actor, Perm.CONVERSATION_ASSIGN_OTHERS)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("an escalation needs a transfer note", field="note")
    c, queue = _escalate_transfer(conversation, actor, note, queue)
    return conversation_route(conversation=c, reason=f"escalated to {queue.name}")


@transaction.atomic
def _escalate_transfer(
    conversation: Conversation, actor: Actor, note: str, queue: Queue | None
) -> tuple[Conversation, Queue]:
    c = conv.conversation_lock(conversation)
    if c.status in (Status.RESOLVED, Status.CLOSED):
        raise Conflict(f"#{c.number} is {c.status}")
    r, _ = ConversationRouting.objects.select_for_update().get_or_create(conversation=c)
    if queue is None:
        i = ESCALATION_TIERS.index(Tier(r.tier))
        if i + 1 >= len(ESCALATION_TIERS):
            raise Conflict("already at the department tier: name the department's queue")
        tier = ESCALATION_TIERS[i + 1]
        queue = queue_for(topic=c.topic, language=c.language, tier=tier)
        if queue is None:
            raise Conflict(f"no {tier} queue matches this conversation", code="no_queue")
    r.tier, r.queue, r.escalated = queue.tier, queue, True
    r.note = f"Escalated to {queue.name}"
    r.save(update_fields=r.touch_fields("tier", "queue", "escalated", "note"))
    # Unassigned before the note is written: load counters are locked before event streams.
    c = conv.conversation_assign(conversation=c, actor=ROUTER, assignee=None, team=queue.team)
    conv.note_add(conversation=c, actor=actor, body=f"Transfer to {queue.name}: {note}")
    conversation_prioritize(conversation=c)
    return c, queue


# --- the sweep -----------------------------------------------------------------------------


def routing_sweep(*, moment: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Assign what waits, and reassign what an absent or silent agent holds.

    - waiting conversations, most urgent first, each tried once per sweep;
    - assigned ones where the customer still waits and the agent went offline, is off shift,
      or has not answered within KEFU_ROUTING_ANSWER_SECONDS of being assigned.
    """
    moment = moment or now()
    done = {"assigned": 0, "reassigned": 0, "unplaced": 0}
    waiting = list(
        ConversationRouting.objects.filter(waiting=True)
        .order_by("-urgency_key")
        .values_list("conversation_id", flat=True)[:limit]
    )
    for cid in waiting:
        res = conversation_route(conversation=Conversation(pk=cid), moment=moment)
        if res is not None:
            done["assigned" if res.assignee else "unplaced"] += 1
    timeout = moment - timedelta(seconds=settings.ROUTING_ANSWER_SECONDS)
    held = (
        ConversationRouting.objects.filter(
            assigned_at__isnull=False,
            conversation__status=Status.OPEN,
            conversation__waiting_since__isnull=False,
            conversation__assignee__isnull=False,
        )
        .select_related("conversation__assignee__routing_profile__shift")
        .order_by("assigned_at")[: limit * 5]
    )
    for r in held:
        agent = r.conversation.assignee
        profile = getattr(agent, "routing_profile", None)
        if profile is None:
            continue  # routing does not manage this agent's work
        reason = ""
        present = agent.is_active and agent.presence == "online"
        if not present or not on_shift(profile.shift_id, moment):
            state = agent.presence if present or agent.is_active else "deactivated"
            reason = f"{agent.display_name} is {state if not present else 'off shift'}"
        elif (
            r.assigned_at < timeout
            and r.conversation.waiting_since is not None
            and r.conversation.waiting_since < timeout
            and not _answered_since(r.conversation, r.assigned_at)
        ):
            reason = f"{agent.display_name} did not answer within {settings.ROUTING_ANSWER_SECONDS // 60} min"
        if not reason:
            continue
        res = conversation_route(
            conversation=r.conversation, reassign=True, reason=reason, moment=moment
        )
        if res is not None and res.assignee is not None:
            done["reassigned"] += 1
    return done


def _answered_since(conversation: Conversation, since: datetime) -> bool:
    return Message.objects.filter(
        conversation=conversation,
        direction=Direction.OUTGOING,
        private=False,
        author_agent__isnull=False,
        created_at__gte=since,
    ).exists()
