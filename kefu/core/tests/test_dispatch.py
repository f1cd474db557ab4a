"""Deferred subscribers: off the sender's path, in order per conversation, never lost or doubled."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from kefu.conversations import actions
from kefu.core import dispatch
from kefu.core.events import event_subscribe
from kefu.core.models import PendingDispatch
from kefu.inboxes.adapters.base import InboundMessage

pytestmark = pytest.mark.django_db(transaction=True)


def _receive(demo, body, identity="visitor-dispatch"):
    return actions.message_receive(
        inbox=demo.inboxes["api"], inbound=InboundMessage(identity=identity, body=body)
    )


@pytest.fixture
def seen():
    """A deferred subscriber recording (thread, conversation, body) of each message."""
    got: list[tuple[str, str, str]] = []

    def handler(event):
        m = event.payload["message"]
        got.append((threading.current_thread().name, m["conversation_id"], m["body"]))

    unsubscribe = event_subscribe(handler, deferred=True, types={"message.created"})
    yield got
    unsubscribe()


@pytest.fixture
def running():
    dispatch.dispatcher_start(2)
    yield
    dispatch.dispatcher_stop()


def _drain(timeout=10.0):
    deadline = time.monotonic() + timeout
    while dispatch.dispatcher_backlog() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert dispatch.dispatcher_backlog() == 0, "the dispatcher did not finish its backlog"


def test_without_a_server_deferred_subscribers_run_inline_after_commit(demo, seen):
    with transaction.atomic():
        _receive(demo, "inline please")
        assert seen == []
    assert [(t, b) for t, _, b in seen] == [(threading.current_thread().name, "inline please")]
    assert not PendingDispatch.objects.exists(), "no outbox row without a dispatcher"


def test_a_running_dispatcher_handles_events_on_its_threads_and_empties_the_outbox(demo, seen, running):
    # The test's in-memory SQLite locks whole tables across threads and fails at once instead
    # of waiting (no busy timeout in shared-cache mode), so there the sender waits for the
    # dispatcher between messages; a real server's WAL file waits. PostgreSQL overlaps them.
    overlap = connection.vendor != "sqlite"
    for i in range(6):
        _receive(demo, f"first {i}", identity="visitor-one")
        if not overlap:
            _drain()
        _receive(demo, f"second {i}", identity="visitor-two")
        if not overlap:
            _drain()
    _drain()
    assert len(seen) == 12
    assert all(t.startswith("kefu-dispatch-") for t, _, _ in seen)
    # One conversation's events run in commit order.
    by_conversation: dict[str, list[str]] = {}
    for _, cid, body in seen:
        by_conversation.setdefault(cid, []).append(body)
    assert sorted(by_conversation.values()) == [
        [f"first {i}" for i in range(6)],
        [f"second {i}" for i in range(6)],
    ]
    assert not PendingDispatch.objects.exists()


def test_an_event_whose_process_died_is_recovered_once(demo, seen, running, monkeypatch):
    # The process "dies" between commit and hand-off: the outbox row is all that is left.
    import kefu.core.events as events

    monkeypatch.setattr(events, "hand_off", lambda row, event: None)
    _receive(demo, "lost in a crash")
    monkeypatch.undo()
    assert seen == []
    # The new conversation's conversation.created (routing and SLA want it) and the message.
    left = sorted(PendingDispatch.objects.values_list("type", flat=True))
    assert left == ["conversation.created", "message.created"]
    assert dispatch.dispatch_recover(older_than_seconds=3600) == 0, "too young to be recovered"
    assert dispatch.dispatch_recover(older_than_seconds=0) == 2
    assert [b for _, _, b in seen] == ["lost in a crash"]
    assert dispatch.dispatch_recover(older_than_seconds=0) == 0, "recovered twice"
    assert not PendingDispatch.objects.exists()


def test_a_claimed_event_is_not_run_by_a_second_claimer(demo, seen):
    from kefu.core.events import Event

    result = _receive(demo, "claim me")
    event = Event(
        id=__import__("uuid").uuid4(),
        type="message.created",
        payload={"message": {"conversation_id": str(result.conversation.pk), "body": "x"}},
        occurred_at=result.message.created_at,
    )
    with transaction.atomic():
        row = dispatch.outbox_write(event)
    assert dispatch._claim(row) is True
    assert dispatch._claim(row) is False


def test_a_failing_deferred_subscriber_does_not_stop_the_others(demo, seen, running):
    def broken(event):
        raise RuntimeError("boom")

    unsubscribe = event_subscribe(broken, deferred=True, types={"message.created"})
    try:
        _receive(demo, "still handled")
        _drain()
    finally:
        unsubscribe()
    assert [b for _, _, b in seen] == ["still handled"]
    assert not PendingDispatch.objects.exists()


def test_deferred_subscribers_must_name_registered_types():
    with pytest.raises(ValueError, match="registered event types"):
        event_subscribe(lambda e: None, deferred=True)
    with pytest.raises(ValueError, match=r"message\.teleported"):
        event_subscribe(lambda e: None, deferred=True, types={"message.teleported"})
