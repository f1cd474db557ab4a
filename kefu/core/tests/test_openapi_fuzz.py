"""Schemathesis drives every operation of the OpenAPI schema with generated input: no 500s."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def auth_header(demo):
    from kefu.accounts.actions import token_issue

    _, clear = token_issue(agent=demo.agents["ava"], name="fuzz")
    return {"Authorization": f"Bearer {clear}"}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_500(case, auth_header):
    response = case.call(headers=auth_header)
    case.validate_response(response, checks=[not_a_server_error])
    assert response.status_code < 500, response.text
