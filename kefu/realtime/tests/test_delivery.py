"""Websocket delivery: exactly once, in order, through reconnects; customers never see notes."""

from __future__ import annotations

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from channels.testing.websocket import WebsocketCommunicator
from django.test import Client

from kefu.accounts.actions import token_issue
from kefu.conversations import actions
from kefu.conversations.models import Conversation, Message
from kefu.conversations.streams import inbox_stream
from kefu.core.actors import Actor
from kefu.inboxes.adapters.widget import user_hash_make
from kefu.realtime.publisher import publisher_detach

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _detach_publisher():
    yield
    publisher_detach()


def _app():
    from kefu.asgi import application

    return application


def _session(inbox, **extra):
    res = Client().post("/api/v1/widget/sessions", json.dumps({"inbox_id": str(inbox.pk), **extra}), content_type="application/json")
    assert res.status_code == 200, res.content
    return res.json()


async def _recv_until(comm, predicate, timeout=3.0):
    """Messages received until one satisfies predicate (inclusive)."""
    seen = []
    while True:
        msg = await comm.receive_json_from(timeout=timeout)
        seen.append(msg)
        if predicate(msg):
            return seen


async def _drain(comm, wait=0.3):
    """Everything that arrives until the socket is quiet for `wait` seconds."""
    out = []
    while not await comm.receive_nothing(timeout=wait):
        out.append(await comm.receive_json_from())
    return out


def test_customer_and_agent_chat_live(demo):
    inbox = demo.inboxes["chat"]
    state = _session(inbox)
    _, token = token_issue(agent=demo.agents["mei"], name="ws")

    async def scenario():
        widget = WebsocketCommunicator(_app(), f"/ws/widget/?session={state['session']}")
        console = WebsocketCommunicator(_app(), f"/ws/console/?token={token}")
        assert (await widget.connect())[0] and (await console.connect())[0]
        hello = await console.receive_json_from()
        assert hello["type"] == "hello" and f"inbox:{inbox.pk}:0" in hello["streams"]
        await console.send_json_to({"type": "resume", "cursors": hello["streams"]})
        assert (await widget.receive_json_from())["type"] == "hello"

        await widget.send_json_to({"type": "message", "client_id": "c-00000001", "body": "Hi, my BTC withdrawal is stuck"})
        got = await _recv_until(widget, lambda m: m["type"] == "ack")
        ack = got[-1]
        assert ack["duplicate"] is False
        # persisted before acknowledged
        assert await database_sync_to_async(Message.objects.filter(pk=ack["message_id"]).exists)()
        # the widget then follows the new conversation and gets its own message as an event
        events = await _recv_until(widget, lambda m: m.get("event") == "message.created")
        assert events[-1]["payload"]["message"]["body"] == "Hi, my BTC withdrawal is stuck"
        # the console sees it at once on the inbox stream
        on_console = await _recv_until(console, lambda m: m.get("event") == "message.created")
        assert on_console[-1]["payload"]["message"]["body"] == "Hi, my BTC withdrawal is stuck"

        conversation = await database_sync_to_async(Conversation.objects.get)(pk=ack["conversation_id"])
        mei = Actor.of_agent(demo.agents["mei"])
        await database_sync_to_async(actions.note_add)(conversation=conversation, actor=mei, body="VIP? check risk")
        await database_sync_to_async(actions.message_send)(conversation=conversation, actor=mei, body="Let me check that for you.")
        got = await _recv_until(widget, lambda m: m.get("event") == "message.created")
        assert got[-1]["payload"]["message"]["body"] == "Let me check that for you."
        assert all("VIP? check risk" not in json.dumps(m) for m in got)
        console_got = await _recv_until(console, lambda m: m.get("event") == "message.created" and m["payload"]["message"]["body"] == "Let me check that for you.")
        assert any("VIP? check risk" in json.dumps(m) for m in console_got)

        # typing both ways
        await console.send_json_to({"type": "typing", "conversation_id": ack["conversation_id"], "on": True})
        typing = await _recv_until(widget, lambda m: m["type"] == "typing")
        assert typing[-1]["who"] == "agent" and typing[-1]["agent"]["display_name"] == "Mei Lin"
        await widget.send_json_to({"type": "typing", "on": True})
        typing = await _recv_until(console, lambda m: m["type"] == "typing")
        assert typing[-1]["who"] == "customer" and typing[-1]["conversation_id"] == ack["conversation_id"]

        # read receipt from the customer reaches the console
        reply = await database_sync_to_async(lambda: str(Message.objects.get(body="Let me check that for you.").pk))()
        await widget.send_json_to({"type": "read", "message_id": reply})
        read = await _recv_until(console, lambda m: m.get("event") == "message.read")
        assert read[-1]["payload"]["message_id"] == reply

        # a retried send (same client_id, e.g. after a reconnect) is not stored twice
        await widget.send_json_to({"type": "message", "client_id": "c-00000001", "body": "Hi, my BTC withdrawal is stuck"})
        again = await _recv_until(widget, lambda m: m["type"] == "ack")
        assert again[-1]["duplicate"] is True and again[-1]["message_id"] == ack["message_id"]
        await widget.disconnect()
        await console.disconnect()

    asyncio.run(scenario())


def test_reconnect_mid_burst_gets_every_message_exactly_once(demo):
    inbox = demo.inboxes["chat"]
    uid = "100284731"  # Wang, verified
    state = _session(inbox, uid=uid, user_hash=user_hash_make(secret=inbox.signing_secret(), uid=uid))
    assert state["verified"] is True

    async def scenario():
        # Wang's first message opens a conversation we can burst into.
        widget = WebsocketCommunicator(_app(), f"/ws/widget/?session={state['session']}")
        await widget.connect()
        await widget.receive_json_from()
        await widget.send_json_to({"type": "message", "client_id": "burst-000001", "body": "还在吗？"})
        ack = (await _recv_until(widget, lambda m: m["type"] == "ack"))[-1]
        seen = await _recv_until(widget, lambda m: m.get("event") == "message.created")
        conversation = await database_sync_to_async(Conversation.objects.get)(pk=ack["conversation_id"])
        stream = f"conversation:{conversation.pk}"
        mei = Actor.of_agent(demo.agents["mei"])

        async def burst(start, n):
            for i in range(start, start + n):
                await database_sync_to_async(actions.message_send)(conversation=conversation, actor=mei, body=f"update {i}")

        await burst(0, 10)
        seen += await _drain(widget)
        await widget.disconnect()  # connection lost mid-burst
        await burst(10, 15)  # sent while the customer is away
        last_seq = max(m["seq"] for m in seen if m.get("type") == "event")

        widget2 = WebsocketCommunicator(_app(), f"/ws/widget/?session={state['session']}")
        await widget2.connect()
        hello = await widget2.receive_json_from()
        assert stream in hello["streams"]
        await widget2.send_json_to({"type": "resume", "cursors": {stream: last_seq}})
        await burst(25, 5)  # still arriving while it catches up
        seen += await _drain(widget2, wait=0.5)
        bodies = [m["payload"]["message"]["body"] for m in seen if m.get("event") == "message.created"]
        updates = [b for b in bodies if b.startswith("update ")]
        assert updates == [f"update {i}" for i in range(30)], updates
        seqs = [m["seq"] for m in seen if m.get("type") == "event"]
        assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
        await widget2.disconnect()

    asyncio.run(scenario())


def test_message_sent_while_agent_offline_is_there_when_they_return(demo):
    inbox = demo.inboxes["chat"]
    _, token = token_issue(agent=demo.agents["sam"], name="ws")

    async def scenario():
        console = WebsocketCommunicator(_app(), f"/ws/console/?token={token}")
        await console.connect()
        cursors = (await console.receive_json_from())["streams"]
        await console.disconnect()  # Sam goes offline

        state = await database_sync_to_async(_session)(inbox)
        widget = WebsocketCommunicator(_app(), f"/ws/widget/?session={state['session']}")
        await widget.connect()
        await widget.receive_json_from()
        await widget.send_json_to({"type": "message", "client_id": "offline-0001", "body": "Anyone there? Deposit missing"})
        await _recv_until(widget, lambda m: m["type"] == "ack")
        await widget.disconnect()

        console = WebsocketCommunicator(_app(), f"/ws/console/?token={token}")
        await console.connect()
        await console.receive_json_from()
        await console.send_json_to({"type": "resume", "cursors": cursors})
        got = await _recv_until(console, lambda m: m.get("event") == "message.created")
        assert got[-1]["payload"]["message"]["body"] == "Anyone there? Deposit missing"
        await console.disconnect()

    asyncio.run(scenario())


def test_refusals(demo):
    inbox = demo.inboxes["chat"]
    bad = Client().post("/api/v1/widget/sessions", json.dumps({"inbox_id": str(inbox.pk), "uid": "100284731", "user_hash": "00" * 32}), content_type="application/json")
    assert bad.status_code == 403 and bad.json()["error"]["code"] == "identity_rejected"
    state = _session(inbox)
    _, token = token_issue(agent=demo.agents["mei"], name="ws")

    async def scenario():
        comm = WebsocketCommunicator(_app(), "/ws/widget/?session=forged")
        connected, code = await comm.connect()
        assert not connected and code == 4401
        comm = WebsocketCommunicator(_app(), "/ws/console/?token=kefu_nope")
        connected, code = await comm.connect()
        assert not connected
        comm = WebsocketCommunicator(_app(), f"/ws/console/?token={token}", headers=[(b"origin", b"https://evil.example")])
        connected, _ = await comm.connect()
        assert not connected, "a foreign origin must not open the console socket"

        widget = WebsocketCommunicator(_app(), f"/ws/widget/?session={state['session']}")
        await widget.connect()
        await widget.receive_json_from()
        other = await database_sync_to_async(lambda: str(demo.conversations["hacked_en"].pk))()
        await widget.send_json_to({"type": "resume", "cursors": {f"conversation:{other}": 0}})
        err = await widget.receive_json_from()
        assert err["type"] == "error" and err["code"] == "forbidden_stream"
        await widget.send_json_to({"type": "message", "client_id": "x"})
        assert (await widget.receive_json_from())["code"] == "bad_message"
        await widget.send_json_to({"type": "message", "client_id": "client-0001", "body": ""})
        err = await widget.receive_json_from()
        assert err["code"] == "validation_error" and err["field"] == "body"
        await widget.send_to(text_data="not json")
        assert (await widget.receive_json_from())["code"] == "bad_message"
        await widget.send_json_to({"type": "ping", "t": 5})
        assert await widget.receive_json_from() == {"type": "pong", "t": 5}
        await widget.disconnect()

    asyncio.run(scenario())


def test_resume_from_beyond_the_log_asks_for_resync(demo):
    _, token = token_issue(agent=demo.agents["mei"], name="ws")
    stream = f"inbox:{demo.inboxes['chat'].pk}:3"

    async def scenario():
        console = WebsocketCommunicator(_app(), f"/ws/console/?token={token}")
        await console.connect()
        latest = (await console.receive_json_from())["streams"][stream]
        await console.send_json_to({"type": "resume", "cursors": {stream: latest + 100}})
        msg = await console.receive_json_from()
        assert msg == {"type": "resync", "stream": stream, "seq": latest}
        await console.disconnect()

    asyncio.run(scenario())


def test_dropped_and_duplicated_pushes_are_repaired_from_the_log(demo):
    from channels.layers import get_channel_layer

    from kefu.realtime.publisher import group_name, publisher_attach

    inbox = demo.inboxes["chat"]
    _, token = token_issue(agent=demo.agents["mei"], name="ws")
    conversation = demo.conversations["deposit_ja"]
    stream = inbox_stream(inbox.pk, conversation.pk)
    mei = Actor.of_agent(demo.agents["mei"])

    async def scenario():
        console = WebsocketCommunicator(_app(), f"/ws/console/?token={token}")
        await console.connect()
        latest = (await console.receive_json_from())["streams"][stream]
        await console.send_json_to({"type": "resume", "cursors": {stream: latest}})
        await console.send_json_to({"type": "ping", "t": 1})
        assert await console.receive_json_from() == {"type": "pong", "t": 1}  # resume is done
        publisher_detach()  # pushes for the next three notes are lost in transit
        for i in range(3):
            await database_sync_to_async(actions.note_add)(conversation=conversation, actor=mei, body=f"lost push {i}")
        stray = await _drain(console)
        assert stray == [], stray
        publisher_attach(asyncio.get_running_loop())
        await database_sync_to_async(actions.note_add)(conversation=conversation, actor=mei, body="arrives")
        got = await _recv_until(console, lambda m: m.get("event") == "message.created" and m["payload"]["message"]["body"] == "arrives")
        bodies = [m["payload"]["message"]["body"] for m in got if m.get("event") == "message.created"]
        assert bodies == ["lost push 0", "lost push 1", "lost push 2", "arrives"]
        last = got[-1]
        # the same push delivered twice (a retrying layer) reaches the client once
        await get_channel_layer().group_send(group_name(stream), {"type": "kefu.event", "stream": stream, "seq": last["seq"],
                                                                  "event": last["event"], "payload": last["payload"]})
        assert await console.receive_nothing(timeout=0.3)
        await console.disconnect()

    asyncio.run(scenario())
