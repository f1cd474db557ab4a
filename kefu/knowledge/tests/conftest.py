"""Fixtures for the help-center tests.

`world` builds the demo exchange and imports the demo help center once per test module
(~100 translations, embedded by the real encoder): too slow to redo per test. The data is
committed, each test still runs in its own rolled-back transaction, and the module ends
with a flush, as a transactional test would. Modules using `world` must not use the suite's
function-scoped `demo` fixture (it would build the same agents twice).
"""

from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from kefu.exchange.demo import demo_world_build
    from kefu.knowledge.actions import knowledge_demo_load
    from kefu.knowledge.search import INDEX

    with django_db_blocker.unblock():
        w = demo_world_build()
        w.kb_report = knowledge_demo_load(author=w.agents["ava"])
        try:
            yield w
        finally:
            call_command("flush", interactive=False, verbosity=0)
            INDEX.reset()


@pytest.fixture
def kb_api(world, db):
    """kb_api("mei") -> an ApiClient authenticated as that demo agent (token made in the test's transaction)."""
    from django.test import Client

    from kefu.accounts.actions import token_issue

    def make(key: str) -> Client:
        _, clear = token_issue(agent=world.agents[key], name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {clear}")

    return make


@pytest.fixture
def staff(db):
    """A few agents and a category for tests that build their own articles."""
    from kefu.accounts.actions import agent_create
    from kefu.core.actors import Actor
    from kefu.knowledge.actions import category_save, section_save

    people = {
        role: agent_create(email=f"{role}@kb.test", display_name=role.title(), role=role, password="x" * 12)
        for role in ("admin", "supervisor", "agent", "analyst")
    }
    system = Actor.system("test")
    cat = category_save(slug="wallets", title={"en": "Wallets", "es": "Billeteras", "zh-Hans": "钱包"}, icon="card", actor=system)
    sec = section_save(category=cat, slug="basics", title={"en": "Basics"}, actor=system)
    secret = category_save(slug="procedures", title={"en": "Procedures"}, icon="book", internal=True, actor=system)
    return {"people": people, "category": cat, "section": sec, "internal_category": secret,
            "admin": Actor.of_agent(people["admin"]), "agent": Actor.of_agent(people["agent"]),
            "analyst": Actor.of_agent(people["analyst"])}
