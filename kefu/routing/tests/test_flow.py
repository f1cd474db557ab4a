"""The whole path on events: a message arrives, is scored, queued, assigned; clocks start."""

from __future__ import annotations

import pytest

from kefu.conversations import actions as conv
from kefu.conversations.models import Conversation
from kefu.core.actors import Actor
from kefu.inboxes.adapters.base import InboundMessage
from kefu.routing.models import ConversationRouting
from kefu.sla.models import SlaClock

pytestmark = pytest.mark.django_db


@pytest.fixture
def auto(settings):
    settings.ROUTING_AUTO = True


def test_an_arriving_message_is_routed_and_its_clocks_start(
    demo, auto, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        res = conv.message_receive(
            inbox=demo.inboxes["chat"],
            inbound=InboundMessage(identity="flow-1", body="Hola, ¿me ayudan?", language="es"),
        )
    c = Conversation.objects.get(pk=res.conversation.pk)
    assert c.assignee == demo.agents["lucia"]
    r = ConversationRouting.objects.get(conversation=c)
    assert r.queue.name == "L1 Spanish & Portuguese" and not r.waiting
    kinds = set(SlaClock.objects.filter(conversation=c).values_list("kind", "state"))
    assert kinds == {("first_response", "running"), ("resolution", "running")}

    with django_capture_on_commit_callbacks(execute=True):
        conv.message_send(conversation=c, actor=Actor.of_agent(demo.agents["lucia"]), body="¡Hola!")
    assert SlaClock.objects.get(conversation=c, kind="first_response").state == "met"

    with django_capture_on_commit_callbacks(execute=True):
        conv.conversation_set_status(
            conversation=c, actor=Actor.of_agent(demo.agents["lucia"]), status="pending"
        )
    assert SlaClock.objects.get(conversation=c, kind="resolution").state == "paused"


def test_a_vip_jumps_the_queue(demo, auto, django_capture_on_commit_callbacks):
    from kefu.routing.actions import routing_profile_set

    for key in ("mei", "sam", "lucia"):
        routing_profile_set(agent=demo.agents[key], actor=Actor.system("t"), auto_assign=False)
    with django_capture_on_commit_callbacks(execute=True):
        plain = conv.message_receive(
            inbox=demo.inboxes["chat"],
            inbound=InboundMessage(identity="flow-plain", body="hi", language="en"),
        ).conversation
        vip = conv.message_receive(
            inbox=demo.inboxes["chat"],
            inbound=InboundMessage(identity="visitor-james", body="hello, me again", thread="new"),
        ).conversation
    from kefu.routing.selectors import queue_estimate, routing_of, routing_state

    assert queue_estimate(vip).position < queue_estimate(plain).position
    state = routing_state(routing_of(vip), vip)
    assert state["explanation"].startswith("VIP 7")


def test_the_nlp_of_the_message_feeds_the_priority(demo, auto, django_capture_on_commit_callbacks):
    """kefu.intelligence labels the message; routing reads anger and the hacked/stolen cue."""
    from kefu.routing.actions import priority_input_of, routing_profile_set

    for key in ("mei", "sam", "lucia"):
        routing_profile_set(agent=demo.agents[key], actor=Actor.system("t"), auto_assign=False)
    with django_capture_on_commit_callbacks(execute=True):
        calm = conv.message_receive(
            inbox=demo.inboxes["chat"],
            inbound=InboundMessage(identity="flow-calm", body="How do I change my email address?"),
        ).conversation
        furious = conv.message_receive(
            inbox=demo.inboxes["chat"],
            inbound=InboundMessage(
                identity="flow-hacked",
                body="MY ACCOUNT WAS HACKED AND ALL MY MONEY IS STOLEN!!! I will call my lawyer",
            ),
        ).conversation
    angry = priority_input_of(furious)
    assert angry.anger == 1.0 and angry.stolen_funds and angry.sentiment < 0
    quiet = priority_input_of(calm)
    assert not quiet.anger and not quiet.stolen_funds
    from kefu.routing.selectors import routing_of

    assert routing_of(furious).base_score > routing_of(calm).base_score
    assert any(r["label"].lower().startswith("anger") for r in routing_of(furious).reasons)


def test_the_bot_answers_first_and_routing_takes_over_at_its_handoff(
    demo, auto, settings, django_capture_on_commit_callbacks
):
    from kefu.bot.actions import bot_configure
    from kefu.bot.models import BotSession

    settings.BOT_ENABLED = True
    bot_configure(inbox=demo.inboxes["chat"], enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        first = conv.message_receive(
            inbox=demo.inboxes["chat"],
            inbound=InboundMessage(identity="flow-bot", body="Hello", language="en"),
        ).conversation
    c = Conversation.objects.get(pk=first.pk)
    assert c.assignee is None  # the bot holds it
    assert c.messages.filter(
        direction="outgoing", author_agent__isnull=True, private=False
    ).exists()

    with django_capture_on_commit_callbacks(execute=True):
        conv.message_receive(
            inbox=demo.inboxes["chat"],
            inbound=InboundMessage(
                identity="flow-bot", body="I want to talk to a human agent please"
            ),
        )
    assert BotSession.objects.get(conversation=c).handed_off_at is not None
    c.refresh_from_db()
    assert c.assignee is not None  # routed at the handoff
