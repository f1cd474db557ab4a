"""For every event type: the state fetched fresh equals the old state with the events replayed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kefu.conversations import actions
from kefu.conversations.models import Conversation
from kefu.conversations.replay import view_apply
from kefu.conversations.selectors import conversation_state, message_state, messages_of
from kefu.conversations.streams import inbox_stream
from kefu.core.actors import Actor
from kefu.core.clock import now
from kefu.core.events import REGISTRY, event_log_since
from kefu.core.models import EventStream
from kefu.inboxes.adapters.base import InboundMessage

pytestmark = pytest.mark.django_db


def _fresh(conversation_id):
    c = Conversation.objects.select_related("contact", "inbox", "assignee", "team").get(
        pk=conversation_id
    )
    return {
        "conversation": conversation_state(c).model_dump(mode="json"),
        "messages": {str(m.pk): message_state(m).model_dump(mode="json") for m in messages_of(c)},
    }


def _seq(stream):
    return EventStream.objects.filter(key=stream).values_list("last_seq", flat=True).first() or 0


def test_replaying_events_equals_fetching_fresh_for_every_event_type(demo):
    mei = Actor.of_agent(demo.agents["mei"])
    inbox = demo.inboxes["chat"]
    first = actions.message_receive(
        inbox=inbox,
        inbound=InboundMessage(identity="visitor-new", body="hi, my deposit is missing"),
    )
    cid = first.conversation.pk
    stream = inbox_stream(inbox.pk, cid)
    steps = [
        lambda c: actions.conversation_assign(
            conversation=c, actor=mei, assignee=demo.agents["mei"], team=demo.teams["l1"]
        ),
        lambda c: actions.message_send(
            conversation=c, actor=mei, body="Which network did you use?"
        ),
        lambda c: actions.message_receive(
            inbox=inbox,
            inbound=InboundMessage(identity="visitor-new", body="TRC20", source_id="w-2"),
        ),
        lambda c: actions.note_add(conversation=c, actor=mei, body="checking the deposit sweeper"),
        lambda c: actions.tag_add(conversation=c, actor=mei, names=["deposit", "TRC20"]),
        lambda c: actions.tag_remove(conversation=c, actor=mei, names=["trc20"]),
        lambda c: actions.conversation_update(
            conversation=c,
            actor=mei,
            priority="high",
            topic="deposit_not_credited",
            custom_attributes={"network": "TRX"},
        ),
        lambda c: actions.message_set_delivery(
            message=c.messages.filter(direction="outgoing", private=False).first(),
            status="delivered",
        ),
        lambda c: actions.message_set_delivery(
            message=c.messages.filter(direction="outgoing", private=False).first(), status="read"
        ),
        lambda c: actions.message_set_delivery(
            message=actions.message_send(conversation=c, actor=mei, body="x"),
            status="failed",
            error="socket closed",
        ),
        lambda c: actions.conversation_set_status(
            conversation=c, actor=mei, status="snoozed", snoozed_until=now() + timedelta(hours=1)
        ),
        lambda c: actions.conversation_set_status(conversation=c, actor=mei, status="pending"),
        lambda c: actions.message_receive(
            inbox=inbox, inbound=InboundMessage(identity="visitor-new", body="any news?")
        ),
        lambda c: actions.conversation_set_status(conversation=c, actor=mei, status="resolved"),
        lambda c: actions.conversation_set_status(conversation=c, actor=mei, status="open"),
        lambda c: actions.conversation_assign(conversation=c, actor=mei, assignee=None),
    ]
    exercised = {"conversation.created"}
    for step in steps:
        before = _fresh(cid)
        after_seq = _seq(stream)
        step(Conversation.objects.get(pk=cid))
        view = before
        for event in event_log_since(stream=stream, after_seq=after_seq):
            exercised.add(event["type"])
            view = view_apply(view, event)
        assert view == _fresh(cid), (
            f"replay diverged after {[e['type'] for e in event_log_since(stream=stream, after_seq=after_seq)]}"
        )
    conversation_types = {t for t in REGISTRY if t.split(".")[0] in ("conversation", "message")}
    assert conversation_types <= exercised, f"not exercised: {conversation_types - exercised}"
