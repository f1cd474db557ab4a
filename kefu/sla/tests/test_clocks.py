"""SLA clocks with pauses, warnings, breaches and escalations. The test sets every moment."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kefu.conversations import actions as conv
from kefu.conversations.models import Conversation, Message
from kefu.core.actors import Actor
from kefu.core.clock import now
from kefu.core.errors import ValidationFailed
from kefu.core.models import EventLogEntry
from kefu.inboxes.adapters.base import InboundMessage
from kefu.routing.actions import conversation_prioritize
from kefu.sla.actions import clock_state, sla_clocks_sync, sla_policy_create, sla_sweep
from kefu.sla.models import SlaClock

pytestmark = pytest.mark.django_db
MIN = 60


@pytest.fixture(autouse=True)
def _demo_clocks_done(demo):
    """The demo's own clocks warn and breach first, so each test counts only its own."""
    sla_sweep(moment=now() + timedelta(days=60), limit=10_000)


def open_chat(demo, who="sla-user", lang="en"):
    res = conv.message_receive(
        inbox=demo.inboxes["chat"],
        inbound=InboundMessage(identity=who, body="help", language=lang, name=who),
    )
    c = res.conversation
    conversation_prioritize(conversation=c)
    return c


def clocks(c):
    return {k.kind: k for k in SlaClock.objects.filter(conversation=c).order_by("created_at")}


def test_live_chat_policy_starts_first_response_and_resolution(demo):
    t0 = now()
    c = open_chat(demo)
    sla_clocks_sync(conversation=c, event="opened", moment=t0)
    k = clocks(c)
    assert set(k) == {"first_response", "resolution"}
    fr = k["first_response"]
    assert fr.policy.name == "Live chat"
    assert fr.due_at == t0 + timedelta(minutes=15)
    assert fr.warn_at == t0 + timedelta(minutes=12)  # 80 %


def test_warning_then_breach_emit_events_and_escalate(demo):
    t0 = now()
    c = open_chat(demo)
    conv.conversation_assign(conversation=c, actor=Actor.system("t"), assignee=demo.agents["sam"])
    sla_clocks_sync(conversation=c, event="opened", moment=t0)
    assert sla_sweep(moment=t0 + timedelta(minutes=11)) == {"warned": 0, "breached": 0}
    assert sla_sweep(moment=t0 + timedelta(minutes=12, seconds=1)) == {"warned": 1, "breached": 0}
    assert sla_sweep(moment=t0 + timedelta(minutes=13)) == {"warned": 0, "breached": 0}
    done = sla_sweep(moment=t0 + timedelta(minutes=15, seconds=1))
    assert done == {"warned": 0, "breached": 1}
    fr = clocks(c)["first_response"]
    # Breached but still running (overdue) until the reply; nothing left for the sweep.
    assert fr.breached_at is not None and fr.state == "running" and fr.next_check_at is None
    # One row per stream it went to (the inbox's and the assignee's): count events, not rows.
    types = [
        t
        for t, _ in set(
            EventLogEntry.objects.filter(
                type__startswith="sla.", payload__conversation_id=str(c.pk)
            ).values_list("type", "event_id")
        )
    ]
    assert types.count("sla.warned") == 1 and types.count("sla.breached") == 1
    # "Live chat" breach: notify supervisor (a note), and reassign after commit.
    assert Message.objects.filter(
        conversation=c, body__startswith="SLA breach: first response"
    ).exists()


def test_vip_breach_raises_priority(demo):
    t0 = now()
    res = conv.message_receive(
        inbox=demo.inboxes["chat"],
        inbound=InboundMessage(identity="visitor-james", body="hello again"),
    )
    c = res.conversation
    if c.status != "open" or clocks(c):
        c = conv.message_receive(
            inbox=demo.inboxes["chat"],
            inbound=InboundMessage(identity="visitor-james", body="new one", thread="new"),
        ).conversation
    SlaClock.objects.filter(conversation=c).delete()
    sla_clocks_sync(conversation=c, event="opened", moment=t0)
    fr = clocks(c)["first_response"]
    assert fr.policy.name == "VIP 5+"
    before = Conversation.objects.get(pk=c.pk).priority
    sla_sweep(moment=t0 + timedelta(minutes=5, seconds=1))
    after = Conversation.objects.get(pk=c.pk).priority
    order = ["low", "normal", "high", "urgent"]
    assert order.index(after) == min(order.index(before) + 1, 3)


def test_the_clock_pauses_while_waiting_on_the_customer(demo):
    t0 = now()
    c = open_chat(demo)
    sla_clocks_sync(conversation=c, event="opened", moment=t0)
    agent = Actor.of_agent(demo.agents["sam"])
    conv.conversation_set_status(conversation=c, actor=agent, status="pending")
    sla_clocks_sync(conversation=c, event="status", moment=t0 + timedelta(minutes=10))
    k = clocks(c)["first_response"]
    assert k.state == "paused" and k.elapsed_seconds == 10 * MIN and k.next_check_at is None
    # An hour waiting on the customer: nothing warns or breaches.
    assert sla_sweep(moment=t0 + timedelta(hours=1)) == {"warned": 0, "breached": 0}
    conv.conversation_set_status(conversation=c, actor=agent, status="open")
    sla_clocks_sync(conversation=c, event="status", moment=t0 + timedelta(hours=1))
    k = clocks(c)["first_response"]
    assert k.state == "running"
    assert k.due_at == t0 + timedelta(hours=1, minutes=5)
    assert clock_state(k, t0 + timedelta(hours=1, minutes=2))["remaining_seconds"] == 3 * MIN


def test_an_agent_reply_meets_first_response_and_a_new_customer_message_starts_next_response(demo):
    t0 = now()
    c = open_chat(demo)
    sla_clocks_sync(conversation=c, event="opened", moment=t0)
    conv.message_send(conversation=c, actor=Actor.of_agent(demo.agents["sam"]), body="Hi!")
    sla_clocks_sync(conversation=c, event="agent_replied", moment=t0 + timedelta(minutes=3))
    assert clocks(c)["first_response"].state == "met"
    conv.message_receive(
        inbox=demo.inboxes["chat"], inbound=InboundMessage(identity="sla-user", body="still there?")
    )
    sla_clocks_sync(conversation=c, event="customer_wrote", moment=t0 + timedelta(minutes=4))
    nr = clocks(c)["next_response"]
    assert nr.state == "running" and nr.due_at == t0 + timedelta(minutes=34)
    # Calling it twice changes nothing.
    sla_clocks_sync(conversation=c, event="customer_wrote", moment=t0 + timedelta(minutes=5))
    assert SlaClock.objects.filter(conversation=c, kind="next_response").count() == 1
    conv.conversation_set_status(
        conversation=c, actor=Actor.of_agent(demo.agents["sam"]), status="resolved"
    )
    sla_clocks_sync(conversation=c, event="status", moment=t0 + timedelta(minutes=40))
    k = clocks(c)
    assert k["resolution"].state == "met"
    assert k["next_response"].state == "breached"  # 36 min > 30 min target


def test_business_hours_policy_does_not_count_the_night(demo):
    from kefu.sla.models import Calendar

    office = Calendar.objects.get(name="Singapore office hours")
    sla_policy_create(
        name="Email test",
        actor=Actor.system("t"),
        position=1,
        conditions={"channels": ["email"]},
        calendar=office,
        first_response_seconds=2 * 3600,
    )
    res = conv.message_receive(
        inbox=demo.inboxes["email"],
        inbound=InboundMessage(identity="night@example.com", body="hi", subject="s", thread="new"),
    )
    # Friday 2026-11-20 17:00 SGT (09:00 UTC): 1 h Friday + 1 h Monday -> Mon 10:00 SGT.
    from datetime import UTC, datetime

    friday = datetime(2026, 11, 20, 9, tzinfo=UTC)
    sla_clocks_sync(conversation=res.conversation, event="opened", moment=friday)
    fr = clocks(res.conversation)["first_response"]
    assert fr.due_at == datetime(2026, 11, 23, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"first_response_seconds": -5},
        {},
        {"first_response_seconds": 60, "warn_share": 1.5},
        {"first_response_seconds": 60, "on_breach": ["call_the_police"]},
        {"first_response_seconds": 60, "conditions": {"topics": ["memes"]}},
        {"first_response_seconds": 60, "conditions": {"min_vip_tier": 12}},
    ],
)
def test_bad_policies_are_refused_and_nothing_is_stored(demo, kwargs):
    from kefu.sla.models import SlaPolicy

    before = SlaPolicy.objects.count()
    with pytest.raises(ValidationFailed):
        sla_policy_create(name="Bad", actor=Actor.system("t"), **kwargs)
    assert SlaPolicy.objects.count() == before
