"""Races that only a real multi-connection database shows. Run in the PostgreSQL pass."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from kefu.conversations.actions import message_receive
from kefu.conversations.models import Conversation, Message
from kefu.core.models import EventLogEntry
from kefu.inboxes.adapters.base import InboundMessage

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _in_threads(n, fn):
    barrier = threading.Barrier(n)

    def run(i):
        barrier.wait()
        try:
            return fn(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def test_the_same_delivery_racing_on_eight_connections_is_stored_once(demo):
    assert connection.vendor == "postgresql"
    inbox = demo.inboxes["api"]
    inbound = InboundMessage(
        identity="race-user", body="my withdrawal is stuck", source_id="retry-42"
    )
    results = _in_threads(8, lambda i: message_receive(inbox=inbox, inbound=inbound))
    assert sum(r.created for r in results) == 1
    assert len({r.message.pk for r in results}) == 1
    assert Message.objects.filter(inbox=inbox, source_id="retry-42").count() == 1
    assert Conversation.objects.filter(contact__identities__external_id="race-user").count() == 1


def test_parallel_new_conversations_get_unique_gapless_numbers_and_ordered_events(demo):
    inbox = demo.inboxes["api"]
    start = Conversation.objects.order_by("-number").values_list("number", flat=True).first()
    results = _in_threads(
        12,
        lambda i: message_receive(
            inbox=inbox, inbound=InboundMessage(identity=f"par-{i}", body=f"q{i}")
        ),
    )
    numbers = sorted(r.conversation.number for r in results)
    assert numbers == list(range(start + 1, start + 13))
    from kefu.conversations.streams import inbox_streams

    for stream in inbox_streams(inbox.pk):
        seqs = list(
            EventLogEntry.objects.filter(stream=stream).order_by("seq").values_list("seq", flat=True)
        )
        assert seqs == list(range(1, len(seqs) + 1)), f"seqs must be gapless on {stream}"
