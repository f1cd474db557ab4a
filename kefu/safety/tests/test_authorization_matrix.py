"""Every role × every API endpoint, console view and console websocket action.

The tables below are the authorization policy written down: `ok` (2xx), `no` (403 or 404:
refused, or not visible at all), `anon` (401 without credentials). A new endpoint fails
`test_every_api_operation_is_in_the_matrix` until someone decides who may call it.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from kefu.accounts.actions import token_issue
from kefu.conversations.actions import message_receive
from kefu.inboxes.adapters.base import InboundAttachment, InboundMessage

pytestmark = pytest.mark.django_db

ROLES = ["admin", "supervisor", "agent", "analyst"]
WHO = {"admin": "ava", "supervisor": "priya", "agent": "mei", "analyst": "noor"}
ALL = dict.fromkeys(ROLES, "ok")
STAFF = {"admin": "ok", "supervisor": "ok", "agent": "ok", "analyst": "no"}
SUPERVISORS = {"admin": "ok", "supervisor": "ok", "agent": "no", "analyst": "no"}
ADMINS = {"admin": "ok", "supervisor": "no", "agent": "no", "analyst": "no"}


def _fresh_conversation(demo: Any) -> Any:
    return message_receive(
        inbox=demo.inboxes["chat"],
        inbound=InboundMessage(identity=f"m-{uuid.uuid4().hex[:10]}", body="matrix"),
    ).conversation


def _attachment(demo: Any) -> str:
    r = message_receive(
        inbox=demo.inboxes["chat"],
        inbound=InboundMessage(
            identity=f"m-{uuid.uuid4().hex[:10]}",
            body="",
            attachments=(
                InboundAttachment(filename="a.png", content=b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
            ),
        ),
    )
    return str(r.message.attachments.get().pk)


Request = tuple[str, str, dict[str, Any] | None]
# (method, OpenAPI path) -> (who may, how to build one request for the given demo + agent)
API: dict[tuple[str, str], tuple[dict[str, str], Callable[[Any, Any], Request]]] = {
    ("GET", "/api/v1/agents/me"): (ALL, lambda d, a: ("get", "/api/v1/agents/me", None)),
    ("GET", "/api/v1/agents"): (ALL, lambda d, a: ("get", "/api/v1/agents", None)),
    ("POST", "/api/v1/agents"): (
        ADMINS,
        lambda d, a: (
            "post",
            "/api/v1/agents",
            {"email": f"n{uuid.uuid4().hex[:6]}@lumen.exchange", "display_name": "New"},
        ),
    ),
    ("POST", "/api/v1/agents/me/presence"): (
        ALL,
        lambda d, a: ("post", "/api/v1/agents/me/presence", {"presence": "away"}),
    ),
    ("GET", "/api/v1/teams"): (ALL, lambda d, a: ("get", "/api/v1/teams", None)),
    ("GET", "/api/v1/tokens"): (ALL, lambda d, a: ("get", "/api/v1/tokens", None)),
    ("POST", "/api/v1/tokens"): (ALL, lambda d, a: ("post", "/api/v1/tokens", {"name": "ci"})),
    ("DELETE", "/api/v1/tokens/{token_id}"): (
        ALL,
        lambda d, a: ("delete", f"/api/v1/tokens/{token_issue(agent=a, name='x')[0].pk}", None),
    ),
    ("GET", "/api/v1/contacts"): (ALL, lambda d, a: ("get", "/api/v1/contacts", None)),
    ("GET", "/api/v1/contacts/{contact_id}"): (
        STAFF,
        lambda d, a: ("get", f"/api/v1/contacts/{d.contacts['wang'].pk}", None),
    ),
    ("PATCH", "/api/v1/contacts/{contact_id}"): (
        STAFF,
        lambda d, a: ("patch", f"/api/v1/contacts/{d.contacts['wang'].pk}", {"name": "Wang H."}),
    ),
    ("POST", "/api/v1/contacts/{contact_id}/merge"): (
        SUPERVISORS,
        lambda d, a: (
            "post",
            f"/api/v1/contacts/{_fresh_conversation(d).contact_id}/merge",
            {"secondary_id": str(_fresh_conversation(d).contact_id)},
        ),
    ),
    ("POST", "/api/v1/contacts/merges/{audit_id}/revert"): (
        SUPERVISORS,
        lambda d, a: ("post", f"/api/v1/contacts/merges/{_merge(d)}/revert", None),
    ),
    ("GET", "/api/v1/inboxes"): (ALL, lambda d, a: ("get", "/api/v1/inboxes", None)),
    ("POST", "/api/v1/inboxes"): (
        ADMINS,
        lambda d, a: (
            "post",
            "/api/v1/inboxes",
            {"name": f"API {uuid.uuid4().hex[:6]}", "channel_type": "api"},
        ),
    ),
    ("GET", "/api/v1/inboxes/{inbox_id}"): (
        STAFF,
        lambda d, a: ("get", f"/api/v1/inboxes/{d.inboxes['chat'].pk}", None),
    ),
    ("POST", "/api/v1/inboxes/{inbox_id}/messages"): (
        ADMINS,
        lambda d, a: (
            "post",
            f"/api/v1/inboxes/{d.inboxes['api'].pk}/messages",
            {"identity": "acct-1", "body": "hello"},
        ),
    ),
    ("GET", "/api/v1/conversations"): (ALL, lambda d, a: ("get", "/api/v1/conversations", None)),
    ("GET", "/api/v1/conversations/{conversation_id}"): (
        STAFF,
        lambda d, a: ("get", f"/api/v1/conversations/{_fresh_conversation(d).pk}", None),
    ),
    ("PATCH", "/api/v1/conversations/{conversation_id}"): (
        STAFF,
        lambda d, a: (
            "patch",
            f"/api/v1/conversations/{_fresh_conversation(d).pk}",
            {"priority": "high"},
        ),
    ),
    ("GET", "/api/v1/conversations/{conversation_id}/messages"): (
        STAFF,
        lambda d, a: ("get", f"/api/v1/conversations/{_fresh_conversation(d).pk}/messages", None),
    ),
    ("POST", "/api/v1/conversations/{conversation_id}/messages"): (
        STAFF,
        lambda d, a: (
            "post",
            f"/api/v1/conversations/{_fresh_conversation(d).pk}/messages",
            {"body": "Checking now."},
        ),
    ),
    ("POST", "/api/v1/conversations/{conversation_id}/notes"): (
        STAFF,
        lambda d, a: (
            "post",
            f"/api/v1/conversations/{_fresh_conversation(d).pk}/notes",
            {"body": "note"},
        ),
    ),
    # A draft from the language model (kefu/intelligence/assist.py): whoever may reply.
    ("POST", "/api/v1/conversations/{conversation_id}/reply-draft"): (
        STAFF,
        lambda d, a: (
            "post",
            f"/api/v1/conversations/{_fresh_conversation(d).pk}/reply-draft",
            None,
        ),
    ),
    ("POST", "/api/v1/conversations/{conversation_id}/assign"): (
        STAFF,
        lambda d, a: (
            "post",
            f"/api/v1/conversations/{_fresh_conversation(d).pk}/assign",
            {"assignee_id": str(a.pk)},
        ),
    ),
    ("POST", "/api/v1/conversations/{conversation_id}/status"): (
        STAFF,
        lambda d, a: (
            "post",
            f"/api/v1/conversations/{_fresh_conversation(d).pk}/status",
            {"status": "resolved"},
        ),
    ),
    ("POST", "/api/v1/conversations/{conversation_id}/tags"): (
        STAFF,
        lambda d, a: (
            "post",
            f"/api/v1/conversations/{_fresh_conversation(d).pk}/tags",
            {"tags": ["x"]},
        ),
    ),
    ("DELETE", "/api/v1/conversations/{conversation_id}/tags/{tag}"): (
        STAFF,
        lambda d, a: ("delete", f"/api/v1/conversations/{_fresh_conversation(d).pk}/tags/x", None),
    ),
    ("GET", "/api/v1/attachments/{attachment_id}"): (
        STAFF,
        lambda d, a: ("get", f"/api/v1/attachments/{_attachment(d)}", None),
    ),
    ("GET", "/api/v1/contacts/{contact_id}/export"): (
        ADMINS,
        lambda d, a: ("get", f"/api/v1/contacts/{d.contacts['wang'].pk}/export", None),
    ),
    ("POST", "/api/v1/contacts/{contact_id}/erase"): (
        ADMINS,
        lambda d, a: (
            "post",
            f"/api/v1/contacts/{_fresh_conversation(d).contact_id}/erase",
            {"reason": "matrix"},
        ),
    ),
    ("PUT", "/api/v1/contacts/{contact_id}/anti-phishing-code"): (
        ADMINS,
        lambda d, a: (
            "put",
            f"/api/v1/contacts/{d.contacts['wang'].pk}/anti-phishing-code",
            {"code": "Abcd1234"},
        ),
    ),
    ("GET", "/api/v1/events"): (
        STAFF,
        lambda d, a: (
            "get",
            "/api/v1/events",
            {"stream": f"conversation:{_fresh_conversation(d).pk}"},
        ),
    ),
}
# Reports (REPORT_VIEW): supervisors, analysts and admins; not agents.
REPORTS = {"admin": "ok", "supervisor": "ok", "agent": "no", "analyst": "ok"}
API |= {
    # Help center, agents' side: every active agent reads (analysts too: they read the
    # procedures and the gap report); drafting is for the staff; what customers see
    # (publish, unpublish, restore-and-publish) is for supervisors and admins.
    ("GET", "/api/v1/help/kb/search"): (
        ALL,
        lambda d, a: ("get", "/api/v1/help/kb/search", {"q": "deposit", "lang": "en"}),
    ),
    ("GET", "/api/v1/help/kb/gaps"): (ALL, lambda d, a: ("get", "/api/v1/help/kb/gaps", None)),
    ("GET", "/api/v1/help/kb/articles"): (
        ALL,
        lambda d, a: ("get", "/api/v1/help/kb/articles", None),
    ),
    ("GET", "/api/v1/help/kb/articles/{article_id}"): (
        ALL,
        lambda d, a: ("get", f"/api/v1/help/kb/articles/{_article(d, internal=True).pk}", None),
    ),
    ("GET", "/api/v1/help/kb/articles/{article_id}/translations/{lang}/revisions"): (
        ALL,
        lambda d, a: (
            "get",
            f"/api/v1/help/kb/articles/{_article(d).pk}/translations/en/revisions",
            None,
        ),
    ),
    ("POST", "/api/v1/help/kb/articles"): (
        STAFF,
        lambda d, a: (
            "post",
            "/api/v1/help/kb/articles",
            {"slug": f"m-{uuid.uuid4().hex[:8]}", "title": "Deposits", "body": "How to deposit."},
        ),
    ),
    ("POST", "/api/v1/help/kb/articles/from-conversation"): (
        STAFF,
        lambda d, a: (
            "post",
            "/api/v1/help/kb/articles/from-conversation",
            {"conversation_id": str(_resolved_conversation(d).pk)},
        ),
    ),
    ("PATCH", "/api/v1/help/kb/articles/{article_id}"): (
        STAFF,  # not live yet: a draft's placement is the writer's; a live one needs a publisher
        lambda d, a: ("patch", f"/api/v1/help/kb/articles/{_article(d).pk}", {"position": 3}),
    ),
    ("PUT", "/api/v1/help/kb/articles/{article_id}/translations/{lang}/draft"): (
        STAFF,
        lambda d, a: (
            "put",
            f"/api/v1/help/kb/articles/{_article(d, publish=True).pk}/translations/en/draft",
            {"title": "Deposits", "body": "How to deposit, revised."},
        ),
    ),
    ("POST", "/api/v1/help/kb/articles/{article_id}/translations/{lang}/publish"): (
        SUPERVISORS,
        lambda d, a: (
            "post",
            f"/api/v1/help/kb/articles/{_article(d).pk}/translations/en/publish",
            {},
        ),
    ),
    ("POST", "/api/v1/help/kb/articles/{article_id}/unpublish"): (
        SUPERVISORS,
        lambda d, a: (
            "post",
            f"/api/v1/help/kb/articles/{_article(d, publish=True).pk}/unpublish",
            None,
        ),
    ),
    (
        "POST",
        "/api/v1/help/kb/articles/{article_id}/translations/{lang}/revisions/{number}/restore",
    ): (
        SUPERVISORS,
        lambda d, a: (
            "post",
            f"/api/v1/help/kb/articles/{_article(d, publish=True, revisions=2).pk}"
            "/translations/en/revisions/1/restore",
            {"publish": True},
        ),
    ),
    # Email inboxes' mail-server settings and import failures: admins (INBOX_MANAGE).
    ("GET", "/api/v1/inboxes/{inbox_id}/email"): (
        ADMINS,
        lambda d, a: ("get", f"/api/v1/inboxes/{d.inboxes['email'].pk}/email", None),
    ),
    ("PUT", "/api/v1/inboxes/{inbox_id}/email"): (
        ADMINS,
        lambda d, a: (
            "put",
            f"/api/v1/inboxes/{d.inboxes['email'].pk}/email",
            {"address": "support@lumen.exchange", "from_name": "Lumen Support"},
        ),
    ),
    ("GET", "/api/v1/inboxes/{inbox_id}/email/failures"): (
        ADMINS,
        lambda d, a: ("get", f"/api/v1/inboxes/{d.inboxes['email'].pk}/email/failures", None),
    ),
    # Routing: a conversation's routing follows its visibility; queues follow team membership;
    # others' routing profiles are for supervisors/analysts/admins, changing them for admins.
    ("GET", "/api/v1/routing/conversations/{conversation_id}"): (
        STAFF,
        lambda d, a: ("get", f"/api/v1/routing/conversations/{_fresh_conversation(d).pk}", None),
    ),
    ("GET", "/api/v1/routing/conversations/{conversation_id}/position"): (
        STAFF,
        lambda d, a: (
            "get",
            f"/api/v1/routing/conversations/{_fresh_conversation(d).pk}/position",
            None,
        ),
    ),
    ("POST", "/api/v1/routing/conversations/{conversation_id}/escalate"): (
        STAFF,
        lambda d, a: (
            "post",
            f"/api/v1/routing/conversations/{_waiting_conversation(d).pk}/escalate",
            {"note": "API keys issue"},
        ),
    ),
    ("GET", "/api/v1/routing/queues"): (ALL, lambda d, a: ("get", "/api/v1/routing/queues", None)),
    ("GET", "/api/v1/routing/queues/{queue_id}/conversations"): (
        STAFF,
        lambda d, a: ("get", f"/api/v1/routing/queues/{_english_queue()}/conversations", None),
    ),
    ("POST", "/api/v1/routing/queues/{queue_id}/pick"): (
        STAFF,
        lambda d, a: (
            "post",
            f"/api/v1/routing/queues/{_english_queue(_waiting_conversation(d))}/pick",
            None,
        ),
    ),
    ("GET", "/api/v1/routing/agents/{agent_id}/profile"): (
        REPORTS,  # someone else's profile; everyone may read their own (agents/me/profile)
        lambda d, a: ("get", f"/api/v1/routing/agents/{d.agents['sam'].pk}/profile", None),
    ),
    ("PATCH", "/api/v1/routing/agents/{agent_id}/profile"): (
        ADMINS,
        lambda d, a: (
            "patch",
            f"/api/v1/routing/agents/{d.agents['sam'].pk}/profile",
            {"skills": ["deposits"]},
        ),
    ),
    # SLA: clocks follow the conversation; policies and calendars are configuration every
    # agent works to; metrics are reports.
    ("GET", "/api/v1/sla/conversations/{conversation_id}/clocks"): (
        STAFF,
        lambda d, a: ("get", f"/api/v1/sla/conversations/{_fresh_conversation(d).pk}/clocks", None),
    ),
    ("GET", "/api/v1/sla/policies"): (ALL, lambda d, a: ("get", "/api/v1/sla/policies", None)),
    ("GET", "/api/v1/sla/calendars"): (ALL, lambda d, a: ("get", "/api/v1/sla/calendars", None)),
    ("GET", "/api/v1/sla/metrics/attainment"): (
        REPORTS,
        lambda d, a: ("get", "/api/v1/sla/metrics/attainment", None),
    ),
    ("GET", "/api/v1/sla/metrics/backlog"): (
        REPORTS,
        lambda d, a: ("get", "/api/v1/sla/metrics/backlog", None),
    ),
    ("GET", "/api/v1/sla/metrics/response-times"): (
        REPORTS,
        lambda d, a: ("get", "/api/v1/sla/metrics/response-times", None),
    ),
    ("GET", "/api/v1/announcements"): (
        SUPERVISORS,
        lambda d, a: ("get", "/api/v1/announcements", None),
    ),
    ("POST", "/api/v1/announcements"): (
        SUPERVISORS,
        lambda d, a: (
            "post",
            "/api/v1/announcements",
            {
                "kind": "maintenance",
                "surfaces": ["help_center"],
                "translations": {"en": {"title": "Maintenance tonight", "body": ""}},
            },
        ),
    ),
    ("GET", "/api/v1/announcements/{announcement_id}"): (
        SUPERVISORS,
        lambda d, a: ("get", f"/api/v1/announcements/{_announcement()}", None),
    ),
    ("PATCH", "/api/v1/announcements/{announcement_id}"): (
        SUPERVISORS,
        lambda d, a: (
            "patch",
            f"/api/v1/announcements/{_announcement()}",
            {"severity": "warning"},
        ),
    ),
    ("POST", "/api/v1/announcements/{announcement_id}/withdraw"): (
        SUPERVISORS,
        lambda d, a: ("post", f"/api/v1/announcements/{_announcement()}/withdraw", None),
    ),
}
# Outbound webhooks: where kefu sends the exchange's support data, with the secrets that sign
# it. Admins only (WEBHOOK_MANAGE), reading included: URLs and the delivery log's payloads are
# the data itself.
API |= {
    ("GET", "/api/v1/webhooks/event-types"): (
        ADMINS,
        lambda d, a: ("get", "/api/v1/webhooks/event-types", None),
    ),
    ("GET", "/api/v1/webhooks"): (ADMINS, lambda d, a: ("get", "/api/v1/webhooks", None)),
    ("POST", "/api/v1/webhooks"): (
        ADMINS,
        lambda d, a: (
            "post",
            "/api/v1/webhooks",
            {
                "name": "CRM",
                "url": "https://hooks.lumen.example/kefu",
                "event_types": ["conversation.created"],
            },
        ),
    ),
    ("GET", "/api/v1/webhooks/{endpoint_id}"): (
        ADMINS,
        lambda d, a: ("get", f"/api/v1/webhooks/{_webhook()}", None),
    ),
    ("PATCH", "/api/v1/webhooks/{endpoint_id}"): (
        ADMINS,
        lambda d, a: ("patch", f"/api/v1/webhooks/{_webhook()}", {"name": "CRM (new)"}),
    ),
    ("DELETE", "/api/v1/webhooks/{endpoint_id}"): (
        ADMINS,
        lambda d, a: ("delete", f"/api/v1/webhooks/{_webhook()}", None),
    ),
    ("POST", "/api/v1/webhooks/{endpoint_id}/rotate-secret"): (
        ADMINS,
        lambda d, a: ("post", f"/api/v1/webhooks/{_webhook()}/rotate-secret", {}),
    ),
    ("POST", "/api/v1/webhooks/{endpoint_id}/test"): (
        ADMINS,
        lambda d, a: ("post", f"/api/v1/webhooks/{_webhook()}/test", None),
    ),
    ("GET", "/api/v1/webhooks/{endpoint_id}/deliveries"): (
        ADMINS,
        lambda d, a: ("get", f"/api/v1/webhooks/{_webhook()}/deliveries", None),
    ),
    ("POST", "/api/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver"): (
        ADMINS,
        lambda d, a: (
            "post",
            "/api/v1/webhooks/{}/deliveries/{}/redeliver".format(*_delivery()),
            None,
        ),
    ),
}
# Public by design: the widget (its own session proof), signed inbound and /verify.
PUBLIC = {
    ("POST", "/api/v1/widget/sessions"),
    ("GET", "/api/v1/widget/state"),
    ("GET", "/api/v1/verify"),
    # The widget's uploads, downloads and leave-an-email: the X-Kefu-Session token is the proof.
    ("POST", "/api/v1/widget/attachments"),
    ("GET", "/api/v1/widget/attachments/{attachment_id}"),
    ("POST", "/api/v1/widget/email"),
    # The public help center (widget, portal, auto-replies): published public articles only.
    ("GET", "/api/v1/help/suggest"),
    ("GET", "/api/v1/help/articles/{slug}"),
    ("POST", "/api/v1/help/articles/{slug}/feedback"),  # "was this helpful?" from customers
    ("POST", "/api/v1/help/searches/{search_id}/click"),  # customers' click-through on suggest
    # What the widget and help center show anyway (console notices are not offered).
    ("GET", "/api/v1/announcements/active"),
}


def _article(
    demo: Any, *, publish: bool = False, internal: bool = False, revisions: int = 1
) -> Any:
    from kefu.core.actors import Actor
    from kefu.knowledge.actions import (
        article_create,
        article_draft_save,
        article_publish,
        category_save,
    )

    actor = Actor.of_agent(demo.agents["ava"])
    category = category_save(slug="matrix", title={"en": "Matrix"}, actor=actor)
    article = article_create(
        slug=f"m-{uuid.uuid4().hex[:10]}", actor=actor, category=category, internal=internal
    )
    for n in range(revisions):
        article_draft_save(
            article=article,
            language="en",
            title="Deposits",
            body=f"How to deposit ({n}).",
            actor=actor,
        )
    if publish:
        article_publish(article=article, language="en", actor=actor, embed=False)
    return article


def _webhook() -> str:
    from kefu.automation.actions import webhook_endpoint_create
    from kefu.core.actors import Actor

    endpoint, _ = webhook_endpoint_create(
        name=f"m-{uuid.uuid4().hex[:8]}",
        url="https://hooks.lumen.example/kefu",
        event_types=["message.created"],
        actor=Actor.system("matrix"),
    )
    return str(endpoint.pk)


def _delivery() -> tuple[str, str]:
    """An endpoint and one of its deliveries (a queued test event; nothing is sent)."""
    from kefu.automation.actions import webhook_endpoint_test
    from kefu.automation.models import WebhookEndpoint
    from kefu.core.actors import Actor

    endpoint = WebhookEndpoint.objects.get(pk=_webhook())
    delivery = webhook_endpoint_test(endpoint=endpoint, actor=Actor.system("matrix"))
    return str(endpoint.pk), str(delivery.pk)


def _announcement() -> str:
    from kefu.core.actors import Actor
    from kefu.status.actions import announcement_publish

    a = announcement_publish(
        actor=Actor.system("matrix"),
        kind="phishing_wave",
        surfaces=["widget", "console"],
        translations={"en": {"title": "Fake support sites", "body": "Check /verify/."}},
    )
    return str(a.pk)


def _resolved_conversation(demo: Any) -> Any:
    from kefu.conversations.actions import conversation_set_status, message_send
    from kefu.core.actors import Actor

    c = _fresh_conversation(demo)
    ava = Actor.of_agent(demo.agents["ava"])
    message_send(conversation=c, actor=ava, body="Your deposit is credited now.")
    return conversation_set_status(conversation=c, actor=ava, status="resolved")


def _waiting_conversation(demo: Any) -> Any:
    """An English trading question waiting in L1 English (no one auto-assigned)."""
    from kefu.conversations.actions import conversation_update
    from kefu.core.actors import Actor
    from kefu.routing.actions import conversation_prioritize, routing_profile_set

    system = Actor.system("matrix")
    for key in ("mei", "sam", "lucia"):
        routing_profile_set(agent=demo.agents[key], actor=system, auto_assign=False)
    c = message_receive(
        inbox=demo.inboxes["chat"],
        inbound=InboundMessage(
            identity=f"m-{uuid.uuid4().hex[:10]}", body="orders failing", language="en"
        ),
    ).conversation
    conversation_update(conversation=c, actor=system, topic="trading")
    conversation_prioritize(conversation=c)
    return c


def _english_queue(_: Any = None) -> str:
    from kefu.routing.models import Queue

    return str(Queue.objects.get(name="L1 English").pk)


def _merge(demo: Any) -> str:
    from kefu.contacts.actions import contact_merge
    from kefu.core.actors import Actor

    a, b = _fresh_conversation(demo).contact, _fresh_conversation(demo).contact
    audit = contact_merge(primary=a, secondary=b, actor=Actor.of_agent(demo.agents["ava"]))
    return str(audit.pk)


def test_every_api_operation_is_in_the_matrix():
    from kefu.api import api

    schema = api.get_openapi_schema()
    operations = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}
    assert operations - set(API) - PUBLIC == set(), "decide who may call these, add them above"
    assert set(API) - operations == set()


def _call(client: Client, method: str, path: str, body: dict[str, Any] | None) -> int:
    fn = getattr(client, method)
    if method == "get":
        return fn(path, body or {}).status_code
    return fn(
        path, json.dumps(body) if body is not None else None, content_type="application/json"
    ).status_code


# Operations that answer 409 without a configured language model: they get the local fake.
NEEDS_LLM = {("POST", "/api/v1/conversations/{conversation_id}/reply-draft")}


@pytest.mark.parametrize("operation", sorted(API), ids=lambda o: f"{o[0]} {o[1]}")
def test_api_matrix(demo, operation, request):
    if operation in NEEDS_LLM:
        request.getfixturevalue("fake_llm")
    policy, build = API[operation]
    method, path, body = build(demo, demo.agents["ava"])
    if operation[1] != "/api/v1/inboxes/{inbox_id}/messages":
        assert _call(Client(), method, path, body) == 401, "anonymous must be refused"
    seen = {}
    for role in ROLES:
        agent = demo.agents[WHO[role]]
        method, path, body = build(demo, agent)
        _, token = token_issue(agent=agent, name="matrix")
        status = _call(Client(HTTP_AUTHORIZATION=f"Bearer {token}"), method, path, body)
        seen[role] = "ok" if 200 <= status < 300 else "no" if status in (403, 404) else status
    assert seen == policy


CONSOLE_VIEWS = {
    # name: (policy, path builder)
    "home": (ALL, lambda d: "/console/"),
    "list": (ALL, lambda d: "/console/list/"),
    "rows": (ALL, lambda d: "/console/rows/"),
    "counts": (ALL, lambda d: "/console/counts/"),
    "conversation": (STAFF, lambda d: f"/console/conversations/{_fresh_conversation(d).pk}/"),
    "header": (STAFF, lambda d: f"/console/conversations/{_fresh_conversation(d).pk}/header/"),
    "messages": (STAFF, lambda d: f"/console/conversations/{_fresh_conversation(d).pk}/messages/"),
    "thread": (STAFF, lambda d: f"/console/conversations/{_fresh_conversation(d).pk}/thread/"),
    "attachment": (STAFF, lambda d: f"/console/attachments/{_attachment(d)}/"),
}


@pytest.mark.parametrize("view", sorted(CONSOLE_VIEWS))
def test_console_view_matrix(demo, view):
    policy, build = CONSOLE_VIEWS[view]
    anon = Client().get(build(demo))
    assert anon.status_code in (302, 401) and (
        anon.status_code == 401 or "/login/" in anon["Location"]
    )
    seen = {}
    for role in ROLES:
        c = Client()
        c.force_login(demo.agents[WHO[role]])
        status = c.get(build(demo)).status_code
        seen[role] = "ok" if status == 200 else "no" if status in (403, 404) else status
    assert seen == policy


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ROLES)
def test_console_websocket_matrix(demo, role):
    """Each role connects; streams and typing/viewing signals follow conversation visibility."""
    from channels.testing.websocket import WebsocketCommunicator

    from kefu.asgi import application
    from kefu.realtime.publisher import publisher_detach

    agent = demo.agents[WHO[role]]
    _, token = token_issue(agent=agent, name="ws")
    conversation = _fresh_conversation(demo)
    chat = demo.inboxes["chat"]

    async def scenario() -> tuple[list[str], dict[str, Any]]:
        ws = WebsocketCommunicator(application, f"/ws/console/?token={token}")
        assert (await ws.connect())[0]
        hello = await ws.receive_json_from()
        await ws.send_json_to(
            {"type": "typing", "conversation_id": str(conversation.pk), "on": True}
        )
        reply = {}
        if not await ws.receive_nothing(timeout=0.5):
            reply = await ws.receive_json_from()
        await ws.disconnect()
        return list(hello["streams"]), reply

    try:
        streams, reply = asyncio.run(scenario())
    finally:
        publisher_detach()
    sees_chat = any(s.startswith(f"inbox:{chat.pk}:") for s in streams)
    assert sees_chat == (STAFF[role] == "ok")
    if STAFF[role] == "no":
        assert reply.get("type") == "error" and reply.get("code") == "not_found"

    async def anonymous() -> bool:
        ws = WebsocketCommunicator(application, "/ws/console/")
        connected, _ = await ws.connect()
        if connected:
            msg = await ws.receive_output(timeout=1)
            await ws.disconnect()
            return msg.get("type") != "websocket.close"
        return False

    assert asyncio.run(anonymous()) is False
