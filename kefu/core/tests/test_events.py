from __future__ import annotations

import pytest
from django.db import transaction

from kefu.conversations import actions
from kefu.core.actors import Actor
from kefu.core.clock import now
from kefu.core.events import REGISTRY, ResyncRequired, event_emit, event_log_prune, event_log_since
from kefu.inboxes.adapters.base import InboundMessage

pytestmark = pytest.mark.django_db(transaction=True)


def _receive(demo, body="hello", source_id=None, identity="visitor-wang"):
    return actions.message_receive(
        inbox=demo.inboxes["chat"],
        inbound=InboundMessage(identity=identity, body=body, source_id=source_id),
    )


def test_registry_names_are_noun_verb_with_schemas():
    assert {
        "conversation.created",
        "conversation.assigned",
        "conversation.status_changed",
        "message.created",
        "message.delivered",
        "message.read",
    } <= set(REGISTRY)
    for name, spec in REGISTRY.items():
        noun, verb = name.split(".")
        assert noun and verb
        assert spec.schema.model_json_schema()["type"] == "object"


def test_events_are_dispatched_only_after_commit(demo, events):
    events.clear()
    with transaction.atomic():
        _receive(demo, "where is my withdrawal?")
        assert events == [], "an event reached subscribers before its transaction committed"
    assert [e.type for e in events] == ["message.created"]


def test_rolled_back_action_emits_nothing_and_logs_nothing(demo, events):
    from kefu.core.models import EventLogEntry

    before = EventLogEntry.objects.count()
    events.clear()

    def write_then_fail():
        with transaction.atomic():
            _receive(demo, "this will be rolled back")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert events == []
    assert EventLogEntry.objects.count() == before


def test_event_emit_outside_a_transaction_is_refused(db):
    with pytest.raises(RuntimeError, match="inside the action's transaction"):
        event_emit(type="contact.updated", payload={}, streams=["x:1"])


def test_payload_must_match_its_schema(db):
    with pytest.raises(ValueError, match="does not match its schema"), transaction.atomic():
        event_emit(type="contact.updated", payload={"contact_id": "not-a-uuid"}, streams=["x:1"])


def test_unknown_event_type_is_refused(db):
    with pytest.raises(ValueError, match="unknown event type"), transaction.atomic():
        event_emit(type="conversation.exploded", payload={}, streams=["x:1"])


def test_resume_returns_exactly_what_was_missed(demo):
    first = _receive(demo, "one")
    stream = f"conversation:{first.conversation.pk}"
    seen = event_log_since(stream=stream, after_seq=0)
    last = seen[-1]["seq"]
    _receive(demo, "two")
    _receive(demo, "three")
    missed = event_log_since(stream=stream, after_seq=last)
    bodies = [e["payload"]["message"]["body"] for e in missed if e["type"] == "message.created"]
    assert bodies == ["two", "three"]
    assert [e["seq"] for e in missed] == list(range(last + 1, last + 1 + len(missed)))
    assert event_log_since(stream=stream, after_seq=missed[-1]["seq"]) == []


def test_customer_stream_never_carries_private_notes(demo):
    result = _receive(demo, "hello")
    conversation = result.conversation
    actions.note_add(
        conversation=conversation,
        actor=Actor.of_agent(demo.agents["mei"]),
        body="internal: check risk flags",
    )
    public = event_log_since(stream=f"conversation:{conversation.pk}", after_seq=0)
    assert all("internal: check risk flags" not in str(e["payload"]) for e in public)
    from kefu.conversations.streams import inbox_stream

    console = event_log_since(stream=inbox_stream(conversation.inbox_id, conversation.pk), after_seq=0)
    assert any("internal: check risk flags" in str(e["payload"]) for e in console)
    # and internal conversation state (tags, topic, custom attributes) stays off the public stream
    assert all("custom_attributes" not in str(e["payload"]) for e in public)


def test_resume_after_pruning_asks_for_resync(demo):
    result = _receive(demo, "one")
    stream = f"conversation:{result.conversation.pk}"
    _receive(demo, "two")
    _receive(demo, "three")
    event_log_prune(older_than=now())
    with pytest.raises(ResyncRequired):
        event_log_since(stream=stream, after_seq=1)
    # a client that is up to date is not asked to resync
    from kefu.core.models import EventStream

    last = EventStream.objects.get(key=stream).last_seq
    assert event_log_since(stream=stream, after_seq=last) == []
    with pytest.raises(ResyncRequired):
        event_log_since(stream=stream, after_seq=last + 5)


def test_scheduler_prunes_old_events_and_keeps_recent_ones(demo, settings):
    from datetime import timedelta

    from kefu.core.models import EventLogEntry
    from kefu.core.schedule import schedule_run_due

    _receive(demo, "recent")
    EventLogEntry.objects.filter(
        pk__in=list(EventLogEntry.objects.values_list("pk", flat=True)[:5])
    ).update(created_at=now() - timedelta(days=settings.EVENT_LOG_RETENTION_DAYS + 1))
    total = EventLogEntry.objects.count()
    last_run: dict[str, float] = {}
    assert "event_log_prune" in schedule_run_due(last_run, at=1000.0)
    assert EventLogEntry.objects.count() == total - 5
    assert schedule_run_due(last_run, at=1001.0) == []  # not due again within the hour
