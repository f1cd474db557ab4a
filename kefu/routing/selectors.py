"""Reads for routing: who can take a conversation, queue order, position and ETA."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import F, Q, QuerySet

from kefu.accounts.models import Agent, Presence, Team
from kefu.accounts.permissions import Perm, agent_can
from kefu.conversations.models import Conversation, Status
from kefu.core.clock import now
from kefu.core.errors import NotFound, PermissionDenied
from kefu.inboxes.models import ChannelType, Inbox
from kefu.routing.models import ConversationRouting, Queue, RoutingProfile
from kefu.routing.priority import priority_explain, topic_slug, weights

TICKET_CHANNELS = {ChannelType.EMAIL}
# Conversations that hold a slot of an agent's capacity.
LOAD_STATUSES = [Status.OPEN, Status.PENDING]
DEFAULT_CAPACITY = {"chat": 4, "ticket": 20}


def channel_kind(channel_type: str) -> str:
    """Capacity is counted per kind: live chats (any messaging channel) and email tickets."""
    return "ticket" if channel_type in TICKET_CHANNELS else "chat"


def _kinds(kind: str) -> list[str]:
    return [c for c in ChannelType.values if channel_kind(c) == kind]


def language_matches(agent_languages: list[str], language: str) -> bool:
    """An agent speaks `language` if they list it or its primary subtag (zh-Hant ~ zh-Hant)."""
    if not language:
        return True
    lang = language.lower()
    primary = lang.split("-")[0]
    for spoken in agent_languages or []:
        s = spoken.lower()
        if s == lang or (s.split("-")[0] == primary and (primary != "zh" or s == lang)):
            return True
    return False


_QUEUES: dict[str, tuple[float, dict[Any, Queue], list[Queue]]] = {}


def _queues() -> tuple[dict[Any, Queue], list[Queue]]:
    """Every queue by id (teams and fallbacks joined) and the active ones in order.

    Read at most once per KEFU_ROUTING_CACHE_SECONDS per process: every routing decision
    needs them and they change rarely. Saving a queue or a team clears this process's copy;
    other processes see the change within that time. The instances are shared: read only.
    """
    ttl = settings.ROUTING_CACHE_SECONDS
    hit = _QUEUES.get("queues")
    moment = time.monotonic()
    if ttl > 0 and hit is not None and moment - hit[0] < ttl:
        return hit[1], hit[2]
    rows = list(Queue.objects.select_related("team"))
    by_id = {q.pk: q for q in rows}
    fallback = Queue._meta.get_field("fallback")
    for q in rows:
        if q.fallback_id in by_id:
            fallback.set_cached_value(q, by_id[q.fallback_id])
    active = [q for q in rows if q.active]
    _QUEUES["queues"] = (moment, by_id, active)
    return by_id, active


def routing_cache_clear(**_: Any) -> None:
    _QUEUES.clear()


def queue_get(queue_id: Any) -> Queue | None:
    if queue_id is None:
        return None
    found = _queues()[0].get(queue_id)
    return (
        found
        if found is not None
        else Queue.objects.select_related("team").filter(pk=queue_id).first()
    )


def queue_for(*, topic: str, language: str, tier: str | None = None) -> Queue | None:
    """The first active queue (of the tier, if given) whose topics and languages match.

    Without a tier, a new conversation goes to L1 queues, or straight to a higher tier only
    through a queue that names its topics (security cases go to the Security department).
    """
    slug = topic_slug(topic)
    for q in _queues()[1]:
        if tier and q.tier != tier:
            continue
        if tier is None and q.tier != "l1" and not q.topics:
            continue
        if q.topics and slug not in q.topics:
            continue
        if q.languages and not any(language_matches([lang], language) for lang in q.languages):
            continue
        return q
    return None


@dataclass(frozen=True)
class Candidate:
    profile_id: Any
    agent_id: Any
    last_assigned_at: datetime | None
    load: int
    capacity: int

    @property
    def spare(self) -> int:
        return self.capacity - self.load


def agent_available(profile: RoutingProfile, moment: datetime) -> bool:
    agent = profile.agent
    if not agent.is_active or agent.presence != Presence.ONLINE or not profile.auto_assign:
        return False
    return on_shift(profile.shift_id, moment)


def on_shift(shift_id: Any, moment: datetime) -> bool:
    """True without a shift calendar; otherwise whether the calendar is open at `moment`."""
    if shift_id is None:
        return True
    from kefu.sla.calendars import hours_of, is_open
    from kefu.sla.models import Calendar

    calendar = _SHIFTS.get(shift_id)
    if calendar is None or (moment - calendar[1]).total_seconds() > 60:
        # Calendars change rarely; re-read each one at most once a minute per process.
        calendar = (Calendar.objects.filter(pk=shift_id).first(), moment)
        _SHIFTS[shift_id] = calendar
    return calendar[0] is None or is_open(hours_of(calendar[0]), moment)


_SHIFTS: dict[Any, tuple[Any, datetime]] = {}


def _db_id(model: Any, value: Any) -> Any:
    return model._meta.pk.get_db_prep_value(value, connection)


def _ids_in(column: str, values: list[Any]) -> tuple[str, list[Any]]:
    """`column IN (...)`: one array parameter on PostgreSQL (hundreds of placeholders cost
    more to bind than the query to run), placeholders on SQLite."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def agent_loads(agent_ids: list[Any], kind: str) -> dict[Any, int]:
    """Open and pending conversations per agent of one channel kind: one grouped statement."""
    if not agent_ids:
        return {}
    ids = [_db_id(Agent, a) for a in agent_ids]
    by_db = dict(zip(ids, agent_ids, strict=True))
    who, who_params = _ids_in("c.assignee_id", ids)
    status, status_params = _ids_in("c.status", list(LOAD_STATUSES))
    channel, channel_params = _ids_in("i.channel_type", _kinds(kind))
    sql = (
        f"SELECT c.assignee_id, count(*) FROM {Conversation._meta.db_table} c "  # noqa: S608 - names from model meta, values as parameters
        f"JOIN {Inbox._meta.db_table} i ON i.id = c.inbox_id "
        f"WHERE {who} AND {status} AND {channel} GROUP BY c.assignee_id"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [*who_params, *status_params, *channel_params])
        return {by_db.get(a, a): n for a, n in cur.fetchall()}


def agent_load(agent_id: Any, kind: str) -> int:
    return agent_loads([agent_id], kind).get(agent_id, 0)


def capacity_of(profile: RoutingProfile, kind: str) -> int:
    return int((profile.capacity or {}).get(kind, DEFAULT_CAPACITY[kind]))


def routing_candidates(
    conversation: Conversation,
    queue: Queue | None,
    *,
    exclude: set[Any] = frozenset(),  # type: ignore[assignment]
    moment: datetime | None = None,
    languages: list[str] | None = None,
) -> list[Candidate]:
    """Agents who may take the conversation now, best first.

    Best = most spare capacity for the conversation's channel kind; ties go to the agent idle
    longest. Only agents in the queue's team and a team of the inbox, with the right skill
    (generalists have none) and language, online and on shift, with spare capacity.
    `languages` replaces the conversation's language (a fallback queue's languages; [] = any).

    Who could ever take it (teams, tier, skill, language, shift) is decided in memory from a
    snapshot of the routing profiles; who can take it now (online, active, with spare
    capacity, and their loads) is read live for those agents (`agent_loads_online`). The slot is taken under a
    lock with a fresh count afterwards (`_take_slot`), so a stale snapshot can cost a retry,
    never an agent over capacity.
    """
    moment = moment or now()
    slug = topic_slug(conversation.topic)
    kind = channel_kind(conversation.inbox.channel_type)
    snap = _profiles_snapshot()
    inbox_teams = snap.inbox_teams.get(conversation.inbox_id, frozenset())
    eligible = []
    for prof in snap.profiles:
        if prof.agent_id in exclude or not (prof.teams & inbox_teams):
            continue
        if queue is not None and (prof.tier != queue.tier or queue.team_id not in prof.teams):
            continue
        if slug and prof.skills and slug not in prof.skills:
            continue
        if languages is None:
            if not language_matches(prof.languages, conversation.language):
                continue
        elif languages and not any(language_matches(prof.languages, x) for x in languages):
            continue
        if prof.shift_id is not None and not on_shift(prof.shift_id, moment):
            continue
        eligible.append(prof)
    if not eligible:
        return []
    loads = agent_loads_online([p.agent_id for p in eligible], kind)
    out = []
    for prof in eligible:
        load = loads.get(prof.agent_id)
        if load is None:
            continue  # offline or deactivated now
        cap = int(prof.capacity.get(kind, DEFAULT_CAPACITY[kind]))
        if cap > load:
            out.append(
                Candidate(prof.pk, prof.agent_id, snap.last_assigned.get(prof.pk), load, cap)
            )
    epoch = datetime.min.replace(tzinfo=UTC)
    out.sort(key=lambda c: (-c.spare, c.last_assigned_at or epoch, str(c.profile_id)))
    return out


@dataclass(frozen=True)
class _Profile:
    pk: Any
    agent_id: Any
    skills: tuple[str, ...]
    capacity: dict[str, int]
    tier: str
    shift_id: Any
    languages: tuple[str, ...]
    teams: frozenset[Any]


@dataclass(frozen=True)
class _Snapshot:
    taken: float
    profiles: list[_Profile]
    inbox_teams: dict[Any, frozenset[Any]]
    last_assigned: dict[Any, datetime | None]  # kept current by this process's assignments


_SNAPSHOT: dict[str, _Snapshot] = {}


def _profiles_snapshot() -> _Snapshot:
    """Routing profiles of active auto-assigning agents, with their teams and languages.

    Read at most once per KEFU_ROUTING_CACHE_SECONDS per process; changing a profile, an
    agent, a team's members or an inbox's teams clears this process's copy.
    """
    ttl = settings.ROUTING_CACHE_SECONDS
    hit = _SNAPSHOT.get("profiles")
    moment = time.monotonic()
    if ttl > 0 and hit is not None and moment - hit.taken < ttl:
        return hit
    teams: dict[Any, set[Any]] = {}
    for team_id, agent_id in Team.members.through.objects.values_list("team_id", "agent_id"):
        teams.setdefault(agent_id, set()).add(team_id)
    inbox_teams: dict[Any, set[Any]] = {}
    for inbox_id, team_id in Inbox.teams.through.objects.values_list("inbox_id", "team_id"):
        inbox_teams.setdefault(inbox_id, set()).add(team_id)
    profiles, last = [], {}
    for (
        pk,
        agent_id,
        skills,
        capacity,
        tier,
        shift_id,
        assigned,
        spoken,
    ) in RoutingProfile.objects.filter(auto_assign=True, agent__is_active=True).values_list(
        "pk",
        "agent_id",
        "skills",
        "capacity",
        "tier",
        "shift_id",
        "last_assigned_at",
        "agent__languages",
    ):
        profiles.append(
            _Profile(
                pk,
                agent_id,
                tuple(skills or ()),
                dict(capacity or {}),
                tier,
                shift_id,
                tuple(spoken or ()),
                frozenset(teams.get(agent_id, ())),
            )
        )
        last[pk] = assigned
    snap = _Snapshot(moment, profiles, {k: frozenset(v) for k, v in inbox_teams.items()}, last)
    _SNAPSHOT["profiles"] = snap
    return snap


def routing_snapshot_changed(sender: Any = None, instance: Any = None, **kw: Any) -> None:
    """Signal receiver: drop the snapshot, or note a new last assignment without re-reading."""
    fields = kw.get("update_fields")
    snap = _SNAPSHOT.get("profiles")
    if (
        snap is not None
        and isinstance(instance, RoutingProfile)
        and fields
        and set(fields) <= {"last_assigned_at", "updated_at"}
    ):
        if instance.pk in snap.last_assigned:
            snap.last_assigned[instance.pk] = instance.last_assigned_at
        return
    _SNAPSHOT.clear()


def agent_loads_online(agent_ids: list[Any], kind: str) -> dict[Any, int]:
    """Load per agent, for those of `agent_ids` online and active now.

    Two plain statements, each a simple index read whatever the planner's statistics say (a
    join of the two was planned as a nested loop over the grouped loads on a fresh database).
    """
    ids = [_db_id(Agent, a) for a in agent_ids]
    by_db = dict(zip(ids, agent_ids, strict=True))
    who, params = _ids_in("id", ids)
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT id FROM {Agent._meta.db_table} WHERE {who} AND presence = %s AND is_active",  # noqa: S608 - names from model meta, values as parameters
            [*params, Presence.ONLINE],
        )
        online = [by_db.get(row[0], row[0]) for row in cur.fetchall()]
    loads = agent_loads(online, kind)
    return {a: loads.get(a, 0) for a in online}


def queue_waiting(queue: Queue) -> QuerySet[ConversationRouting]:
    """Waiting conversations of a queue, most urgent first (an index walk)."""
    return (
        ConversationRouting.objects.filter(queue=queue, waiting=True)
        .select_related("conversation", "conversation__contact", "conversation__inbox")
        .order_by("-urgency_key", "conversation_id")
    )


def routing_of(conversation: Conversation) -> ConversationRouting | None:
    return ConversationRouting.objects.filter(conversation=conversation).first()


@dataclass(frozen=True)
class QueueEstimate:
    queue: str | None
    position: int | None  # 1 = next; None when not waiting in a queue
    ahead: int
    agents_available: int
    average_handle_seconds: float
    eta_seconds: float | None


def recent_handle_seconds(*, hours: int = 24, moment: datetime | None = None) -> float:
    """Median time from assignment to resolution of recently resolved conversations."""
    moment = moment or now()
    rows = list(
        ConversationRouting.objects.filter(
            conversation__resolved_at__gte=moment - timedelta(hours=hours),
            assigned_at__isnull=False,
            conversation__resolved_at__gt=F("assigned_at"),
        ).values_list("assigned_at", "conversation__resolved_at")[:500]
    )
    if not rows:
        return float(settings.ROUTING_DEFAULT_HANDLE_SECONDS)
    return statistics.median((r - a).total_seconds() for a, r in rows)


def queue_estimate(conversation: Conversation, *, moment: datetime | None = None) -> QueueEstimate:
    """Position in its queue and an estimated wait: (ahead + 1) · handle time / agents."""
    moment = moment or now()
    r = routing_of(conversation)
    handle = recent_handle_seconds(moment=moment)
    if r is None or not r.waiting:
        return QueueEstimate(
            r.queue.name if r and r.queue else None, None, 0, 0, handle, 0.0 if r else None
        )
    waiting = ConversationRouting.objects.filter(queue=r.queue, waiting=True)
    ahead = waiting.filter(
        Q(urgency_key__gt=r.urgency_key)
        | Q(urgency_key=r.urgency_key, conversation_id__lt=r.conversation_id)
    ).count()
    agents = routing_candidates(conversation, r.queue, moment=moment)
    slots = sum(c.spare for c in agents)
    eta = (ahead + 1) * handle / max(1, len(agents)) if ahead >= slots else 0.0
    return QueueEstimate(
        r.queue.name if r.queue else None, ahead + 1, ahead, len(agents), handle, eta
    )


def routing_state(r: ConversationRouting | None, conversation: Conversation) -> dict[str, Any]:
    """What the console and API show: score now, the reasons, queue and routing note."""
    moment = now()
    w = weights()
    if r is None:
        return {"score": None, "explanation": "", "queue": None, "tier": None, "note": ""}
    score = r.base_score + w["per_waiting_hour"] * (
        max(0.0, (moment - r.waiting_since).total_seconds() / 3600) if r.waiting_since else 0.0
    )
    return {
        "score": round(score, 1),
        "explanation": priority_explain(
            r.reasons, topic=conversation.topic, waiting_since=r.waiting_since, moment=moment
        ),
        "reasons": r.reasons,
        "queue": r.queue.name if r.queue_id and r.queue else None,
        "tier": r.tier,
        "waiting": r.waiting,
        "assigned_at": r.assigned_at,
        "note": r.note,
    }


def access_queue(*, agent: Agent, queue_id: Any) -> Queue:
    q = Queue.objects.select_related("team").filter(pk=queue_id).first()
    if q is None:
        raise NotFound("no such queue")
    if (
        not agent_can(agent, Perm.CONVERSATION_VIEW_ALL)
        and not q.team.members.filter(pk=agent.pk).exists()
    ):
        raise PermissionDenied("you are not in this queue's team")
    return q


def queues_of(agent: Agent) -> QuerySet[Queue]:
    qs = Queue.objects.filter(active=True).select_related("team")
    if agent_can(agent, Perm.CONVERSATION_VIEW_ALL):
        return qs
    return qs.filter(team__members=agent)


def routing_for_list(conversations: list[tuple[Any, str]]) -> dict[Any, dict[str, Any]]:
    """Score and explanation for list rows, in one query. Takes (conversation id, topic) pairs."""
    topics = dict(conversations)
    if not topics:
        return {}
    moment = now()
    per_hour = weights()["per_waiting_hour"]
    out = {}
    for r in ConversationRouting.objects.filter(conversation_id__in=list(topics)):
        hours = (
            max(0.0, (moment - r.waiting_since).total_seconds() / 3600) if r.waiting_since else 0.0
        )
        out[r.conversation_id] = {
            "score": round(r.base_score + per_hour * hours),
            "explanation": priority_explain(
                r.reasons,
                topic=topics[r.conversation_id],
                waiting_since=r.waiting_since,
                moment=moment,
            ),
        }
    return out
