from __future__ import annotations

import pytest

from kefu.intelligence.selectors import triage_cache_clear


@pytest.fixture(autouse=True)
def _fresh_triage_cache():
    # The active model is cached per process; a model trained in one test's (rolled back)
    # transaction must not classify the next test's messages.
    triage_cache_clear()
    yield
    triage_cache_clear()
