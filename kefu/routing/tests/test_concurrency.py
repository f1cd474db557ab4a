"""Assignment races on real PostgreSQL connections: never twice, never over capacity."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from kefu.conversations import actions as conv
from kefu.conversations.models import Conversation
from kefu.core.actors import Actor
from kefu.core.errors import Conflict
from kefu.inboxes.adapters.base import InboundMessage
from kefu.routing.actions import (
    conversation_prioritize,
    conversation_route,
    queue_pick,
    routing_profile_set,
    routing_sweep,
)
from kefu.routing.models import ConversationRouting, Queue
from kefu.routing.selectors import agent_load

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
SYSTEM = Actor.system("test")
WORKERS = 12


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


def test_many_workers_routing_the_same_queue_never_double_assign_or_overfill(demo):
    assert connection.vendor == "postgresql"
    agents = [demo.agents[k] for k in ("mei", "sam", "lucia")]
    capacity = {}
    for a in agents:
        capacity[a.pk] = agent_load(a.pk, "chat") + 3  # three free slots each
        routing_profile_set(agent=a, actor=SYSTEM, capacity={"chat": capacity[a.pk]})
    ids = []
    for i in range(40):
        c = conv.message_receive(
            inbox=demo.inboxes["chat"],
            inbound=InboundMessage(identity=f"race-{i}", body="help", language="en"),
        ).conversation
        conversation_prioritize(conversation=c)
        ids.append(c.pk)
    english = Queue.objects.get(name="L1 English")

    def work(i):
        rng = random.Random(i)
        order = ids[:]
        rng.shuffle(order)
        got = []
        for cid in order:
            if i % 4 == 0:  # a quarter of the workers are agents picking by hand
                try:
                    got.append(("pick", queue_pick(agent=agents[i % 3], queue=english).pk))
                except Conflict:  # at capacity or queue empty: the race is the point
                    continue
            else:
                res = conversation_route(conversation=Conversation(pk=cid))
                if res is not None and res.assignee is not None:
                    got.append(("route", cid))
        return got

    results = [x for r in _in_threads(WORKERS, work) for x in r]
    assigned = [cid for _, cid in results]
    assert len(assigned) == len(set(assigned)), "a conversation was assigned twice"
    for a in agents:
        assert agent_load(a.pk, "chat") <= capacity[a.pk], f"{a.display_name} over capacity"
    # Every slot was filled (a sweep afterwards finds none left), none more.
    routing_sweep()
    for a in agents:
        assert agent_load(a.pk, "chat") == capacity[a.pk]
    # The queue's bookkeeping agrees with the conversations: what is assigned is not waiting.
    for r in ConversationRouting.objects.select_related("conversation"):
        if r.conversation.assignee_id is not None:
            assert not r.waiting
        assert r.assignments <= 1
