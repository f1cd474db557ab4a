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
    agent_loads_repair,
    conversation_prioritize,
    conversation_route,
    queue_pick,
    routing_profile_set,
    routing_sweep,
)
from kefu.routing.models import AgentLoad, ConversationRouting, Queue
from kefu.routing.selectors import agent_load, agent_loads_drift

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
    # The load counters moved with every assignment, in the assignments' own transactions.
    assert agent_loads_drift() == []
    # The queue's bookkeeping agrees with the conversations: what is assigned is not waiting.
    for r in ConversationRouting.objects.select_related("conversation"):
        if r.conversation.assignee_id is not None:
            assert not r.waiting
        assert r.assignments <= 1


def test_load_counters_stay_exact_while_routing_resolving_reassigning_and_repairing_race(demo):
    """Counter writers in every transaction that moves a load: decisions (holding a profile
    lock), agents resolving and handing back, a lead reassigning, and the repair job. None
    deadlocks, and at every moment the counters equal the conversations (the repair, which
    compares them in one snapshot, never finds drift)."""
    agents = [demo.agents[k] for k in ("mei", "sam", "lucia")]
    for a in agents:
        routing_profile_set(agent=a, actor=SYSTEM, capacity={"chat": agent_load(a.pk, "chat") + 4})
    ids = []
    for i in range(36):
        c = conv.message_receive(
            inbox=demo.inboxes["chat"],
            inbound=InboundMessage(identity=f"churn-{i}", body="help", language="en"),
        ).conversation
        conversation_prioritize(conversation=c)
        ids.append(c.pk)
    lead = Actor.of_agent(demo.agents["ava"])

    def work(i):
        rng = random.Random(i)
        order = ids[:]
        rng.shuffle(order)
        found = 0
        for cid in order:
            role = i % 4
            if role == 0:
                found += agent_loads_repair()
                continue
            if role == 1:
                conversation_route(conversation=Conversation(pk=cid))
                continue
            c = Conversation.objects.filter(pk=cid, assignee__isnull=False, status="open").first()
            if c is None:
                continue
            if role == 2:  # the agent is done, or hands it back to the queue
                if rng.random() < 0.5:
                    conv.conversation_set_status(conversation=c, actor=SYSTEM, status="resolved")
                else:
                    conv.conversation_assign(conversation=c, actor=SYSTEM, assignee=None)
            else:  # the lead moves it to someone else
                other = rng.choice([a for a in agents if a.pk != c.assignee_id])
                conv.conversation_assign(conversation=c, actor=lead, assignee=other)
        return found

    drift_seen = _in_threads(8, work)
    assert sum(drift_seen) == 0, "the repair found counters out of step during the race"
    assert agent_loads_drift() == []
    for a in agents:
        for kind in ("chat", "ticket"):
            row = a.pk, kind
            assert agent_load(*row) == (
                AgentLoad.objects.filter(agent=a, kind=kind).values_list("held", flat=True).first()
                or 0
            )
