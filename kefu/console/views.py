"""The agent console's HTML: thin views over selectors and actions.

Every view resolves the conversation through `access_conversation(agent=…)`, so a conversation
outside the agent's inboxes is a 404 whatever the URL. Writes that are not messages (status,
assignment, priority, tags) are htmx form posts (CSRF-checked) answered with the re-rendered
header; replies, notes and attachments go through the REST API from the page's script.
"""

from __future__ import annotations

import mimetypes
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.accounts.forms import SecureAuthenticationForm
from kefu.accounts.models import Agent, Presence, Team
from kefu.accounts.permissions import Perm, agent_can
from kefu.console import selectors as sel
from kefu.console.actions import conversation_seen_mark
from kefu.contacts.selectors import contact_profile
from kefu.conversations import actions
from kefu.conversations.models import Conversation, Status
from kefu.conversations.selectors import (
    access_attachment,
    access_conversation,
    contact_conversations,
    conversation_assignable_agents,
    conversation_state,
    messages_by_ids,
    messages_of,
)
from kefu.core.actors import Actor
from kefu.core.errors import KefuError, NotFound, ValidationFailed
from kefu.intelligence.llm import llm_enabled
from kefu.realtime.selectors import console_streams, stream_latest
from kefu.routing.selectors import routing_of, routing_state
from kefu.safety.actions import contact_view_audit
from kefu.sla.selectors import clocks_of
from kefu.status.models import Surface
from kefu.status.selectors import announcements_for_console, announcements_next_change

LOGIN_URL = "/login/"
# A conversation's thread is rendered whole up to this; longer ones start at the latest part.
THREAD_LIMIT = 500

View = Callable[..., HttpResponse]


def _is_htmx(request: HttpRequest) -> bool:
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def console_view(fn: View) -> View:
    """Signed-in agents only; times shown in the agent's own time zone."""

    @wraps(fn)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not (user.is_authenticated and user.is_active):
            if request.headers.get("HX-Request") or request.method != "GET":
                # htmx follows HX-Redirect; the page's fetches treat 401 as "sign in again".
                return HttpResponse(status=401, headers={"HX-Redirect": LOGIN_URL})
            return redirect_to_login(request.get_full_path(), LOGIN_URL)
        assert isinstance(user, Agent)
        try:
            timezone.activate(ZoneInfo(user.timezone or "UTC"))
        except (ZoneInfoNotFoundError, ValueError):
            timezone.activate(ZoneInfo("UTC"))
        try:
            return fn(request, user, *args, **kwargs)
        except NotFound:
            raise Http404("not found") from None
        finally:
            timezone.deactivate()

    return wrapper


def _error(exc: KefuError) -> HttpResponse:
    # Shown as a toast by the page; nothing is swapped.
    return HttpResponse(
        exc.message,
        status=exc.status,
        content_type="text/plain; charset=utf-8",
        headers={"HX-Reswap": "none"},
    )


# --- login ---------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    form_class = SecureAuthenticationForm  # throttling and lockout (kefu.accounts.forms)
    template_name = "console/login.html"
    redirect_authenticated_user = True
    next_page = "/console/"


class LogoutView(auth_views.LogoutView):
    next_page = LOGIN_URL


# --- pages ---------------------------------------------------------------------------------


def _js_strings() -> dict[str, str]:
    """Every string the page's script shows, translated here so the UI has one catalogue."""
    return {
        "live": _("Live"),
        "connecting": _("Connecting…"),
        "reconnecting": _("Reconnecting…"),
        "offline": _("Offline"),
        "customer_typing": _("%(name)s is typing…"),
        "viewing_one": _("%(name)s is viewing this conversation"),
        "viewing_many": _("%(names)s are viewing this conversation"),
        "replying_one": _("%(name)s is replying"),
        "replying_many": _("%(names)s are replying"),
        "and": _(" and "),
        "waiting": _("waiting %(t)s"),
        "now": _("now"),
        "u_min": _("%(n)d min"),
        "u_h": _("%(n)d h"),
        "u_d": _("%(n)d d"),
        "sending": _("Sending…"),
        "send": _("Send"),
        "add_note": _("Add note"),
        "d_pending": _("Sending"),
        "d_sent": _("Sent"),
        "d_delivered": _("Delivered"),
        "d_read": _("Read"),
        "d_failed": _("Not delivered"),
        "too_large": _("%(name)s is larger than %(max)s MB"),
        "new_message": _("New message from %(name)s"),
        "notify_on": _("On"),
        "notify_off": _("Off"),
        "notifications_blocked": _(
            "Notifications are blocked in this browser's site settings; sound stays on"
        ),
        "resynced": _("Reconnected after a long gap: the list and conversation were reloaded"),
        "presence_saved": _("You are now %(presence)s"),
        "online": _("online"),
        "away": _("away"),
        "offline_presence": _("offline"),
        "error": _("Something went wrong; try again"),
        "copied": _("Copied"),
        "drafting": _("Drafting…"),
        "draft_reply": _("Draft reply"),
        "draft_ready": _("Draft inserted from the help center: check it before you send it"),
        "draft_none": _("The help center has nothing that answers this; nothing was drafted"),
    }


def _page_context(request: HttpRequest, agent: Agent) -> dict[str, Any]:
    # Cursors first, state second: an event committed in between is replayed and applied
    # idempotently, never missed (docs/subsystems/realtime.md).
    cursors = stream_latest(console_streams(agent))
    params = sel.ListParams.from_query(request.GET, agent)
    boot = {
        "me": {"id": str(agent.pk), "name": agent.display_name},
        "cursors": cursors,
        "strings": _js_strings(),
        "attachment_max_bytes": settings.ATTACHMENT_MAX_BYTES,
        "lang": translation.get_language(),
    }
    return {
        "agent": agent,
        "params": params,
        "page": sel.list_page(agent, params),
        "views": sel.view_counts(agent),
        "options": sel.filter_options(agent),
        "statuses": [*sel.STATUS_LABELS.items(), ("all", _("All statuses"))],
        "priorities": list(sel.PRIORITY_LABELS.items()),
        "sorts": sel.SORT_LABELS,
        "presences": Presence.choices,
        "channel_labels": sel.CHANNEL_LABELS,
        "boot": boot,
        "languages": settings.LANGUAGES,
        **_announcements_context(),
    }


def _announcements_context() -> dict[str, Any]:
    # Agents see phishing waves and outages first, so they can warn the customers who ask.
    return {
        "announcements": announcements_for_console(language=translation.get_language()),
        "announcements_next": announcements_next_change(surface=Surface.CONSOLE),
    }


def _workspace_context(agent: Agent, conversation: Conversation) -> dict[str, Any]:
    messages = list(messages_of(conversation))
    hidden = max(0, len(messages) - THREAD_LIMIT)
    contact = conversation.contact
    contact_view_audit(agent=agent, contact=contact, via="console")
    return {
        "conversation": conversation,
        "state": conversation_state(conversation),
        "messages": messages[hidden:],
        "hidden_messages": hidden,
        "contact": contact,
        "profile": contact_profile(contact),
        "previous": contact_conversations(
            agent=agent, contact_id=contact.pk, exclude=conversation.pk
        ),
        # "Draft reply" (POST /api/v1/conversations/{id}/reply-draft) needs a model server.
        "llm_drafts": llm_enabled(),
        **_header_context(agent, conversation),
    }


def _header_context(agent: Agent, conversation: Conversation) -> dict[str, Any]:
    now = timezone.now()
    local = timezone.localtime(now)
    tomorrow_9 = (local + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    next_monday = (local + timedelta(days=7 - local.weekday())).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    return {
        "conversation": conversation,
        "state": conversation_state(conversation),
        "routing": routing_state(routing_of(conversation), conversation),
        "clocks": clocks_of(conversation),
        "status_choices": sel.status_choices(conversation.status),
        "status_labels": sel.STATUS_LABELS,
        "priorities": list(sel.PRIORITY_LABELS.items()),
        "assignable": list(conversation_assignable_agents(conversation)),
        "teams": sel.teams_for_transfer(conversation),
        "snooze_presets": [
            (_("In 1 hour"), now + timedelta(hours=1)),
            (_("In 4 hours"), now + timedelta(hours=4)),
            (_("Tomorrow, 09:00"), tomorrow_9),
            (_("Next Monday, 09:00"), next_monday),
        ],
        "can": {
            "reply": agent_can(agent, Perm.CONVERSATION_REPLY),
            "note": agent_can(agent, Perm.CONVERSATION_NOTE),
            "assign_self": agent_can(agent, Perm.CONVERSATION_ASSIGN_SELF),
            "assign_others": agent_can(agent, Perm.CONVERSATION_ASSIGN_OTHERS),
            "status": agent_can(agent, Perm.CONVERSATION_STATUS),
            "edit": agent_can(agent, Perm.CONVERSATION_EDIT),
        },
        "channel_labels": sel.CHANNEL_LABELS,
        "all_tags": sel.tag_names(),
        "agent": agent,
    }


@require_GET
@console_view
def console_home(request: HttpRequest, agent: Agent) -> HttpResponse:
    return render(request, "console/console.html", _page_context(request, agent))


@require_GET
@console_view
def announcements_fragment(request: HttpRequest, agent: Agent) -> HttpResponse:
    """The banner, re-rendered when an announcement.* event arrives or one starts or ends."""
    return render(request, "console/_announcements.html", _announcements_context())


@require_GET
@console_view
def conversation_page(request: HttpRequest, agent: Agent, conversation_id: Any) -> HttpResponse:
    conversation = access_conversation(agent=agent, conversation_id=conversation_id)
    if _is_htmx(request):
        return render(request, "console/_workspace.html", _workspace_context(agent, conversation))
    context = _page_context(request, agent)
    context.update(_workspace_context(agent, conversation))
    return render(request, "console/console.html", context)


# --- list fragments ------------------------------------------------------------------------


@require_GET
@console_view
def list_fragment(request: HttpRequest, agent: Agent) -> HttpResponse:
    params = sel.ListParams.from_query(request.GET, agent)
    cursor = request.GET.get("cursor", "")[:200]
    page = sel.list_page(agent, params, cursor=cursor)
    template = "console/_rows.html" if cursor else "console/_list.html"
    return render(
        request,
        template,
        {
            "params": params,
            "page": page,
            "channel_labels": sel.CHANNEL_LABELS,
            "views": sel.view_counts(agent) if not cursor else None,
            "agent": agent,
        },
    )


@require_GET
@console_view
def rows_fragment(request: HttpRequest, agent: Agent) -> HttpResponse:
    """Rows for the given ids that belong in the list as filtered; the page inserts, moves
    or removes rows by what comes back."""
    params = sel.ListParams.from_query(request.GET, agent)
    ids = [i for i in request.GET.get("ids", "").split(",") if i]
    rows = sel.rows_by_ids(agent, params, ids)
    return render(
        request,
        "console/_rows.html",
        {
            "params": params,
            "page": sel.Page(rows=rows, next_cursor=None),
            "channel_labels": sel.CHANNEL_LABELS,
            "agent": agent,
        },
    )


@require_GET
@console_view
def counts_json(request: HttpRequest, agent: Agent) -> HttpResponse:
    return JsonResponse(
        {
            "views": [
                {"key": v.key, "total": v.total, "unread": v.unread} for v in sel.view_counts(agent)
            ]
        }
    )


# --- conversation fragments ------------------------------------------------------------------


@require_GET
@console_view
def conversation_header(request: HttpRequest, agent: Agent, conversation_id: Any) -> HttpResponse:
    conversation = access_conversation(agent=agent, conversation_id=conversation_id)
    return render(request, "console/_header.html", _header_context(agent, conversation))


@require_GET
@console_view
def conversation_messages(request: HttpRequest, agent: Agent, conversation_id: Any) -> HttpResponse:
    """The given messages (by id) of one conversation, for live inserts."""
    conversation = access_conversation(agent=agent, conversation_id=conversation_id)
    ids = _uuids(request.GET.get("ids", ""))[:100]
    messages = list(messages_by_ids(conversation, ids)) if ids else []
    return render(request, "console/_messages.html", {"messages": messages, "agent": agent})


@require_GET
@console_view
def conversation_thread(request: HttpRequest, agent: Agent, conversation_id: Any) -> HttpResponse:
    conversation = access_conversation(agent=agent, conversation_id=conversation_id)
    messages = list(messages_of(conversation))
    hidden = max(0, len(messages) - THREAD_LIMIT)
    return render(
        request,
        "console/_thread.html",
        {
            "messages": messages[hidden:],
            "hidden_messages": hidden,
            "agent": agent,
            "conversation": conversation,
        },
    )


@require_POST
@console_view
def conversation_seen(request: HttpRequest, agent: Agent, conversation_id: Any) -> HttpResponse:
    conversation = access_conversation(agent=agent, conversation_id=conversation_id)
    conversation_seen_mark(agent=agent, conversation=conversation)
    return HttpResponse(status=204)


def _header_after(request: HttpRequest, agent: Agent, conversation: Conversation) -> HttpResponse:
    conversation = access_conversation(agent=agent, conversation_id=conversation.pk)
    return render(request, "console/_header.html", _header_context(agent, conversation))


@require_POST
@console_view
def conversation_status(request: HttpRequest, agent: Agent, conversation_id: Any) -> HttpResponse:
    conversation = access_conversation(agent=agent, conversation_id=conversation_id)
    status = request.POST.get("status", "")
    until = None
    try:
        if status == Status.SNOOZED:
            raw = request.POST.get("snoozed_until", "")
            try:
                until = datetime.fromisoformat(raw.replace("Z", "+00:00")) if raw else None
            except ValueError:
                raise ValidationFailed(
                    _("pick a time to snooze until"), field="snoozed_until"
                ) from None
            if until is not None and until.tzinfo is None:
                until = timezone.make_aware(until)
        actions.conversation_set_status(
            conversation=conversation,
            actor=Actor.of_agent(agent),
            status=status,
            snoozed_until=until,
        )
    except KefuError as exc:
        return _error(exc)
    return _header_after(request, agent, conversation)


@require_POST
@console_view
def conversation_assign(request: HttpRequest, agent: Agent, conversation_id: Any) -> HttpResponse:
    conversation = access_conversation(agent=agent, conversation_id=conversation_id)
    kwargs: dict[str, Any] = {}
    assignee = request.POST.get("assignee", "")
    team = request.POST.get("team", "")
    try:
        if assignee == "me":
            kwargs["assignee"] = agent
        elif assignee == "none":
            kwargs["assignee"] = None
        elif assignee:
            kwargs["assignee"] = _by_id(Agent, assignee, _("no such agent"), "assignee")
        if team == "none":
            kwargs["team"] = None
        elif team:
            kwargs["team"] = _by_id(Team, team, _("no such team"), "team")
        if not kwargs:
            raise ValidationFailed(_("choose an agent or a team"), field="assignee")
        actions.conversation_assign(
            conversation=conversation, actor=Actor.of_agent(agent), **kwargs
        )
    except KefuError as exc:
        return _error(exc)
    return _header_after(request, agent, conversation)


def _uuids(text: str) -> list[uuid.UUID]:
    out = []
    for part in text.split(","):
        try:
            out.append(uuid.UUID(part))
        except ValueError:
            continue
    return out


def _by_id(model: Any, pk: str, message: str, field: str) -> Any:
    try:
        obj = model.objects.filter(pk=uuid.UUID(pk)).first()
    except ValueError:
        obj = None
    if obj is None:
        raise ValidationFailed(message, field=field)
    return obj


@require_POST
@console_view
def conversation_priority(request: HttpRequest, agent: Agent, conversation_id: Any) -> HttpResponse:
    conversation = access_conversation(agent=agent, conversation_id=conversation_id)
    try:
        actions.conversation_update(
            conversation=conversation,
            actor=Actor.of_agent(agent),
            priority=request.POST.get("priority", ""),
        )
    except KefuError as exc:
        return _error(exc)
    return _header_after(request, agent, conversation)


@require_POST
@console_view
def conversation_tag_add(request: HttpRequest, agent: Agent, conversation_id: Any) -> HttpResponse:
    conversation = access_conversation(agent=agent, conversation_id=conversation_id)
    names = [n for n in request.POST.get("tag", "").split(",") if n.strip()]
    try:
        if not names:
            raise ValidationFailed(_("type a tag first"), field="tag")
        actions.tag_add(conversation=conversation, actor=Actor.of_agent(agent), names=names[:20])
    except KefuError as exc:
        return _error(exc)
    return _header_after(request, agent, conversation)


@require_POST
@console_view
def conversation_tag_remove(
    request: HttpRequest, agent: Agent, conversation_id: Any
) -> HttpResponse:
    conversation = access_conversation(agent=agent, conversation_id=conversation_id)
    try:
        actions.tag_remove(
            conversation=conversation,
            actor=Actor.of_agent(agent),
            names=[request.POST.get("tag", "")],
        )
    except KefuError as exc:
        return _error(exc)
    return _header_after(request, agent, conversation)


# --- files and settings ------------------------------------------------------------------------

# Shown inline in the page; anything else downloads, so a hostile file never renders as ours.
_INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


@require_GET
@console_view
def attachment_file(request: HttpRequest, agent: Agent, attachment_id: Any) -> HttpResponse:
    """Attachments only for agents who see the conversation: customers upload identity
    documents, which must never sit at a guessable public URL."""
    attachment = access_attachment(agent=agent, attachment_id=attachment_id)
    inline = attachment.content_type in _INLINE_TYPES
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.filename,
        content_type=attachment.content_type
        if inline
        else (mimetypes.guess_type(attachment.filename)[0] or "application/octet-stream"),
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
@console_view
def language_set(request: HttpRequest, agent: Agent) -> HttpResponse:
    language = request.POST.get("language", "")
    back = request.POST.get("next", "") or reverse("console:home")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("console:home")
    response = HttpResponseRedirect(back)
    if translation.check_for_language(language):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response


# --- knowledge base from the conversation ------------------------------------------------------


@require_GET
@console_view
def kb_search(request: HttpRequest, agent: Agent, conversation_id: Any) -> HttpResponse:
    """Help-center search for the reply box: internal articles included (marked), each shown
    in the conversation's language when it has that translation."""
    from kefu.knowledge.selectors import Reader, articles_search

    conversation = access_conversation(agent=agent, conversation_id=conversation_id)
    query = request.GET.get("q", "").strip()[:300]
    # The customer reads what the agent inserts: their language, not the agent's.
    language = conversation.language or conversation.contact.preferred_language or "en"
    results = []
    if query:
        found = articles_search(reader=Reader(agent), query=query, language=language, limit=6)
        results = [
            {"card": r.card, "absolute_url": f"{settings.PUBLIC_URL}{r.card.url}", "confidence": r.confidence}
            for r in found.items
        ]
    return render(request, "console/_kb.html", {"query": query, "results": results, "language": language})


@require_POST
@console_view
def kb_draft(request: HttpRequest, agent: Agent, conversation_id: Any) -> HttpResponse:
    """Start a help-center article from this resolved conversation; the writer finishes it in the admin."""
    from kefu.knowledge.actions import article_draft_from_conversation

    conversation = access_conversation(agent=agent, conversation_id=conversation_id)
    try:
        revision = article_draft_from_conversation(conversation=conversation, actor=Actor.of_agent(agent))
    except KefuError as exc:
        return _error(exc)
    url = reverse("admin:knowledge_article_change", args=[revision.translation.article_id])
    return HttpResponse(status=204, headers={"HX-Redirect": url})
