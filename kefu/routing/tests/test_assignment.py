"""Assignment by skill, language, capacity, presence and shift; fallbacks; reassignment;
manual pick; escalation. Time is passed in, never slept on."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kefu.accounts.actions import agent_set_presence
from kefu.conversations import actions as conv
from kefu.conversations.models import Conversation, Message
from kefu.core.actors import Actor
from kefu.core.clock import now
from kefu.core.errors import Conflict, ValidationFailed
from kefu.inboxes.adapters.base import InboundMessage
from kefu.routing.actions import (
    conversation_escalate,
    conversation_prioritize,
    conversation_route,
    queue_pick,
    routing_profile_set,
    routing_sweep,
)
from kefu.routing.models import ConversationRouting, Queue
from kefu.routing.selectors import queue_estimate
from kefu.sla.actions import calendar_create

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")


def arrive(demo, who, body, *, lang, inbox="chat", topic=""):
    res = conv.message_receive(
        inbox=demo.inboxes[inbox],
        inbound=InboundMessage(identity=f"{inbox}-{who}", body=body, language=lang, name=who),
    )
    c = res.conversation
    if topic:
        c = conv.conversation_update(conversation=c, actor=SYSTEM, topic=topic)
    conversation_prioritize(conversation=c)
    return c


def route(c, **kw):
    res = conversation_route(conversation=c, **kw)
    assert res is not None
    return res


def test_a_spanish_customer_goes_to_the_spanish_speaker(demo):
    c = arrive(demo, "ana", "Hola, necesito ayuda", lang="es")
    res = route(c)
    assert res.assignee == demo.agents["lucia"]
    assert res.queue.name == "L1 Spanish & Portuguese"
    assert Conversation.objects.get(pk=c.pk).assignee == demo.agents["lucia"]


def test_a_regional_tag_finds_the_language_and_chinese_scripts_do_not_mix(demo):
    # es-MX is Spanish; zh-Hant is not zh-Hans (the candidate query prefilters on the JSON
    # text of the agents' languages; the exact rule decides).
    res = route(arrive(demo, "maria", "Hola, ¿me ayudan?", lang="es-MX"))
    assert res.assignee == demo.agents["lucia"]
    mei = demo.agents["mei"]
    mei.languages = ["zh-Hans", "en"]
    mei.save(update_fields=["languages"])
    res = route(arrive(demo, "wen", "您好，請問提款", lang="zh-Hant"))
    # Nobody reads Traditional Chinese now: the English queue takes it (Mei may, in English).
    assert res.queue.name == "L1 English"
    assert res.note == "No agent available in L1 Chinese; fell back to L1 English"


def test_a_security_case_goes_to_the_security_department(demo):
    agent_set_presence(agent=demo.agents["dmitri"], presence="online")
    c = arrive(demo, "bob", "my account was hacked", lang="en", topic="security")
    res = route(c)
    assert res.assignee == demo.agents["dmitri"]
    assert res.queue.name == "Security department"


def test_nobody_speaks_japanese_so_it_waits_with_the_reason(demo):
    c = arrive(demo, "ken", "入金が反映されません", lang="ja")
    res = route(c)
    assert res.assignee is None
    assert "no agent available" in res.note
    assert ConversationRouting.objects.get(conversation=c).waiting


def test_when_the_chinese_queue_is_full_it_falls_back_to_english_with_a_visible_reason(demo):
    routing_profile_set(agent=demo.agents["mei"], actor=SYSTEM, capacity={"chat": 0})
    c = arrive(demo, "li", "你好", lang="zh-Hans")
    res = route(c)
    assert res.assignee in (demo.agents["sam"], demo.agents["lucia"])
    assert res.note == "No agent available in L1 Chinese; fell back to L1 English"
    note = Message.objects.filter(conversation=c, private=True, body__startswith="Routing:").get()
    assert "fell back to L1 English" in note.body


def test_most_spare_capacity_wins_then_the_longest_idle(demo):
    sam, lucia = demo.agents["sam"], demo.agents["lucia"]
    routing_profile_set(agent=demo.agents["mei"], actor=SYSTEM, auto_assign=False)
    # Equal spare capacity: the one idle longest (never assigned, then the earliest) goes first.
    routing_profile_set(agent=sam, actor=SYSTEM, capacity={"chat": 5})
    routing_profile_set(agent=lucia, actor=SYSTEM, capacity={"chat": 5})
    loads = {
        a.pk: Conversation.objects.filter(
            assignee=a,
            status__in=["open", "pending"],
            inbox__channel_type__in=["web_widget", "api"],
        ).count()
        for a in (sam, lucia)
    }
    got = [route(arrive(demo, f"c{i}", "hello", lang="en")).assignee for i in range(4)]
    spare = {sam.pk: 5 - loads[sam.pk], lucia.pk: 5 - loads[lucia.pk]}
    for a in got:
        assert spare[a.pk] == max(spare.values()), "the agent with most spare capacity is picked"
        spare[a.pk] -= 1


def test_capacity_is_never_exceeded(demo):
    for key in ("mei", "lucia"):
        routing_profile_set(agent=demo.agents[key], actor=SYSTEM, auto_assign=False)
    sam = demo.agents["sam"]
    routing_profile_set(agent=sam, actor=SYSTEM, capacity={"chat": 2})
    results = [route(arrive(demo, f"cap{i}", "hi", lang="en")) for i in range(5)]
    open_chats = (
        Conversation.objects.filter(assignee=sam, status__in=["open", "pending"])
        .exclude(inbox__channel_type="email")
        .count()
    )
    assert open_chats <= 2
    assert sum(r.assignee is not None for r in results) <= 2


def test_offline_and_off_shift_agents_get_nothing(demo):
    agent_set_presence(agent=demo.agents["lucia"], presence="offline")
    c = arrive(demo, "pepe", "Hola", lang="es")
    res = route(c)
    # Lucía is offline: the Spanish queue falls back to English, where Sam or Mei speak English.
    assert res.assignee != demo.agents["lucia"]
    agent_set_presence(agent=demo.agents["lucia"], presence="online")
    never = calendar_create(
        name="Weekend only", actor=SYSTEM, weekly_hours={"sun": [["00:00", "00:01"]]}
    )
    routing_profile_set(agent=demo.agents["lucia"], actor=SYSTEM, shift=never)
    res = route(arrive(demo, "rosa", "Hola", lang="es"))
    assert res.assignee != demo.agents["lucia"]


def test_an_agent_who_goes_offline_hands_over_the_waiting_customer(demo):
    c = arrive(demo, "ana2", "Hola", lang="es")
    assert route(c).assignee == demo.agents["lucia"]
    agent_set_presence(agent=demo.agents["lucia"], presence="offline")
    done = routing_sweep()
    c.refresh_from_db()
    assert c.assignee not in (None, demo.agents["lucia"])
    assert done["reassigned"] >= 1
    assert Message.objects.filter(conversation=c, body__contains="Lucía Gómez is offline").exists()


def test_an_agent_who_does_not_answer_in_time_loses_the_conversation(demo, settings):
    settings.ROUTING_ANSWER_SECONDS = 300
    c = arrive(demo, "slow", "hello?", lang="en")
    first = route(c).assignee
    assert routing_sweep(moment=now() + timedelta(seconds=60))["reassigned"] == 0
    routing_sweep(moment=now() + timedelta(seconds=400))
    c.refresh_from_db()
    assert c.assignee not in (None, first)
    assert Message.objects.filter(
        conversation=c, body__contains="did not answer within 5 min"
    ).exists()


def test_an_agent_who_answered_keeps_the_conversation(demo):
    c = arrive(demo, "fast", "hello?", lang="en")
    first = route(c).assignee
    conv.message_send(conversation=c, actor=Actor.of_agent(first), body="Hi! Looking now.")
    conv.message_receive(
        inbox=demo.inboxes["chat"], inbound=InboundMessage(identity="chat-fast", body="thanks")
    )
    routing_sweep(moment=now() + timedelta(seconds=400))
    c.refresh_from_db()
    assert c.assignee == first


def test_an_agent_picks_the_most_urgent_waiting_conversation(demo):
    for key in ("mei", "sam", "lucia"):
        routing_profile_set(agent=demo.agents[key], actor=SYSTEM, auto_assign=False)
    calm = arrive(demo, "calm", "question about fees", lang="en", topic="fees-vip")
    urgent = arrive(demo, "panic", "funds stolen!!", lang="en", topic="withdrawals")
    english = Queue.objects.get(name="L1 English")
    est_calm, est_urgent = queue_estimate(calm), queue_estimate(urgent)
    assert est_calm.queue == "L1 English"
    assert est_urgent.position < est_calm.position
    assert est_calm.agents_available == 0 and est_calm.eta_seconds > 0
    routing_profile_set(agent=demo.agents["sam"], actor=SYSTEM, capacity={"chat": 50})
    waiting = ConversationRouting.objects.filter(queue=english, waiting=True).count()
    picked = [queue_pick(agent=demo.agents["sam"], queue=english).pk for _ in range(waiting)]
    with pytest.raises(Conflict) as exc:
        queue_pick(agent=demo.agents["sam"], queue=english)
    assert exc.value.code == "queue_empty"
    assert picked.index(urgent.pk) < picked.index(calm.pk)
    assert picked.index(urgent.pk) == est_urgent.position - 1
    assert queue_estimate(calm).position is None  # no longer waiting


def test_manual_pick_respects_capacity(demo):
    routing_profile_set(agent=demo.agents["sam"], actor=SYSTEM, capacity={"chat": 0})
    arrive(demo, "cp", "hi", lang="en")
    with pytest.raises(Conflict) as exc:
        queue_pick(agent=demo.agents["sam"], queue=Queue.objects.get(name="L1 English"))
    assert exc.value.code == "over_capacity"


def test_escalation_moves_l1_to_l2_with_a_transfer_note(demo):
    c = arrive(demo, "esc", "my API orders fail", lang="en", topic="trading")
    route(c)
    agent_set_presence(agent=demo.agents["priya"], presence="online")
    with pytest.raises(ValidationFailed):
        conversation_escalate(conversation=c, actor=Actor.of_agent(demo.agents["sam"]), note=" ")
    res = conversation_escalate(
        conversation=c, actor=Actor.of_agent(demo.agents["sam"]), note="Needs API logs review"
    )
    assert res.queue.name == "L2 Specialists"
    assert res.assignee == demo.agents["priya"]
    r = ConversationRouting.objects.get(conversation=c)
    assert r.tier == "l2" and r.escalated
    assert Message.objects.filter(
        conversation=c, private=True, body="Transfer to L2 Specialists: Needs API logs review"
    ).exists()


def test_the_cached_profile_snapshot_follows_changes(demo, settings):
    from kefu.routing import selectors

    settings.ROUTING_CACHE_SECONDS = 600
    selectors._SNAPSHOT.clear()
    try:
        first = selectors._profiles_snapshot()
        assert selectors._profiles_snapshot() is first, "kept between decisions"
        # An assignment only moves the tie-break, which the candidate read takes from the
        # database: the snapshot stays.
        res = route(arrive(demo, "snap1", "Hola", lang="es"))
        assert res.assignee == demo.agents["lucia"]
        assert selectors._profiles_snapshot() is first
        # Presence is read live (agent_set_presence writes with update(), no signal).
        agent_set_presence(agent=demo.agents["lucia"], presence="offline")
        assert route(arrive(demo, "snap2", "Hola", lang="es")).assignee != demo.agents["lucia"]
        agent_set_presence(agent=demo.agents["lucia"], presence="online")
        # A profile change, and a team change, drop the snapshot.
        routing_profile_set(agent=demo.agents["lucia"], actor=SYSTEM, skills=["withdrawals"])
        assert selectors._profiles_snapshot() is not first
        second = selectors._profiles_snapshot()
        demo.teams["l1"].members.remove(demo.agents["lucia"])
        assert selectors._profiles_snapshot() is not second
        res = route(arrive(demo, "snap3", "Hola", lang="es"))
        assert res.assignee != demo.agents["lucia"], "no longer in a team of the inbox"
    finally:
        selectors._SNAPSHOT.clear()
