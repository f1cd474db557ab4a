"""Every write of SLAs: calendars, policies, clocks, warnings, breaches and escalations.

Clock rules (docs/subsystems/sla.md):
- a conversation gets its policy (first match by position) when it is opened; first response
  and resolution clocks start then;
- a next-response clock starts when the customer writes after an agent replied, and stops with
  the next agent reply (which also stops the first-response clock);
- every clock pauses while the conversation waits on the customer (pending) or is snoozed, and
  resumes when it is open again; resolution stops when resolved or closed;
- the sweep warns at `warn_share` of the target and breaches at the target.

Clock rows are changed under a row lock (select_for_update), so the sweep on two hosts and an
event handler never act twice on one clock.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify

from kefu.accounts.models import Role
from kefu.conversations import actions as conv
from kefu.conversations.models import PRIORITY_RANK, Conversation, Priority, Status
from kefu.conversations.streams import inbox_stream
from kefu.core.actors import Actor, ActorKind
from kefu.core.clock import now
from kefu.core.errors import Conflict, PermissionDenied, ValidationFailed
from kefu.core.events import event_emit
from kefu.inboxes.models import ChannelType
from kefu.routing.priority import TOPICS, topic_slug
from kefu.sla.calendars import business_add, business_seconds, hours_check, hours_of
from kefu.sla.models import Calendar, ClockKind, ClockState, SlaClock, SlaPolicy

log = logging.getLogger(__name__)
SLA = Actor.system("sla")
ESCALATIONS = {"raise_priority", "notify_supervisor", "reassign"}


def _require_admin(actor: Actor) -> None:
    if actor.kind == ActorKind.AGENT:
        assert actor.agent is not None
        if actor.agent.role not in (Role.ADMIN, Role.SUPERVISOR):
            raise PermissionDenied("only admins and supervisors configure SLAs")


# --- configuration -------------------------------------------------------------------------


@transaction.atomic
def calendar_create(
    *,
    name: str,
    actor: Actor,
    timezone: str = "UTC",
    always_open: bool = False,
    weekly_hours: dict[str, list[list[str]]] | None = None,
    holiday_country: str = "",
    holiday_subdivision: str = "",
    extra_holidays: list[str] | None = None,
) -> Calendar:
    _require_admin(actor)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("a calendar needs a name", field="name")
    hours_check(
        timezone=timezone,
        always_open=always_open,
        weekly_hours=weekly_hours,
        holiday_country=holiday_country,
        holiday_subdivision=holiday_subdivision,
        extra_holidays=extra_holidays,
    )
    if Calendar.objects.filter(name=name).exists():
        raise Conflict(f"a calendar named {name!r} exists", field="name")
    return Calendar.objects.create(
        name=name,
        slug=slugify(name)[:80] or "calendar",
        timezone=timezone,
        always_open=always_open,
        weekly_hours=weekly_hours or {},
        holiday_country=holiday_country.upper(),
        holiday_subdivision=holiday_subdivision,
        extra_holidays=extra_holidays or [],
    )


def _check_conditions(conditions: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(conditions, dict):
        raise ValidationFailed("conditions must be an object", field="conditions")
    known = {"priorities", "min_vip_tier", "channels", "topics"}
    if set(conditions) - known:
        raise ValidationFailed(f"conditions are {', '.join(sorted(known))}", field="conditions")
    for key, allowed in (
        ("priorities", Priority.values),
        ("channels", ChannelType.values),
        ("topics", TOPICS),
    ):
        v = conditions.get(key, [])
        if not isinstance(v, list) or any(x not in allowed for x in v):
            raise ValidationFailed(
                f"{key} must be a list of {', '.join(allowed)}", field="conditions"
            )
    vip = conditions.get("min_vip_tier")
    if vip is not None and (not isinstance(vip, int) or not 0 <= vip <= 9):
        raise ValidationFailed("min_vip_tier is 0–9", field="conditions")
    return conditions


@transaction.atomic
def sla_policy_create(
    *,
    name: str,
    actor: Actor,
    conditions: dict[str, Any] | None = None,
    calendar: Calendar | None = None,
    first_response_seconds: int | None = None,
    next_response_seconds: int | None = None,
    resolution_seconds: int | None = None,
    warn_share: float = 0.8,
    on_warn: list[str] | None = None,
    on_breach: list[str] | None = None,
    position: int = 100,
) -> SlaPolicy:
    _require_admin(actor)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("a policy needs a name", field="name")
    for f, v in (
        ("first_response_seconds", first_response_seconds),
        ("next_response_seconds", next_response_seconds),
        ("resolution_seconds", resolution_seconds),
    ):
        if v is not None and (not isinstance(v, int) or v <= 0):
            raise ValidationFailed(f"{f} must be a positive number of seconds", field=f)
    if not (first_response_seconds or next_response_seconds or resolution_seconds):
        raise ValidationFailed("a policy needs at least one target", field="first_response_seconds")
    if not 0 < warn_share < 1:
        raise ValidationFailed("warn_share is between 0 and 1", field="warn_share")
    for f, v in (("on_warn", on_warn or []), ("on_breach", on_breach or [])):
        if set(v) - ESCALATIONS:
            raise ValidationFailed(
                f"{f}: escalations are {', '.join(sorted(ESCALATIONS))}", field=f
            )
    if SlaPolicy.objects.filter(name=name).exists():
        raise Conflict(f"a policy named {name!r} exists", field="name")
    return SlaPolicy.objects.create(
        name=name,
        conditions=_check_conditions(conditions or {}),
        calendar=calendar,
        first_response_seconds=first_response_seconds,
        next_response_seconds=next_response_seconds,
        resolution_seconds=resolution_seconds,
        warn_share=warn_share,
        on_warn=on_warn or [],
        on_breach=on_breach or [],
        position=position,
    )


def policy_matches(policy: SlaPolicy, conversation: Conversation) -> bool:
    c = policy.conditions or {}
    if c.get("priorities") and conversation.priority not in c["priorities"]:
        return False
    if c.get("min_vip_tier") and conversation.contact.vip_tier < c["min_vip_tier"]:
        return False
    if c.get("channels") and conversation.inbox.channel_type not in c["channels"]:
        return False
    return not (c.get("topics") and topic_slug(conversation.topic) not in c["topics"])


def policy_for(conversation: Conversation) -> SlaPolicy | None:
    for p in SlaPolicy.objects.filter(active=True).select_related("calendar"):
        if policy_matches(p, conversation):
            return p
    return None


# --- clocks --------------------------------------------------------------------------------


def _schedule(clock: SlaClock, policy: SlaPolicy, moment: datetime) -> None:
    """Set due/warn times of a running clock from its elapsed time and the calendar."""
    hours = hours_of(policy.calendar)
    left = max(0.0, clock.target_seconds - clock.elapsed_seconds)
    clock.due_at = business_add(hours, moment, left)
    warn_left = clock.target_seconds * policy.warn_share - clock.elapsed_seconds
    clock.warn_at = business_add(hours, moment, warn_left) if warn_left > 0 else moment
    pending = [
        t
        for t, done in ((clock.warn_at, clock.warned_at), (clock.due_at, clock.breached_at))
        if done is None
    ]
    clock.next_check_at = min(pending) if pending else None


def _clock_start(
    conversation: Conversation,
    policy: SlaPolicy,
    kind: str,
    moment: datetime,
    clocks: list[SlaClock],
) -> SlaClock | None:
    """Start a clock of `kind` unless one is live. `clocks`: the conversation's clocks, read
    under its lock; the new one is appended."""
    target = policy.target(kind)
    if not target:
        return None
    if any(k.kind == kind and k.state in _LIVE for k in clocks):
        return None
    clock = SlaClock(
        conversation=conversation,
        policy=policy,
        kind=kind,
        target_seconds=target,
        started_at=moment,
        running_since=moment,
        created_at=moment,
        updated_at=moment,
    )
    if conversation.status in (Status.PENDING, Status.SNOOZED):
        clock.state, clock.running_since = ClockState.PAUSED, None
    else:
        _schedule(clock, policy, moment)
    clock.save()
    clocks.append(clock)
    return clock


_LIVE = (ClockState.RUNNING, ClockState.PAUSED)


def _elapsed_now(clock: SlaClock, moment: datetime) -> float:
    if clock.state != ClockState.RUNNING or clock.running_since is None:
        return clock.elapsed_seconds
    return clock.elapsed_seconds + business_seconds(
        hours_of(clock.policy.calendar), clock.running_since, moment
    )


def _stop(clock: SlaClock, moment: datetime) -> None:
    clock.elapsed_seconds = _elapsed_now(clock, moment)
    breached = clock.breached_at is not None or clock.elapsed_seconds > clock.target_seconds
    clock.state = ClockState.BREACHED_STOPPED if breached else ClockState.MET
    clock.stopped_at = moment
    clock.running_since = clock.due_at = clock.warn_at = clock.next_check_at = None
    clock.save()


@transaction.atomic
def sla_clocks_sync(
    *, conversation: Conversation, event: str, moment: datetime | None = None
) -> list[SlaClock]:
    """Bring a conversation's clocks in line with what just happened to it.

    `event` is one of: opened, customer_wrote, agent_replied, status. Idempotent: calling it
    twice for one change changes nothing the second time. Returns the conversation's clocks,
    oldest first ([] when the conversation is gone).

    Every message runs this, so it reads twice (the conversation and all its clocks, both
    locked: the sweep's writes to a clock wait, and so do ours) and decides in memory.
    """
    moment = moment or now()
    try:
        c = conv.conversation_lock(conversation)
    except Conversation.DoesNotExist:
        return []
    clocks = list(
        SlaClock.objects.select_for_update(of=("self",))
        .select_related("policy__calendar")
        .filter(conversation_id=c.pk)
        .order_by("created_at", "id")
    )
    if event == "opened" and not clocks:
        policy = policy_for(c)
        if policy is not None:
            for kind in (ClockKind.FIRST_RESPONSE, ClockKind.RESOLUTION):
                _clock_start(c, policy, kind, moment, clocks)
    elif event == "agent_replied":
        for clock in clocks:
            if clock.state in _LIVE and clock.kind in (
                ClockKind.FIRST_RESPONSE,
                ClockKind.NEXT_RESPONSE,
            ):
                _stop(clock, moment)
    elif event == "customer_wrote" and c.first_response_at is not None:
        policy = clocks[-1].policy if clocks else policy_for(c)
        if policy is not None and c.waiting_since is not None:
            _clock_start(c, policy, ClockKind.NEXT_RESPONSE, moment, clocks)
    if event in ("status", "customer_wrote", "opened"):
        for clock in [k for k in clocks if k.state in _LIVE]:
            if c.status in (Status.RESOLVED, Status.CLOSED):
                _stop(clock, moment)
            elif c.status in (Status.PENDING, Status.SNOOZED) and clock.state == ClockState.RUNNING:
                clock.elapsed_seconds = _elapsed_now(clock, moment)
                clock.state = ClockState.PAUSED
                clock.running_since = clock.due_at = clock.warn_at = clock.next_check_at = None
                clock.save()
            elif c.status == Status.OPEN and clock.state == ClockState.PAUSED:
                clock.state = ClockState.RUNNING
                clock.running_since = moment
                _schedule(clock, clock.policy, moment)
                clock.save()
        if (
            c.status == Status.OPEN
            and clocks
            and not any(k.kind == ClockKind.RESOLUTION and k.state in _LIVE for k in clocks)
        ):
            # Reopened after resolution: a fresh resolution clock.
            _clock_start(c, clocks[-1].policy, ClockKind.RESOLUTION, moment, clocks)
    clocks.sort(key=lambda k: k.created_at)  # stable: ties keep their order
    return clocks


# --- the sweep -----------------------------------------------------------------------------


def sla_sweep(
    *, moment: datetime | None = None, limit: int = 1000, batch: int = 100
) -> dict[str, int]:
    """Warn and breach the clocks whose moment has come.

    Reads only `next_check_at <= now` through the partial index `sla_clock_due_idx`, a batch
    at a time under `FOR UPDATE SKIP LOCKED` (two sweeps split the work, none acts twice). A
    batch commits once: per-clock transactions spent most of a sweep waiting on commits. Each
    clock runs in a savepoint, so one failing escalation does not undo the others.
    """
    moment = moment or now()
    done = {"warned": 0, "breached": 0}
    seen = 0
    while seen < limit:
        with transaction.atomic():
            clocks = list(
                SlaClock.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("policy", "conversation__inbox", "conversation__contact")
                .filter(
                    next_check_at__isnull=False,
                    next_check_at__lte=moment,
                    state=ClockState.RUNNING,
                )
                .order_by("next_check_at")[: min(batch, limit - seen)]
            )
            for clock in clocks:
                try:
                    with transaction.atomic():
                        _sweep_one(clock, moment, done)
                except Exception:
                    log.exception("SLA sweep failed on clock %s", clock.pk)
                    # Checked again next sweep rather than retried in a loop now.
                    SlaClock.objects.filter(pk=clock.pk).update(
                        next_check_at=moment + timedelta(seconds=60)
                    )
        seen += len(clocks)
        if len(clocks) < batch:
            break
    return done


def _sweep_one(clock: SlaClock, moment: datetime, done: dict[str, int]) -> None:
    if clock.warned_at is None and clock.warn_at and clock.warn_at <= moment:
        clock.warned_at = moment
        done["warned"] += 1
        _notify(clock, "sla.warned", moment)
        _escalate(clock, clock.policy.on_warn, "warning")
    if clock.breached_at is None and clock.due_at and clock.due_at <= moment:
        clock.breached_at = moment
        done["breached"] += 1
        _notify(clock, "sla.breached", moment)
        _escalate(clock, clock.policy.on_breach, "breach")
    pending = [
        t
        for t, d in ((clock.warn_at, clock.warned_at), (clock.due_at, clock.breached_at))
        if d is None and t is not None
    ]
    clock.next_check_at = min(pending) if pending else None
    clock.save(update_fields=clock.touch_fields("warned_at", "breached_at", "next_check_at"))


def clock_state(clock: SlaClock, moment: datetime | None = None) -> dict[str, Any]:
    moment = moment or now()
    elapsed = _elapsed_now(clock, moment)
    return {
        "id": str(clock.pk),
        "kind": clock.kind,
        "policy": clock.policy.name,
        "state": clock.state,
        "target_seconds": clock.target_seconds,
        "elapsed_seconds": round(elapsed, 1),
        "remaining_seconds": round(clock.target_seconds - elapsed, 1),
        "due_at": clock.due_at.isoformat() if clock.due_at else None,
        "warned_at": clock.warned_at.isoformat() if clock.warned_at else None,
        "breached_at": clock.breached_at.isoformat() if clock.breached_at else None,
        "stopped_at": clock.stopped_at.isoformat() if clock.stopped_at else None,
    }


def _notify(clock: SlaClock, type: str, moment: datetime) -> None:
    c = clock.conversation
    streams = [inbox_stream(c.inbox_id, c.pk)]
    if c.assignee_id:
        streams.append(f"agent:{c.assignee_id}")
    event_emit(
        type=type,
        payload={
            "conversation_id": c.pk,
            "number": c.number,
            "clock": clock_state(clock, moment),
            "assignee_id": c.assignee_id,
            "team_id": c.team_id,
        },
        streams=streams,
    )


def _escalate(clock: SlaClock, actions: list[str], what: str) -> None:
    c = clock.conversation
    label = clock.get_kind_display().lower()
    if "raise_priority" in actions and c.priority != Priority.URGENT:
        order = [Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT]
        higher = order[min(PRIORITY_RANK[c.priority] + 1, 3)]
        conv.conversation_update(conversation=c, actor=SLA, priority=higher)
    if "notify_supervisor" in actions:
        conv.note_add(
            conversation=c,
            actor=SLA,
            body=f"SLA {what}: {label} ({clock.policy.name}) — supervisors notified",
        )
        from kefu.accounts.models import Agent

        for sup in (
            Agent.objects.filter(role=Role.SUPERVISOR, is_active=True)
            .filter(Q(teams=c.team_id) if c.team_id else Q())
            .distinct()[:20]
        ):
            event_emit(
                type="sla.escalated",
                payload={
                    "conversation_id": c.pk,
                    "number": c.number,
                    "clock": clock_state(clock),
                    "assignee_id": c.assignee_id,
                    "team_id": c.team_id,
                },
                streams=[f"agent:{sup.pk}"],
            )
    if "reassign" in actions and c.assignee_id is not None:
        from kefu.routing.actions import conversation_route

        # Runs after this clock's transaction commits: routing takes its own locks.
        transaction.on_commit(
            lambda: conversation_route(
                conversation=Conversation(pk=c.pk),
                reassign=True,
                reason=f"SLA {what} on {label}",
            )
        )
