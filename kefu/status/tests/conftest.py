from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _announcements_cache():
    """A test's announcements roll back with its transaction; the cache must not outlive them."""
    from kefu.status.selectors import announcements_cache_drop

    announcements_cache_drop()
    yield
    announcements_cache_drop()


@pytest.fixture
def official(db):
    from kefu.safety.actions import official_channel_add

    official_channel_add(kind="website", value="lumen.exchange", label="Lumen")


@pytest.fixture
def system():
    from kefu.core.actors import Actor

    return Actor.system("test")
