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
