from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.conversations.actions import message_receive, tag_add
from kefu.core.actors import Actor
from kefu.inboxes.adapters.base import InboundMessage

pytestmark = pytest.mark.django_db


def _count(api, params):
    with CaptureQueriesContext(connection) as ctx:
        res = api.get("/api/v1/conversations", params)
    assert res.status_code == 200
    return len(ctx.captured_queries), len(res.json()["items"])


def test_conversation_list_costs_the_same_for_1_or_50_rows(api_as, demo):
    inbox = demo.inboxes["chat"]
    mei = Actor.of_agent(demo.agents["mei"])
    for i in range(50):
        r = message_receive(
            inbox=inbox,
            inbound=InboundMessage(identity=f"load-{i}", body=f"question {i}", name=f"Trader {i}"),
        )
        tag_add(conversation=r.conversation, actor=mei, names=[f"t{i % 3}", "load"])
    api = api_as("mei")
    api.get("/api/v1/conversations")  # token's last_used_at bookkeeping happens on first use
    # Queries: 1 token + agent (one join), 2 the agent's inboxes (team visibility), 3 the
    # tag's id, 4 conversations with their contact, 5 their tags, 6 channel, assignee and team
    # names (one statement). None of them grows with the page.
    one, rows_one = _count(api, {"limit": 1, "tag": "load"})
    fifty, rows_fifty = _count(api, {"limit": 50, "tag": "load"})
    assert (rows_one, rows_fifty) == (1, 50)
    assert one == fifty == 6


def test_message_list_is_constant_too(api_as, demo):
    c = demo.conversations["withdrawal_zh"]
    api = api_as("mei")
    api.get(f"/api/v1/conversations/{c.pk}/messages")
    with CaptureQueriesContext(connection) as ctx:
        res = api.get(f"/api/v1/conversations/{c.pk}/messages", {"limit": 100})
    assert res.status_code == 200 and len(res.json()["items"]) >= 4
    # token, the agent's inboxes, conversation (joins), messages with authors, attachments prefetch
    assert len(ctx.captured_queries) == 5
