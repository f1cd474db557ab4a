"""Suite-wide fixtures. The demo exchange is the shared world; build it with the `demo` fixture."""

from __future__ import annotations

import os

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # PostgreSQL-only tests (row locks, concurrency) run in the PostgreSQL pass of `make test`;
    # on the SQLite pass they are deselected rather than skipped, so a skip always means trouble.
    if os.environ.get("KEFU_DATABASE_URL"):
        return
    keep, drop = [], []
    for item in items:
        (drop if item.get_closest_marker("postgres") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def demo(db):
    from kefu.exchange.demo import demo_world_build

    return demo_world_build()


@pytest.fixture
def events():
    """Events dispatched (after commit) while the test runs."""
    from kefu.core.events import event_subscribe

    seen = []
    unsubscribe = event_subscribe(seen.append)
    yield seen
    unsubscribe()


class ApiClient:
    """A Django test client that speaks JSON with a bearer token."""

    def __init__(self, token: str) -> None:
        from django.test import Client

        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def _do(self, method: str, path: str, data=None, **extra):
        import json

        fn = getattr(self.client, method)
        if method == "get":
            return fn(path, data or {}, **extra)
        return fn(
            path,
            json.dumps(data) if data is not None else None,
            content_type="application/json",
            **extra,
        )

    def get(self, path, data=None, **extra):
        return self._do("get", path, data, **extra)

    def post(self, path, data=None, **extra):
        return self._do("post", path, data, **extra)

    def patch(self, path, data=None, **extra):
        return self._do("patch", path, data, **extra)

    def delete(self, path, **extra):
        return self._do("delete", path, None, **extra)


@pytest.fixture
def api_as(demo):
    """api_as("mei") -> an ApiClient authenticated as that demo agent."""
    from kefu.accounts.actions import token_issue

    def make(key: str) -> ApiClient:
        _, clear = token_issue(agent=demo.agents[key], name="test")
        return ApiClient(clear)

    return make


@pytest.fixture(scope="session")
def _llm_server():
    from kefu.intelligence.testing import FakeLlmServer

    with FakeLlmServer(api_key="sk-test-kefu") as server:
        yield server


@pytest.fixture
def fake_llm(_llm_server, settings):
    """kefu configured with a model server: a local fake speaking the chat-completions format.

    `fake_llm.script(FakeReply.answer("… [1]"))` queues its next answers; `fake_llm.requests`
    holds what kefu sent. Without this fixture kefu runs without a model, as by default.
    """
    _llm_server.reset()
    settings.LLM_BASE_URL = _llm_server.base_url
    settings.LLM_API_KEY = "sk-test-kefu"
    settings.LLM_MODEL = "kefu-test-model"
    settings.LLM_TIMEOUT_MS = 2000
    yield _llm_server
    _llm_server.reset()


# Browser tests drive Debian's chromium (installed by scripts/test-setup) through Playwright.
CHROMIUM = os.environ.get("KEFU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    """One headless chromium per test module."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"browser tests need chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
