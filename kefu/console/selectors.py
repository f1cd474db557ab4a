"""Reads for the agent console: list views and filters, rows, counts, the conversation pane.

Visibility always starts from `conversations_visible_to(agent)`: an agent never gets a row, a
count or a pane of a conversation outside their teams' inboxes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Agent, Team
from kefu.accounts.permissions import Perm, agent_can
from kefu.accounts.selectors import team_ids_of
from kefu.console.models import ConversationSeen
from kefu.conversations.models import Conversation, Priority, Status, Tag
from kefu.conversations.selectors import (
    conversation_list_extras,
    conversation_states,
    conversation_waiting_message_times,
    conversations_visible_to,
)
from kefu.conversations.status import TRANSITIONS
from kefu.core.events import ConversationState
from kefu.inboxes.models import ChannelType, Inbox
from kefu.inboxes.selectors import inboxes_visible_to
from kefu.routing.selectors import routing_for_list

PAGE_SIZE = 50
# Far enough that every real waiting_since sorts before it: "oldest waiting" puts conversations
# nobody waits on last.
_NEVER = datetime(9999, 1, 1, tzinfo=UTC)
_STATUS_ALL = "all"
# How many waiting conversations the per-view unread counts look at; beyond this the counts
# are a floor (a support team with thousands unanswered has a bigger problem than a badge).
UNREAD_SCAN_LIMIT = 2000

VIEW_LABELS = {
    "mine": _("Mine"),
    "unassigned": _("Unassigned"),
    "teams": _("My teams"),
    "all": _("All"),
}
# The UI's words for statuses and priorities (the models' labels are not translated).
STATUS_LABELS = {
    "open": _("Open"),
    "pending": _("Pending"),
    "snoozed": _("Snoozed"),
    "resolved": _("Resolved"),
    "closed": _("Closed"),
}
PRIORITY_LABELS = {"low": _("Low"), "normal": _("Normal"), "high": _("High"), "urgent": _("Urgent")}
SORT_LABELS = {"recent": _("Most recent activity"), "waiting": _("Oldest waiting")}


def views_for(agent: Agent) -> list[str]:
    views = ["mine", "unassigned", "teams"]
    if agent_can(agent, Perm.CONVERSATION_VIEW_ALL):
        views.append("all")
    return views


@dataclass(frozen=True)
class ListParams:
    """The list's view, filters and sort, as the URL carries them."""

    view: str = "mine"
    status: str = Status.OPEN
    priority: str = ""
    inbox: str = ""
    language: str = ""
    tag: str = ""
    q: str = ""
    sort: str = "recent"

    @classmethod
    def from_query(cls, query: QueryDict, agent: Agent) -> ListParams:
        """Unknown or malformed values fall back to defaults: a URL never breaks the console."""
        get = lambda k: (query.get(k) or "").strip()  # noqa: E731
        view = get("view") if get("view") in views_for(agent) else "mine"
        status = get("status") or Status.OPEN
        if status not in (*Status.values, _STATUS_ALL):
            status = Status.OPEN
        priority = get("priority") if get("priority") in Priority.values else ""
        inbox = get("inbox")
        try:
            inbox = str(uuid.UUID(inbox)) if inbox else ""
        except ValueError:
            inbox = ""
        return cls(
            view=view,
            status=status,
            priority=priority,
            inbox=inbox,
            language=get("language")[:16],
            tag=get("tag").lower()[:64],
            q=get("q")[:200],
            sort=get("sort") if get("sort") in SORT_LABELS else "recent",
        )

    def query(self, **changes: str) -> str:
        """The query string for these params (defaults left out), with `changes` applied."""
        params = replace(self, **changes)
        defaults = ListParams()
        return urlencode(
            {
                k: getattr(params, k)
                for k in self.__dataclass_fields__
                if getattr(params, k) != getattr(defaults, k)
            }
        )

    @property
    def filtered(self) -> bool:
        return any((self.priority, self.inbox, self.language, self.tag, self.q))


def conversations_in_view(agent: Agent, params: ListParams) -> QuerySet[Conversation]:
    qs = conversations_visible_to(agent)
    if params.view == "mine":
        qs = qs.filter(assignee=agent)
    elif params.view == "unassigned":
        qs = qs.filter(assignee__isnull=True)
    elif params.view == "teams":
        qs = qs.filter(team_id__in=team_ids_of(agent))
    if params.status != _STATUS_ALL:
        qs = qs.filter(status=params.status)
    if params.priority:
        qs = qs.filter(priority=params.priority)
    if params.inbox:
        qs = qs.filter(inbox_id=params.inbox)
    if params.language:
        qs = qs.filter(language=params.language)
    if params.tag:
        qs = qs.filter(tags__name=params.tag)
    if params.q:
        text = params.q.lstrip("#").strip()
        cond = (
            Q(subject__icontains=text)
            | Q(contact__name__icontains=text)
            | Q(contact__email__icontains=text)
            | Q(contact__exchange_uid=text)
        )
        if text.isdigit():
            cond |= Q(number=int(text))
        qs = qs.filter(cond)
    return qs


@dataclass
class Row:
    state: ConversationState
    vip_tier: int = 0
    preview: str = ""
    preview_direction: str = ""
    preview_private: bool = False
    unread: int = 0
    sort_key: str = ""
    routing: dict[str, Any] | None = None  # priority score and why (kefu.routing)


def _stamp(moment: datetime) -> str:
    # Fixed-width UTC, so keys compare as strings in the browser as they do here.
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _sort_key(state: ConversationState, sort: str) -> str:
    if sort == "waiting":
        return f"{_stamp(state.waiting_since or _NEVER)}|{state.id}"
    return f"{_stamp(state.last_activity_at)}|{state.id}"


def _ordered(qs: QuerySet[Conversation], sort: str) -> QuerySet[Conversation]:
    if sort == "waiting":
        return qs.annotate(wait_key=Coalesce("waiting_since", Value(_NEVER))).order_by(
            "wait_key", "id"
        )
    return qs.order_by("-last_activity_at", "-id")


def _after_cursor(qs: QuerySet[Conversation], sort: str, cursor: str) -> QuerySet[Conversation]:
    try:
        stamp, last_id = cursor.split("|", 1)
        moment = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=UTC)
        pk = uuid.UUID(last_id)
    except ValueError:
        return qs
    if sort == "waiting":
        return qs.annotate(wait_key=Coalesce("waiting_since", Value(_NEVER))).filter(
            Q(wait_key__gt=moment) | Q(wait_key=moment, id__gt=pk)
        )
    return qs.filter(Q(last_activity_at__lt=moment) | Q(last_activity_at=moment, id__lt=pk))


def unread_counts(agent: Agent, conversation_ids: list[Any]) -> dict[Any, int]:
    """Customer messages the agent has not seen since the conversation last got an answer."""
    times = conversation_waiting_message_times(conversation_ids)
    if not times:
        return {}
    seen = dict(
        ConversationSeen.objects.filter(agent=agent, conversation_id__in=list(times)).values_list(
            "conversation_id", "seen_at"
        )
    )
    out = {}
    for cid, moments in times.items():
        after = seen.get(cid)
        n = sum(1 for m in moments if after is None or m > after)
        if n:
            out[cid] = n
    return out


def rows_of(agent: Agent, qs: QuerySet[Conversation], sort: str) -> list[Row]:
    """List rows for an ordered, sliced queryset. Four queries: states, tags, extras, unread
    (plus the agent's seen marks when something is unread)."""
    states = conversation_states(qs)
    ids = [s.id for s in states]
    extras = conversation_list_extras(ids) if ids else {}
    unread = unread_counts(agent, ids) if ids else {}
    routing = routing_for_list([(s.id, s.topic) for s in states])
    return [
        Row(
            state=s,
            **extras.get(s.id, {}),
            unread=unread.get(s.id, 0),
            sort_key=_sort_key(s, sort),
            routing=routing.get(s.id),
        )
        for s in states
    ]


@dataclass
class Page:
    rows: list[Row]
    next_cursor: str | None


def list_page(agent: Agent, params: ListParams, *, cursor: str = "") -> Page:
    qs = conversations_in_view(agent, params)
    if cursor:
        qs = _after_cursor(qs, params.sort, cursor)
    rows = rows_of(agent, _ordered(qs, params.sort)[: PAGE_SIZE + 1], params.sort)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return Page(rows=rows, next_cursor=rows[-1].sort_key if more and rows else None)


def rows_by_ids(agent: Agent, params: ListParams, ids: list[str]) -> list[Row]:
    """The rows among `ids` that belong in the list as filtered: live updates re-ask the server
    rather than re-implementing the filters in the browser."""
    clean = []
    for i in ids[:PAGE_SIZE]:
        try:
            clean.append(uuid.UUID(i))
        except ValueError:
            continue
    if not clean:
        return []
    qs = conversations_in_view(agent, params).filter(pk__in=clean)
    return rows_of(agent, _ordered(qs, params.sort), params.sort)


@dataclass
class ViewCount:
    key: str
    label: str
    total: int = 0  # open conversations in the view
    unread: int = 0  # conversations in the view with unread customer messages


def view_counts(agent: Agent) -> list[ViewCount]:
    """Open and unread conversations per view: three queries whatever the number of views."""
    views = views_for(agent)
    team_ids = team_ids_of(agent)
    visible = conversations_visible_to(agent).filter(status=Status.OPEN)
    membership = {
        "mine": Q(assignee=agent),
        "unassigned": Q(assignee__isnull=True),
        "teams": Q(team_id__in=team_ids),
        "all": Q(),
    }
    totals = visible.aggregate(
        **{v: Count("pk", filter=membership[v]) if v != "all" else Count("pk") for v in views}
    )
    waiting = list(
        visible.filter(waiting_since__isnull=False)
        .order_by("-waiting_since")
        .values("id", "assignee_id", "team_id")[:UNREAD_SCAN_LIMIT]
    )
    unread = unread_counts(agent, [w["id"] for w in waiting]) if waiting else {}
    out = []
    for v in views:
        n = 0
        for w in waiting:
            if w["id"] not in unread:
                continue
            if (
                v == "all"
                or (v == "mine" and w["assignee_id"] == agent.pk)
                or (v == "unassigned" and w["assignee_id"] is None)
                or (v == "teams" and w["team_id"] in team_ids)
            ):
                n += 1
        out.append(ViewCount(key=v, label=str(VIEW_LABELS[v]), total=totals[v], unread=n))
    return out


@dataclass
class FilterOptions:
    inboxes: list[Inbox] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


def filter_options(agent: Agent) -> FilterOptions:
    return FilterOptions(
        inboxes=list(inboxes_visible_to(agent).order_by("name")),
        languages=sorted(
            set(
                conversations_visible_to(agent)
                .exclude(language="")
                .values_list("language", flat=True)
                .distinct()
            )
        ),
        tags=tag_names(),
    )


def tag_names() -> list[str]:
    return list(Tag.objects.order_by("name").values_list("name", flat=True)[:500])


def status_choices(current: str) -> list[str]:
    """The statuses a conversation may move to now, in the state machine's order."""
    return [s for s in Status.values if s in TRANSITIONS.get(current, frozenset())]


def teams_for_transfer(conversation: Conversation) -> list[Team]:
    return list(Team.objects.filter(inboxes=conversation.inbox_id).order_by("name"))


CHANNEL_LABELS = dict(ChannelType.choices)
