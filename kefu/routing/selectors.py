"""Reads for routing: who can take a conversation, queue order, position and ETA."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import F, Q, QuerySet

from kefu.accounts.models import Agent, Presence, Team
from kefu.accounts.permissions import Perm, agent_can
from kefu.conversations.models import Conversation, Status
from kefu.core.clock import now
from kefu.core.db import row_read
from kefu.core.errors import NotFound, PermissionDenied
from kefu.inboxes.models import ChannelType, Inbox
from kefu.routing.models import AgentLoad, ConversationRouting, Queue, RoutingProfile
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
    _INBOXES.clear()


_INBOXES: dict[Any, tuple[float, Inbox]] = {}


def inbox_cached(inbox_id: Any) -> Inbox:
    """The inbox, read at most once per KEFU_ROUTING_CACHE_SECONDS per process: every decision
    needs its channel kind (and the bot check its settings). Saving an inbox clears this
    process's copy. The instance is shared: read only.
    """
    ttl = settings.ROUTING_CACHE_SECONDS
    moment = time.monotonic()
    hit = _INBOXES.get(inbox_id)
    if ttl > 0 and hit is not None and moment - hit[0] < ttl:
        return hit[1]
    inbox = row_read(Inbox, inbox_id)
    if inbox is None:
        raise Inbox.DoesNotExist(f"inbox {inbox_id} is gone")
    _INBOXES[inbox_id] = (moment, inbox)
    return inbox


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
    load: int  # the maintained counter (AgentLoad): an estimate until `_slot_free` counts
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


def _uuids_in(column: str, model: Any, ids: list[Any]) -> tuple[str, list[Any]]:
    """`column` among primary keys of `model`. On PostgreSQL one array parameter written as text
    (`'{…}'::uuid[]`): a list of UUID objects cost more to bind than the query to run."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s::uuid[])", ["{" + ",".join(str(i) for i in ids) + "}"]
    return _ids_in(column, [_db_id(model, i) for i in ids])


def agent_loads(agent_ids: list[Any], kind: str) -> dict[Any, int]:
    """Open and pending conversations per agent of one channel kind, counted: one grouped
    statement. The count that decides capacity (`_slot_free`); the candidate read uses the
    maintained AgentLoad rows instead."""
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


def agent_loads_drift() -> list[tuple[Any, str, int | None, int]]:
    """(agent, kind, counter, count) for every AgentLoad row that differs from the conversations.

    One statement, so the counters and the counts come from the same snapshot: counters kept
    in step by the conversations' own transactions then always agree, whatever commits
    meanwhile; a difference is drift.
    """
    status, status_params = _ids_in("c.status", list(LOAD_STATUSES))
    tickets, ticket_params = _ids_in("i.channel_type", sorted(TICKET_CHANNELS))
    sql = (
        f"SELECT 0, agent_id, kind, held FROM {AgentLoad._meta.db_table} "  # noqa: S608 - names from model meta, values as parameters
        "UNION ALL "
        f"SELECT 1, c.assignee_id, CASE WHEN {tickets} THEN 'ticket' ELSE 'chat' END, count(*) "
        f"FROM {Conversation._meta.db_table} c JOIN {Inbox._meta.db_table} i ON i.id = c.inbox_id "
        f"WHERE c.assignee_id IS NOT NULL AND {status} GROUP BY 2, 3"
    )
    counters: dict[tuple[Any, str], int] = {}
    counts: dict[tuple[Any, str], int] = {}
    to_id = Agent._meta.pk.to_python
    with connection.cursor() as cur:
        cur.execute(sql, [*ticket_params, *status_params])
        for side, agent_id, kind, n in cur.fetchall():
            (counts if side else counters)[(to_id(agent_id), kind)] = n
    return [
        (agent_id, kind, counters.get((agent_id, kind)), counts.get((agent_id, kind), 0))
        for agent_id, kind in sorted({*counters, *counts}, key=lambda k: (str(k[0]), k[1]))
        if counters.get((agent_id, kind), 0) != counts.get((agent_id, kind), 0)
    ]


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
    """Agents who may take the conversation now, best first (`routing_candidate_lock` takes
    the best one for a decision; this lists them all, for estimates).

    Best = most spare capacity for the conversation's channel kind; ties go to the agent idle
    longest. Only agents in the queue's team and a team of the inbox, with the right skill
    (generalists have none) and language, online and on shift, with spare capacity.
    `languages` replaces the conversation's language (a fallback queue's languages; [] = any).
    """
    where = _who_could(conversation, queue, exclude, moment or now(), languages)
    if where is None:
        return []
    kind = channel_kind(conversation.inbox.channel_type)
    sql, params = _candidates_sql(
        where,
        kind,
        select="p.id, p.agent_id, COALESCE(l.held, 0), "
        "COALESCE(CAST(p.capacity ->> %s AS INTEGER), %s)",
        select_params=[kind, DEFAULT_CAPACITY[kind]],
    )
    profile_id, agent_id = RoutingProfile._meta.pk.to_python, Agent._meta.pk.to_python
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return [
            Candidate(profile_id(p), agent_id(a), held, cap) for p, a, held, cap in cur.fetchall()
        ]


def routing_candidate_lock(
    conversation: Conversation,
    queue: Queue | None,
    *,
    exclude: set[Any] = frozenset(),  # type: ignore[assignment]
    moment: datetime | None = None,
    languages: list[str] | None = None,
) -> RoutingProfile | None:
    """The best candidate's profile (as `routing_candidates` orders them), locked with
    `FOR UPDATE SKIP LOCKED` in the same statement: a profile another worker holds is passed
    over for the next. `kefu_held` on it is the load counter it was chosen by.

    Who could ever take it (teams, tier, skill, language) is decided in memory from a snapshot
    of the routing profiles, once per kind of conversation (`_eligible`); shifts are checked
    now; who can take it now (online, active, auto-assigning, spare capacity by the AgentLoad
    counter) and which one is best is this one statement. The caller recounts the load under
    the lock before taking the slot, so a stale snapshot or a drifted counter can cost a
    retry, never an agent over capacity. SQLite has no row locks and serializes writers.
    """
    where = _who_could(conversation, queue, exclude, moment or now(), languages)
    if where is None:
        return None
    lock = ""
    if connection.features.has_select_for_update_skip_locked:
        lock = " FOR UPDATE OF p SKIP LOCKED"
    sql, params = _candidates_sql(
        where,
        channel_kind(conversation.inbox.channel_type),
        select="p.*, COALESCE(l.held, 0) AS kefu_held",
        tail=f" LIMIT 1{lock}",
    )
    return next(iter(RoutingProfile.objects.raw(sql, params)), None)


def _who_could(
    conversation: Conversation,
    queue: Queue | None,
    exclude: set[Any],
    moment: datetime,
    languages: list[str] | None,
) -> tuple[str, list[Any]] | None:
    """The SQL condition on `p.id` selecting the profiles that could take the conversation
    (None: nobody could)."""
    group = _eligible(_profiles_snapshot(), conversation, queue, languages)
    open_shifts = frozenset(
        shift for shift in {p.shift_id for p in group.shifted} if on_shift(shift, moment)
    )
    if not exclude:
        return group.where(open_shifts)
    ids = [p.pk for p in group.of(open_shifts) if p.agent_id not in exclude]
    return _uuids_in("p.id", RoutingProfile, ids) if ids else None


def _candidates_sql(
    where: tuple[str, list[Any]],
    kind: str,
    *,
    select: str,
    select_params: list[Any] = (),  # type: ignore[assignment]
    tail: str = "",
) -> tuple[str, list[Any]]:
    """Among the profiles `where` selects: those online, active and auto-assigning with spare
    capacity of `kind` by the counters (no counter row = nothing held), best first."""
    ids_sql, ids_params = where
    spare = "COALESCE(CAST(p.capacity ->> %s AS INTEGER), %s) - COALESCE(l.held, 0)"
    cap = [kind, DEFAULT_CAPACITY[kind]]
    sql = (
        f"SELECT {select} FROM {RoutingProfile._meta.db_table} p "  # noqa: S608 - names from model meta, values as parameters
        f"JOIN {Agent._meta.db_table} a ON a.id = p.agent_id "
        f"LEFT JOIN {AgentLoad._meta.db_table} l ON l.agent_id = p.agent_id AND l.kind = %s "
        f"WHERE {ids_sql} AND p.auto_assign AND a.is_active AND a.presence = %s "
        f"AND {spare} > 0 ORDER BY {spare} DESC, p.last_assigned_at ASC NULLS FIRST, p.id{tail}"
    )
    return sql, [*select_params, kind, *ids_params, Presence.ONLINE, *cap, *cap]


@dataclass(frozen=True)
class _Profile:
    pk: Any
    agent_id: Any
    skills: tuple[str, ...]
    tier: str
    shift_id: Any
    languages: tuple[str, ...]
    teams: frozenset[Any]


@dataclass(frozen=True)
class _Eligible:
    """Profiles that could take one kind of conversation (same inbox, queue team and tier,
    topic and language), split by whether a shift calendar must be asked first."""

    always: list[_Profile]
    shifted: list[_Profile]
    # The SQL condition selecting those on shift, per set of open shift calendars (that set
    # changes a few times a day), built once: hundreds of ids cost time to write out.
    _where: dict[frozenset[Any], tuple[str, list[Any]] | None] = field(default_factory=dict)

    def of(self, open_shifts: frozenset[Any]) -> list[_Profile]:
        return self.always + [p for p in self.shifted if p.shift_id in open_shifts]

    def where(self, open_shifts: frozenset[Any]) -> tuple[str, list[Any]] | None:
        if open_shifts not in self._where:
            ids = [p.pk for p in self.of(open_shifts)]
            self._where[open_shifts] = _uuids_in("p.id", RoutingProfile, ids) if ids else None
        return self._where[open_shifts]


@dataclass(frozen=True)
class _Snapshot:
    taken: float
    profiles: list[_Profile]
    inbox_teams: dict[Any, frozenset[Any]]
    # Filled as decisions ask: (inbox, queue team and tier, topic, languages) -> _Eligible.
    eligible: dict[tuple[Any, ...], _Eligible]


_SNAPSHOT: dict[str, _Snapshot] = {}


def _eligible(
    snap: _Snapshot, conversation: Conversation, queue: Queue | None, languages: list[str] | None
) -> _Eligible:
    slug = topic_slug(conversation.topic)
    key = (
        conversation.inbox_id,
        queue.team_id if queue is not None else None,
        queue.tier if queue is not None else None,
        slug,
        conversation.language if languages is None else None,
        None if languages is None else tuple(languages),
    )
    hit = snap.eligible.get(key)
    if hit is not None:
        return hit
    inbox_teams = snap.inbox_teams.get(conversation.inbox_id, frozenset())
    always, shifted = [], []
    for prof in snap.profiles:
        if not (prof.teams & inbox_teams):
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
        (always if prof.shift_id is None else shifted).append(prof)
    hit = snap.eligible[key] = _Eligible(always, shifted)
    return hit


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
    profiles = [
        _Profile(
            pk,
            agent_id,
            tuple(skills or ()),
            tier,
            shift_id,
            tuple(spoken or ()),
            frozenset(teams.get(agent_id, ())),
        )
        for pk, agent_id, skills, tier, shift_id, spoken in RoutingProfile.objects.filter(
            auto_assign=True, agent__is_active=True
        )
        .order_by("pk")
        .values_list("pk", "agent_id", "skills", "tier", "shift_id", "agent__languages")
    ]
    inbox_teams_of = {k: frozenset(v) for k, v in inbox_teams.items()}
    # Nothing changed since the last read (the usual case): keep what was worked out from it.
    same = hit is not None and hit.profiles == profiles and hit.inbox_teams == inbox_teams_of
    snap = _Snapshot(moment, profiles, inbox_teams_of, hit.eligible if same and hit else {})
    _SNAPSHOT["profiles"] = snap
    return snap


def routing_snapshot_changed(sender: Any = None, instance: Any = None, **kw: Any) -> None:
    """Signal receiver: drop the snapshot, unless only a profile's last assignment moved (the
    candidate read takes that tie-break from the database)."""
    fields = kw.get("update_fields")
    if isinstance(instance, RoutingProfile) and fields and set(fields) <= _TIE_BREAK_FIELDS:
        return
    _SNAPSHOT.clear()


_TIE_BREAK_FIELDS = {"last_assigned_at", "updated_at"}


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
