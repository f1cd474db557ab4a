"""The demo world with its help center, built once per module (embedding the articles takes
seconds); each test runs in its own rolled-back transaction and calls the bot directly (the
on-commit subscriber is tested apart, with captured on-commit callbacks)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command

_seq = itertools.count()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[Any]:
    from kefu.exchange.demo import demo_world_build
    from kefu.knowledge.actions import knowledge_demo_load
    from kefu.knowledge.search import INDEX

    with django_db_blocker.unblock():
        from kefu.bot.actions import bot_configure

        w = demo_world_build()
        knowledge_demo_load(author=w.agents["ava"])
        # What `kefu demo` does once the help center is in.
        w.inboxes["chat"] = bot_configure(inbox=w.inboxes["chat"], enabled=True)
        try:
            yield w
        finally:
            call_command("flush", interactive=False, verbosity=0)
            INDEX.reset()


@pytest.fixture(autouse=True)
def _fresh_exchange() -> Iterator[None]:
    from kefu.exchange import connector, demo_backend

    demo_backend.demo_freezes_reset()
    yield
    connector.connector_override(None)
    demo_backend.demo_freezes_reset()


class Chat:
    """One customer on the demo chat widget, talking to the bot."""

    def __init__(self, world: Any, *, uid: str = "", language: str = "") -> None:
        self.world = world
        self.uid = uid
        self.language = language
        self.identity = f"uid:{uid}" if uid else f"v_test{next(_seq)}"
        self.conversation = None
        self.turns: list[Any] = []

    def say(self, text: str) -> Any:
        from kefu.bot.actions import bot_handle
        from kefu.conversations.actions import message_receive
        from kefu.inboxes.adapters.base import InboundMessage

        result = message_receive(
            inbox=self.world.inboxes["chat"],
            inbound=InboundMessage(
                identity=self.identity,
                body=text,
                language=self.language,
                exchange_uid=self.uid,
                source_id=f"widget:{self.identity}:{next(_seq)}",
                thread="new" if self.conversation is None else "latest",
                conversation_id=str(self.conversation.pk) if self.conversation else None,
            ),
        )
        self.conversation = result.conversation
        turn = bot_handle(message=result.message)
        self.turns.append(turn)
        return turn

    def notes(self) -> list[str]:
        from kefu.conversations.models import Message

        return list(
            Message.objects.filter(
                conversation=self.conversation, private=True, direction="outgoing"
            )
            .order_by("created_at")
            .values_list("body", flat=True)
        )

    def fresh(self) -> Any:
        from kefu.conversations.models import Conversation

        return Conversation.objects.select_related("team").get(pk=self.conversation.pk)


@pytest.fixture
def chat(world, db) -> Callable[..., Chat]:
    return lambda **kw: Chat(world, **kw)
