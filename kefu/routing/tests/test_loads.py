"""The agents' load counters (AgentLoad): kept in step by every change of assignee or status,
read by the candidate query, healed when a decision finds them wrong, repaired by the job."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.conversations import actions as conv
from kefu.conversations.models import Conversation
from kefu.core.actors import Actor
from kefu.core.clock import now
from kefu.inboxes.adapters.base import InboundMessage
from kefu.routing.actions import (
    agent_loads_repair,
    conversation_prioritize,
    conversation_route,
    routing_profile_set,
)
from kefu.routing.models import AgentLoad
from kefu.routing.selectors import agent_load, agent_loads_drift

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")


def held(agent, kind):
    row = AgentLoad.objects.filter(agent=agent, kind=kind).first()
    return row.held if row else 0


def corrupt(agent, kind, value):
    """Drift, as a write that bypasses the actions would leave it."""
    AgentLoad.objects.update_or_create(agent=agent, kind=kind, defaults={"held": value})


def assert_in_step(*agents):
    assert agent_loads_drift() == []
    for a in agents:
        for kind in ("chat", "ticket"):
            assert held(a, kind) == agent_load(a.pk, kind), f"{a.display_name} {kind}"


def arrive(demo, who, body="hello", *, lang="en", inbox="chat"):
    identity = f"{who}@mail.test" if inbox == "email" else f"{inbox}-{who}"
    c = conv.message_receive(
        inbox=demo.inboxes[inbox],
        inbound=InboundMessage(identity=identity, body=body, language=lang, name=who),
    ).conversation
    conversation_prioritize(conversation=c)
    return c


def only_sam_takes_work(demo, chat=4):
    for key in ("mei", "lucia"):
        routing_profile_set(agent=demo.agents[key], actor=SYSTEM, auto_assign=False)
    sam = demo.agents["sam"]
    routing_profile_set(
        agent=sam, actor=SYSTEM, capacity={"chat": agent_load(sam.pk, "chat") + chat}
    )
    return sam


def test_the_counters_follow_every_change_of_assignee_and_status(demo):
    sam, lucia = demo.agents["sam"], demo.agents["lucia"]
    lead = Actor.of_agent(demo.agents["ava"])
    assert_in_step(sam, lucia)  # the demo world was built by the actions
    chat, email = arrive(demo, "steps"), arrive(demo, "mailer", inbox="email")
    start = {(a.pk, k): held(a, k) for a in (sam, lucia) for k in ("chat", "ticket")}

    def moved(agent, kind):
        return held(agent, kind) - start[(agent.pk, kind)]

    conv.conversation_assign(conversation=chat, actor=lead, assignee=sam)
    conv.conversation_assign(conversation=email, actor=lead, assignee=sam)
    assert (moved(sam, "chat"), moved(sam, "ticket")) == (1, 1)
    conv.conversation_assign(conversation=chat, actor=lead, assignee=lucia)  # reassigned
    assert (moved(sam, "chat"), moved(lucia, "chat")) == (0, 1)
    assert_in_step(sam, lucia)

    steps = [
        ("pending", 1),  # still held: waiting on the customer
        ("snoozed", 0),
        ("open", 1),
        ("resolved", 0),
    ]
    for status, expected in steps:
        until = now() + timedelta(hours=1) if status == "snoozed" else None
        conv.conversation_set_status(
            conversation=chat, actor=lead, status=status, snoozed_until=until
        )
        assert moved(lucia, "chat") == expected, status
    # The customer writes again: a resolved conversation reopens, and so does a snoozed one.
    arrive(demo, "steps", "one more thing")
    assert moved(lucia, "chat") == 1
    conv.conversation_set_status(
        conversation=chat, actor=lead, status="snoozed", snoozed_until=now() + timedelta(hours=1)
    )
    arrive(demo, "steps", "are you there?")
    assert Conversation.objects.get(pk=chat.pk).status == "open"
    assert moved(lucia, "chat") == 1
    conv.conversation_assign(conversation=chat, actor=lead, assignee=None)  # back to the queue
    assert moved(lucia, "chat") == 0
    conv.conversation_set_status(conversation=email, actor=lead, status="resolved")
    conv.conversation_set_status(conversation=email, actor=lead, status="closed")
    assert moved(sam, "ticket") == 0
    assert_in_step(sam, lucia)


def test_routing_moves_the_counter_and_reads_it(demo):
    sam = only_sam_takes_work(demo, chat=2)
    before = held(sam, "chat")
    results = [conversation_route(conversation=arrive(demo, f"r{i}")) for i in range(3)]
    assert [r.assignee for r in results] == [sam, sam, None]  # two free slots, then full
    assert held(sam, "chat") == before + 2
    assert_in_step(sam)


def test_a_counter_that_says_less_than_the_truth_costs_a_retry_and_is_healed(
    demo, django_capture_on_commit_callbacks
):
    sam = only_sam_takes_work(demo, chat=1)
    lucia = demo.agents["lucia"]
    routing_profile_set(agent=lucia, actor=SYSTEM, auto_assign=True)
    routing_profile_set(
        agent=lucia, actor=SYSTEM, capacity={"chat": agent_load(lucia.pk, "chat") + 1}
    )
    # Something bypassed the actions: Sam looks empty, though he holds all he may.
    conv.conversation_assign(conversation=arrive(demo, "full"), actor=SYSTEM, assignee=sam)
    corrupt(sam, "chat", -10)
    assert [d[:2] for d in agent_loads_drift()] == [(sam.pk, "chat")]
    c = arrive(demo, "next")
    with django_capture_on_commit_callbacks(execute=True):
        res = conversation_route(conversation=c)
    # Sam was the first candidate; the recount under his lock refused him, and his counter
    # was set right once the decision committed; Lucía took it.
    assert res.assignee == lucia
    assert held(sam, "chat") == agent_load(sam.pk, "chat")
    assert_in_step(sam, lucia)


def test_a_counter_that_says_more_hides_the_agent_until_the_repair(demo):
    sam = only_sam_takes_work(demo, chat=3)
    corrupt(sam, "chat", 99)
    c = arrive(demo, "hidden")
    assert conversation_route(conversation=c).assignee is None
    out = StringIO()
    call_command("routing", "loads", stdout=out)
    assert f"{sam.pk} chat: counter 99, counted {agent_load(sam.pk, 'chat')}" in out.getvalue()
    assert agent_loads_repair() == 1
    assert_in_step(sam)
    assert agent_loads_repair() == 0
    assert conversation_route(conversation=c).assignee == sam


def test_a_missing_counter_row_is_recreated_by_the_repair(demo):
    mei = demo.agents["mei"]
    assert agent_load(mei.pk, "chat") > 0  # the demo gives Mei a conversation
    AgentLoad.objects.filter(agent=mei).delete()
    assert (mei.pk, "chat", None, agent_load(mei.pk, "chat")) in agent_loads_drift()
    out = StringIO()
    call_command("routing", "loads", "--repair", stdout=out)
    assert "repaired" in out.getvalue()
    assert_in_step(mei)


def test_a_decision_is_three_statements_when_the_caches_are_warm(demo, settings, monkeypatch):
    """The hot path's query budget. With the queues, inbox and profile snapshot cached:
    1. the conversation and its routing row, FOR UPDATE SKIP LOCKED;
    2. the best candidate's profile by presence and load counter, FOR UPDATE SKIP LOCKED;
    3. the fresh count of that agent's load.
    Then the assignment is written (its statements are the conversation actions')."""
    from kefu.routing import actions, selectors

    settings.ROUTING_CACHE_SECONDS = 600
    selectors._SNAPSHOT.clear()
    selectors.routing_cache_clear()
    assign, decided = actions._assign, []
    try:
        conversation_route(conversation=arrive(demo, "warm-up", "Hola", lang="es"))
        c = arrive(demo, "budget", "Hola", lang="es")
        with CaptureQueriesContext(connection) as ctx:

            def assign_noting_the_decision(*args, **kw):
                decided.extend(q["sql"] for q in ctx.captured_queries)
                return assign(*args, **kw)

            monkeypatch.setattr(actions, "_assign", assign_noting_the_decision)
            res = conversation_route(conversation=c)
        assert res.assignee == demo.agents["lucia"]
        reads = [q for q in decided if not q.startswith(("SAVEPOINT", "RELEASE"))]
        assert len(reads) == 3, "\n".join(q[:120] for q in reads)
    finally:
        selectors._SNAPSHOT.clear()
        selectors.routing_cache_clear()
