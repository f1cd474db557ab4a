from __future__ import annotations

from datetime import timedelta

import pytest

from kefu.conversations import actions
from kefu.conversations.status import TRANSITIONS, IllegalTransition, transition_check
from kefu.core.actors import Actor
from kefu.core.clock import now
from kefu.core.errors import Conflict, ValidationFailed

ALL = ["open", "pending", "snoozed", "resolved", "closed"]


@pytest.mark.parametrize("current", ALL)
@pytest.mark.parametrize("target", ALL)
def test_transition_table(current, target):
    if current != target and target in TRANSITIONS[current]:
        transition_check(current, target)
    elif current != target:
        with pytest.raises(
            IllegalTransition, match=f"an? {current} conversation cannot become {target}"
        ):
            transition_check(current, target)


def test_closed_is_final():
    assert TRANSITIONS["closed"] == frozenset()


@pytest.mark.django_db
def test_illegal_transition_is_a_clear_conflict_and_changes_nothing(demo):
    c = demo.conversations["deposit_ja"]
    mei = Actor.of_agent(demo.agents["mei"])
    with pytest.raises(Conflict, match="an open conversation cannot become closed"):
        actions.conversation_set_status(conversation=c, actor=mei, status="closed")
    c.refresh_from_db()
    assert c.status == "open"


@pytest.mark.django_db
def test_snooze_needs_a_future_time(demo):
    c = demo.conversations["deposit_ja"]
    mei = Actor.of_agent(demo.agents["mei"])
    with pytest.raises(ValidationFailed, match="snoozed_until"):
        actions.conversation_set_status(conversation=c, actor=mei, status="snoozed")
    with pytest.raises(ValidationFailed, match="snoozed_until"):
        actions.conversation_set_status(
            conversation=c, actor=mei, status="snoozed", snoozed_until=now() - timedelta(minutes=1)
        )
    actions.conversation_set_status(
        conversation=c, actor=mei, status="snoozed", snoozed_until=now() + timedelta(hours=2)
    )
    c.refresh_from_db()
    assert c.status == "snoozed" and c.snoozed_until is not None


@pytest.mark.django_db
def test_customer_reply_reopens_pending_and_resolved_but_closed_starts_a_new_case(demo):
    from kefu.inboxes.adapters.base import InboundMessage

    chat = demo.inboxes["chat"]
    pending = demo.conversations["kyc_es"]
    pending.refresh_from_db()
    assert pending.status == "pending"
    r = actions.message_receive(
        inbox=chat, inbound=InboundMessage(identity="visitor-maria", body="Ya la subí de nuevo")
    )
    assert r.conversation.pk in {pending.pk, demo.conversations["snoozed_es"].pk}
    assert r.conversation.status == "open"

    closed = demo.conversations["listing_en"]
    closed.refresh_from_db()
    assert closed.status == "closed"
    mei = Actor.of_agent(demo.agents["mei"])
    c = demo.conversations["2fa_zht"]
    c.refresh_from_db()
    assert c.status == "resolved"
    actions.conversation_set_status(conversation=c, actor=mei, status="closed")
    r = actions.message_receive(
        inbox=chat, inbound=InboundMessage(identity="visitor-chen", body="又登不進去了")
    )
    assert r.conversation.pk != c.pk and r.conversation.status == "open"
    assert r.conversation.number > c.number


@pytest.mark.django_db
def test_resolve_sets_resolved_at_and_reopen_clears_it(demo):
    c = demo.conversations["deposit_ja"]
    mei = Actor.of_agent(demo.agents["mei"])
    c = actions.conversation_set_status(conversation=c, actor=mei, status="resolved")
    assert c.resolved_at is not None and c.waiting_since is None
    c = actions.conversation_set_status(conversation=c, actor=mei, status="open")
    assert c.resolved_at is None
