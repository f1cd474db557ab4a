"""The routing and SLA API: what the console, widget and analytics read."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kefu.conversations import actions as conv
from kefu.core.actors import Actor
from kefu.core.clock import now
from kefu.inboxes.adapters.base import InboundMessage
from kefu.routing.actions import conversation_prioritize, routing_profile_set
from kefu.sla.actions import sla_clocks_sync, sla_sweep

pytestmark = pytest.mark.django_db


def test_a_conversation_reports_score_reasons_position_and_clocks(demo, api_as):
    c = demo.conversations["deposit_ja"]
    res = api_as("priya").get(f"/api/v1/routing/conversations/{c.pk}")
    assert res.status_code == 200, res.content
    body = res.json()
    assert body["score"] > 0
    assert "deposit" in body["explanation"]
    assert body["queue"] == "L1 English"
    assert body["estimate"]["position"] >= 1
    kinds = {k["kind"] for k in body["clocks"]}
    assert {"first_response", "resolution"} <= kinds
    pos = api_as("priya").get(f"/api/v1/routing/conversations/{c.pk}/position").json()
    assert pos["position"] == body["estimate"]["position"]


def test_an_agent_picks_from_a_queue_and_escalates_with_a_note(demo, api_as):
    for key in ("mei", "sam", "lucia"):
        routing_profile_set(agent=demo.agents[key], actor=Actor.system("t"), auto_assign=False)
    c = conv.message_receive(
        inbox=demo.inboxes["chat"],
        inbound=InboundMessage(identity="api-1", body="orders failing", language="en"),
    ).conversation
    conv.conversation_update(conversation=c, actor=Actor.system("t"), topic="trading")
    conversation_prioritize(conversation=c)
    sam = api_as("sam")
    queues = {q["name"]: q for q in sam.get("/api/v1/routing/queues").json()}
    english = queues["L1 English"]
    assert english["waiting"] >= 1
    listed = sam.get(f"/api/v1/routing/queues/{english['id']}/conversations").json()
    scores = [x["score"] for x in listed]
    assert scores == sorted(scores, reverse=True)
    picked = sam.post(f"/api/v1/routing/queues/{english['id']}/pick")
    assert picked.status_code == 200, picked.content
    bad = sam.post(f"/api/v1/routing/conversations/{c.pk}/escalate", {"note": ""})
    assert bad.status_code == 422
    res = sam.post(f"/api/v1/routing/conversations/{c.pk}/escalate", {"note": "API keys issue"})
    assert res.status_code == 200, res.content
    assert res.json()["queue"] == "L2 Specialists" and res.json()["tier"] == "l2"


def test_profile_changes_are_for_admins_and_validated(demo, api_as):
    sam_id = demo.agents["sam"].pk
    assert api_as("sam").get("/api/v1/routing/agents/me/profile").json()["skills"] == [
        "deposits",
        "fees-vip",
        "withdrawals",
    ]
    assert (
        api_as("sam").patch(f"/api/v1/routing/agents/{sam_id}/profile", {"tier": "l2"}).status_code
        == 403
    )
    ava = api_as("ava")
    bad = ava.patch(f"/api/v1/routing/agents/{sam_id}/profile", {"skills": ["astrology"]})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "skills"
    bad = ava.patch(f"/api/v1/routing/agents/{sam_id}/profile", {"capacity": {"chat": -1}})
    assert bad.status_code == 422
    ok = ava.patch(f"/api/v1/routing/agents/{sam_id}/profile", {"capacity": {"chat": 6}})
    assert ok.json()["capacity"] == {"chat": 6, "ticket": 20}


def test_metrics_report_response_times_attainment_and_backlog(demo, api_as):
    sla_sweep(moment=now() + timedelta(days=2), limit=10_000)
    c = conv.message_receive(
        inbox=demo.inboxes["chat"], inbound=InboundMessage(identity="m-1", body="hi", language="en")
    ).conversation
    sla_clocks_sync(conversation=c, event="opened")
    conv.message_send(conversation=c, actor=Actor.of_agent(demo.agents["sam"]), body="hello")
    sla_clocks_sync(conversation=c, event="agent_replied")
    priya = api_as("priya")
    rt = priya.get("/api/v1/sla/metrics/response-times", {"group_by": "channel"}).json()
    widget = next(r for r in rt if r["group"] == "web_widget")
    assert widget["first_response"]["count"] >= 1
    att = priya.get("/api/v1/sla/metrics/attainment", {"group_by": "policy"}).json()
    live_fr = next(r for r in att if r["group"] == "Live chat" and r["kind"] == "first_response")
    assert live_fr["met"] >= 1 and 0 <= live_fr["attainment"] <= 1
    backlog = priya.get("/api/v1/sla/metrics/backlog").json()
    assert backlog["by_status"]["open"] >= 1 and backlog["unassigned"] >= 1
    assert api_as("sam").get("/api/v1/sla/metrics/backlog").status_code == 403
    bad = priya.get("/api/v1/sla/metrics/attainment", {"group_by": "horoscope"})
    assert bad.status_code == 422
    assert priya.get("/api/v1/sla/policies").json()[0]["name"] == "VIP 5+"
