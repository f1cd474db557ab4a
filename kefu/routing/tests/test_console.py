"""The console shows why a conversation has its priority, and its running SLA clocks."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from kefu.exchange.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def client_for(demo, key):
    client = Client()
    assert client.login(username=demo.agents[key].email, password=DEMO_PASSWORD)
    return client


def test_the_conversation_view_shows_score_reasons_and_clocks(demo):
    c = demo.conversations["api_en"]  # James, VIP 7, API trading, waiting
    html = client_for(demo, "priya").get(f"/console/conversations/{c.pk}/").content.decode()
    header = html[html.index('id="ch-routing"') :]
    assert re.search(r"Priority \d+", header)
    assert "VIP 7" in header and "trading" in header
    assert 'data-sla-kind="first_response"' in header
    assert "left" in header or "overdue" in header


def test_the_list_rows_carry_the_score_with_its_explanation(demo):
    html = client_for(demo, "priya").get("/console/?view=teams&status=all").content.decode()
    assert re.search(r'<span class="badge score" title="VIP 7[^"]*">\d+</span>', html)
