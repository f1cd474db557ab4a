"""Websocket endpoints. Protocol: docs/subsystems/realtime.md.

Delivery per stream is by seq: a push with the next seq is sent at once, an older one is
dropped (already delivered), a newer one means something was missed and the gap is read from
the event log first. So a client sees every event once, in order, whatever the transport did.
"""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs

from channels.db import DatabaseSyncToAsync
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from kefu.core.events import ResyncRequired, event_log_since
from kefu.realtime import selectors
from kefu.realtime.publisher import ephemeral_send, group_name

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 25
CATCH_UP_BATCH = 500

# Websocket database work runs on this pool rather than Channels' one shared thread: each
# socket still awaits its own calls in order, but one socket's database round trips no longer
# queue every other socket behind them.
_db_pool = (
    ThreadPoolExecutor(max_workers=settings.WS_DB_THREADS, thread_name_prefix="kefu-ws-db")
    if settings.WS_DB_THREADS > 0
    else None
)


def database_sync_to_async(fn: Any) -> Any:
    if _db_pool is None:
        return DatabaseSyncToAsync(fn)
    return DatabaseSyncToAsync(fn, thread_sensitive=False, executor=_db_pool)


class StreamConsumer(AsyncJsonWebsocketConsumer):
    """Stream subscriptions with exactly-once, in-order delivery."""

    async def connect(self) -> None:
        self.streams: dict[str, int] = {}
        self.allowed: set[str] = set()
        self.query = {k: v[-1] for k, v in parse_qs(self.scope.get("query_string", b"").decode()).items()}
        principal = await self.authenticate()
        if principal is None:
            await self.close(code=4401)
            return
        await self.accept()
        self.allowed = set(await self.allowed_streams())
        latest = await database_sync_to_async(selectors.stream_latest)(sorted(self.allowed))
        await self.send_json({"type": "hello", "streams": latest, "heartbeat": HEARTBEAT_SECONDS, **self.hello_extra()})

    async def disconnect(self, code: int) -> None:
        for stream in list(getattr(self, "streams", {})):
            await self.channel_layer.group_discard(group_name(stream), self.channel_name)

    # --- to implement -----------------------------------------------------------------------
    async def authenticate(self) -> object | None:
        raise NotImplementedError

    async def allowed_streams(self) -> list[str]:
        raise NotImplementedError

    def hello_extra(self) -> dict[str, Any]:
        return {}

    async def on_message(self, content: dict[str, Any]) -> None:
        await self.error("unknown_type", f"unknown message type {content.get('type')!r}")

    # --- protocol ---------------------------------------------------------------------------
    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            await self.error("bad_message", "messages are JSON objects with a type")
            return
        kind = content.get("type")
        if kind == "ping":
            await self.send_json({"type": "pong", "t": content.get("t")})
        elif kind == "resume":
            await self.resume(content.get("cursors"))
        else:
            await self.on_message(content)

    async def decode_json(self, text_data: str) -> Any:
        try:
            return await super().decode_json(text_data)
        except ValueError:
            return None

    async def error(self, code: str, message: str, **extra: Any) -> None:
        await self.send_json({"type": "error", "code": code, "message": message, **extra})

    async def resume(self, cursors: Any) -> None:
        """Subscribe to streams from the seqs the client has (0: from the start of the log)."""
        if not isinstance(cursors, dict):
            await self.error("bad_message", "resume needs cursors: {stream: last_seq}")
            return
        for stream, seq in cursors.items():
            if not isinstance(stream, str) or not isinstance(seq, int) or seq < 0:
                await self.error("bad_cursor", "cursors map stream names to non-negative integers", stream=str(stream))
                continue
            if stream not in self.allowed:
                await self.error("forbidden_stream", f"not allowed to follow {stream}", stream=stream)
                continue
            await self.subscribe(stream, after=seq)

    async def subscribe(self, stream: str, *, after: int) -> None:
        # Join first, then read the log: a push that arrives meanwhile is either in what we
        # read (dropped as old) or after it (delivered, or gap-filled).
        first_time = stream not in self.streams
        self.streams[stream] = after
        if first_time:
            await self.channel_layer.group_add(group_name(stream), self.channel_name)
        await self.catch_up(stream)

    async def catch_up(self, stream: str) -> None:
        while True:
            after = self.streams[stream]
            try:
                events = await database_sync_to_async(event_log_since)(stream=stream, after_seq=after, limit=CATCH_UP_BATCH)
            except ResyncRequired:
                latest = (await database_sync_to_async(selectors.stream_latest)([stream]))[stream]
                self.streams[stream] = latest
                await self.send_json({"type": "resync", "stream": stream, "seq": latest})
                return
            for e in events:
                await self.deliver(stream, e["seq"], e["type"], e["payload"])
            if len(events) < CATCH_UP_BATCH:
                return

    async def deliver(self, stream: str, seq: int, event: str, payload: dict[str, Any]) -> None:
        if seq != self.streams.get(stream, -1) + 1:
            return
        self.streams[stream] = seq
        await self.send_json({"type": "event", "stream": stream, "seq": seq, "event": event, "payload": payload})

    async def kefu_event(self, message: dict[str, Any]) -> None:
        stream, seq = message["stream"], message["seq"]
        last = self.streams.get(stream)
        if last is None or seq <= last:
            return
        if seq == last + 1:
            await self.deliver(stream, seq, message["event"], message["payload"])
        else:
            await self.catch_up(stream)

    async def kefu_ephemeral(self, message: dict[str, Any]) -> None:
        if message.get("sender") == self.channel_name or message["stream"] not in self.streams:
            return
        body = {k: v for k, v in message.items() if k not in ("type", "sender")}
        await self.send_json({"type": body.pop("kind"), **body})


class WidgetConsumer(StreamConsumer):
    """The customer's chat. Auth: `?session=<token from POST /api/v1/widget/sessions>`."""

    async def authenticate(self) -> object | None:
        from kefu.core.errors import KefuError
        from kefu.inboxes.adapters.widget import widget_session_load

        try:
            self.session = widget_session_load(self.query.get("session", ""))
        except KefuError:
            return None
        self.inbox = await database_sync_to_async(selectors.inbox_for_widget)(self.session.inbox_id)
        return self.inbox

    async def allowed_streams(self) -> list[str]:
        return await database_sync_to_async(selectors.widget_streams)(self.inbox, self.session.identity)

    async def on_message(self, content: dict[str, Any]) -> None:
        kind = content.get("type")
        if kind == "message":
            await self.customer_message(content)
        elif kind == "typing":
            for stream in await database_sync_to_async(selectors.widget_console_streams)(self.inbox, self.streams):
                ephemeral_send(stream, {"kind": "typing", "sender": self.channel_name, "who": "customer",
                                        "conversation_id": stream_conversation(self.streams), "on": bool(content.get("on"))})
        elif kind == "read":
            await self.mark_read(content.get("message_id"))
        else:
            await super().on_message(content)

    async def customer_message(self, content: dict[str, Any]) -> None:
        from kefu.core.errors import KefuError

        client_id = content.get("client_id")
        body = content.get("body")
        if not isinstance(client_id, str) or not 8 <= len(client_id) <= 64:
            await self.error("bad_message", "message needs a client_id of 8-64 characters")
            return
        attachment_ids = content.get("attachment_ids") or []
        if not isinstance(attachment_ids, list) or not all(isinstance(a, str) for a in attachment_ids):
            await self.error("bad_message", "attachment_ids is a list of upload ids", client_id=client_id)
            return
        try:
            result = await database_sync_to_async(selectors.widget_receive)(
                self.inbox, self.session, body=body, client_id=client_id,
                email=content.get("email") or "", name=content.get("name") or "",
                attachment_ids=attachment_ids, ip=self.client_ip(),
                # Following no conversation yet: this message opens one.
                opens_conversation=not any(s.startswith("conversation:") for s in self.allowed),
            )
        except KefuError as exc:
            extra = {"retry_after": exc.retry_after} if hasattr(exc, "retry_after") else {}
            await self.error(exc.code, exc.message, client_id=client_id, field=exc.field, **extra)
            return
        stream = f"conversation:{result.conversation.pk}"
        self.allowed.add(stream)
        # The message is committed: acknowledge, then make sure its stream is followed.
        await self.send_json({"type": "ack", "client_id": client_id, "message_id": str(result.message.pk),
                              "conversation_id": str(result.conversation.pk), "duplicate": not result.created})
        if stream not in self.streams:
            await self.subscribe(stream, after=0)

    def client_ip(self) -> str:
        from kefu.inboxes.adapters.widget import client_ip

        headers = dict(self.scope.get("headers") or [])
        peer = (self.scope.get("client") or ("",))[0] or ""
        return client_ip(peer, headers.get(b"x-forwarded-for", b"").decode("latin-1"))

    async def mark_read(self, message_id: Any) -> None:
        try:
            mid = uuid.UUID(str(message_id))
        except ValueError:
            await self.error("bad_message", "read needs a message_id")
            return
        await database_sync_to_async(selectors.widget_mark_read)(self.inbox, self.session.identity, mid)


def stream_conversation(streams: dict[str, int]) -> str | None:
    ids = [s.split(":", 1)[1] for s in streams if s.startswith("conversation:")]
    return ids[-1] if ids else None


class ConsoleConsumer(StreamConsumer):
    """Agents' consoles. Auth: the agent's session cookie, or `?token=<API token>`."""

    async def authenticate(self) -> object | None:
        user = self.scope.get("user")
        if user is not None and getattr(user, "is_authenticated", False) and user.is_active:
            from kefu.accounts.middleware import session_two_factor_ok

            # A session that has not passed 2FA gets no more over the socket than over HTTP.
            if not await database_sync_to_async(session_two_factor_ok)(self.scope.get("session"), user):
                return None
            self.agent = user
            return user
        token = self.query.get("token")
        if token:
            self.agent = await database_sync_to_async(selectors.agent_by_token)(token)
            return self.agent
        return None

    async def allowed_streams(self) -> list[str]:
        return await database_sync_to_async(selectors.console_streams)(self.agent)

    def hello_extra(self) -> dict[str, Any]:
        return {"agent": {"id": str(self.agent.pk), "display_name": self.agent.display_name}}

    async def on_message(self, content: dict[str, Any]) -> None:
        kind = content.get("type")
        if kind in ("typing", "viewing"):
            streams = await database_sync_to_async(selectors.console_signal_streams)(self.agent, content.get("conversation_id"))
            if streams is None:
                await self.error("not_found", "no such conversation")
                return
            signal = {"kind": kind, "sender": self.channel_name, "who": "agent",
                      "agent": {"id": str(self.agent.pk), "display_name": self.agent.display_name},
                      "conversation_id": str(content.get("conversation_id")), "on": bool(content.get("on", True))}
            for stream in streams if kind == "typing" else [s for s in streams if s.startswith("inbox:")]:
                ephemeral_send(stream, signal)
        else:
            await super().on_message(content)
