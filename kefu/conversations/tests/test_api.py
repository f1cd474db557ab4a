from __future__ import annotations

import base64
import json

import pytest

from kefu.accounts.actions import agent_create, team_add_member, team_create
from kefu.conversations.models import Conversation, Message
from kefu.inboxes.actions import inbox_create
from kefu.inboxes.adapters.base import InboundMessage
from kefu.safety.signing import signature_make

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def other_team(demo):
    """Team B with its own inbox and one conversation that demo agents must never see."""
    from kefu.conversations.actions import message_receive

    team = team_create(name="Institutional")
    outsider = agent_create(email="olga@lumen.exchange", display_name="Olga", password="x" * 12)
    team_add_member(team=team, agent=outsider)
    inbox = inbox_create(name="OTC desk", channel_type="api", teams=[team])
    r = message_receive(
        inbox=inbox, inbound=InboundMessage(identity="fund-7", body="block trade 500 BTC")
    )
    return {"team": team, "agent": outsider, "inbox": inbox, "conversation": r.conversation}


def test_list_filters_and_cursor_pagination(api_as, demo):
    api = api_as("ava")
    seen, cursor = [], None
    while True:
        res = api.get(
            "/api/v1/conversations", {"limit": 5, **({"cursor": cursor} if cursor else {})}
        )
        assert res.status_code == 200
        body = res.json()
        seen += [c["id"] for c in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == Conversation.objects.count()

    res = api.get("/api/v1/conversations", {"status": ["resolved", "closed"]}).json()
    assert {c["status"] for c in res["items"]} <= {"resolved", "closed"} and res["items"]
    res = api.get("/api/v1/conversations", {"assignee": "none"}).json()
    assert all(c["assignee"] is None for c in res["items"])
    res = api.get("/api/v1/conversations", {"tag": "vip"}).json()
    assert {c["number"] for c in res["items"]} == {
        demo.conversations["hacked_en"].number,
        demo.conversations["api_en"].number,
    }
    res = api.get("/api/v1/conversations", {"language": "es"}).json()
    assert res["items"] and all(c["language"] == "es" for c in res["items"])
    res = api.get("/api/v1/conversations", {"q": str(demo.conversations["kyc_es"].number)}).json()
    assert [c["id"] for c in res["items"]] == [str(demo.conversations["kyc_es"].pk)]
    res = api.get("/api/v1/conversations", {"channel": "email"}).json()
    assert res["items"] and all(c["channel"] == "email" for c in res["items"])
    res = api.get("/api/v1/conversations", {"priority": "urgent"}).json()
    assert [c["number"] for c in res["items"]] == [demo.conversations["hacked_en"].number]
    mine = api_as("mei").get("/api/v1/conversations", {"assignee": "me"}).json()
    assert mine["items"] and all(c["assignee"]["display_name"] == "Mei Lin" for c in mine["items"])


def test_reply_note_assign_status_tags_through_the_api(api_as, demo):
    api = api_as("mei")
    c = demo.conversations["deposit_ja"]
    url = f"/api/v1/conversations/{c.pk}"
    res = api.post(
        f"{url}/messages",
        {
            "body": "確認いたします。TxIDを教えていただけますか？",
            "attachments": [
                {"filename": "guide.png", "content_base64": base64.b64encode(PNG).decode()}
            ],
        },
    )
    assert res.status_code == 201, res.content
    msg = res.json()
    assert msg["direction"] == "outgoing" and msg["attachments"][0]["content_type"] == "image/png"
    assert (
        api.post(f"{url}/notes", {"body": "Arbitrum deposits need 64 confirmations"}).json()[
            "private"
        ]
        is True
    )
    res = api.post(f"{url}/assign", {"assignee_id": str(demo.agents["mei"].pk)})
    assert res.status_code == 200 and res.json()["assignee"]["display_name"] == "Mei Lin"
    assert api.post(f"{url}/tags", {"tags": ["Deposit", "arbitrum"]}).json()["tags"] == [
        "arbitrum",
        "deposit",
    ]
    assert api.delete(f"{url}/tags/arbitrum").json()["tags"] == ["deposit"]
    assert api.post(f"{url}/status", {"status": "resolved"}).json()["status"] == "resolved"
    res = api.get(f"{url}/messages").json()
    kinds = [(m["direction"], m["private"]) for m in res["items"]]
    assert ("outgoing", True) in kinds and ("activity", True) in kinds
    c.refresh_from_db()
    assert c.first_response_at is not None and c.waiting_since is None


def test_illegal_status_change_is_409_with_code(api_as, demo):
    c = demo.conversations["listing_en"]  # closed
    res = api_as("sam").post(f"/api/v1/conversations/{c.pk}/status", {"status": "open"})
    assert res.status_code == 409
    assert res.json()["error"]["code"] == "illegal_transition"
    assert "closed is final" in res.json()["error"]["message"]


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/messages", {"body": 42}, "body"),
        ("/messages", {"body": ""}, "body"),
        ("/messages", {"body": "x" * 20001}, "body"),
        ("/status", {"status": "done"}, "status"),
        ("/assign", {"assignee_id": "not-a-uuid"}, "assignee_id"),
        ("/assign", {}, "assignee_id"),
        ("/tags", {"tags": []}, "tags"),
        (
            "/messages",
            {"body": "hi", "attachments": [{"filename": "a.png", "content_base64": "%%%"}]},
            "attachments.0.content_base64",
        ),
        (
            "/messages",
            {
                "body": "hi",
                "attachments": [
                    {
                        "filename": "run.exe",
                        "content_base64": base64.b64encode(
                            b"MZ\x90\x00\x03" + b"\x00" * 50
                        ).decode(),
                    }
                ],
            },
            "attachments",
        ),
    ],
)
def test_validation_errors_name_the_field_and_change_nothing(api_as, demo, path, payload, field):
    c = demo.conversations["deposit_ja"]
    before = (Message.objects.count(), Conversation.objects.get(pk=c.pk).status)
    res = api_as("mei").post(f"/api/v1/conversations/{c.pk}{path}", payload)
    assert res.status_code == 422, res.content
    err = res.json()["error"]
    assert err["code"] in ("validation_error", "attachment_type_not_allowed")
    assert any(f["field"] == field for f in err["fields"]), err
    assert (Message.objects.count(), Conversation.objects.get(pk=c.pk).status) == before


def test_malformed_json_is_a_clear_error(api_as, demo):
    c = demo.conversations["deposit_ja"]
    api = api_as("mei")
    res = api.client.post(
        f"/api/v1/conversations/{c.pk}/messages", "{not json", content_type="application/json"
    )
    assert res.status_code in (400, 422)
    assert "error" in res.json()


def test_unauthenticated_and_revoked_tokens_are_refused(demo, api_as):
    from django.test import Client

    from kefu.accounts.actions import token_issue, token_revoke

    assert Client().get("/api/v1/conversations").status_code == 401
    token, clear = token_issue(agent=demo.agents["sam"], name="t")
    ok = Client(HTTP_AUTHORIZATION=f"Bearer {clear}")
    assert ok.get("/api/v1/conversations").status_code == 200
    token_revoke(token=token)
    res = ok.get("/api/v1/conversations")
    assert res.status_code == 401 and res.json()["error"]["code"] == "unauthorized"


def _endpoints(conversation_id, contact_id, inbox_id):
    c = f"/api/v1/conversations/{conversation_id}"
    return [
        ("get", c, None),
        ("patch", c, {"priority": "high"}),
        ("get", f"{c}/messages", None),
        ("post", f"{c}/messages", {"body": "hello"}),
        ("post", f"{c}/notes", {"body": "note"}),
        ("post", f"{c}/assign", {"assignee_id": None}),
        ("post", f"{c}/status", {"status": "resolved"}),
        ("post", f"{c}/tags", {"tags": ["x"]}),
        ("delete", f"{c}/tags/x", None),
        ("get", f"/api/v1/contacts/{contact_id}", None),
        ("patch", f"/api/v1/contacts/{contact_id}", {"name": "x"}),
        ("get", f"/api/v1/inboxes/{inbox_id}", None),
        ("get", "/api/v1/events", {"stream": f"conversation:{conversation_id}"}),
        ("get", "/api/v1/events", {"stream": f"inbox:{inbox_id}:0"}),
    ]


def test_an_agent_of_team_a_cannot_reach_team_b_through_any_endpoint(api_as, demo, other_team):
    target = other_team["conversation"]
    before = (Message.objects.filter(conversation=target).count(), target.status, target.priority)
    api = api_as("mei")
    for method, path, payload in _endpoints(target.pk, target.contact_id, other_team["inbox"].pk):
        res = getattr(api, method)(path, payload) if method != "delete" else api.delete(path)
        assert res.status_code == 404, f"{method} {path} -> {res.status_code}"
        assert res.json()["error"]["code"] == "not_found"
    listed = api.get("/api/v1/conversations", {"limit": 100}).json()["items"]
    assert str(target.pk) not in {c["id"] for c in listed}
    assert str(other_team["inbox"].pk) not in {i["id"] for i in api.get("/api/v1/inboxes").json()}
    assert str(target.contact_id) not in {
        c["id"] for c in api.get("/api/v1/contacts", {"limit": 100}).json()["items"]
    }
    target.refresh_from_db()
    assert (
        Message.objects.filter(conversation=target).count(),
        target.status,
        target.priority,
    ) == before
    # the admin sees everything; the outsider sees their own
    assert api_as("ava").get(f"/api/v1/conversations/{target.pk}").status_code == 200


def test_analyst_reads_but_cannot_write(api_as, demo):
    c = demo.conversations["deposit_ja"]
    api = api_as("noor")
    # Noor is in no team: she sees nothing until given one; give her L1 read access.
    team_add_member(team=demo.teams["l1"], agent=demo.agents["noor"])
    assert api.get(f"/api/v1/conversations/{c.pk}").status_code == 200
    for path, payload in [
        ("/messages", {"body": "hi"}),
        ("/notes", {"body": "n"}),
        ("/status", {"status": "resolved"}),
        ("/tags", {"tags": ["x"]}),
        ("/assign", {"assignee_id": str(demo.agents["noor"].pk)}),
    ]:
        res = api.post(f"/api/v1/conversations/{c.pk}{path}", payload)
        assert res.status_code == 403, path
        assert res.json()["error"]["code"] == "permission_denied"


def test_assigning_to_an_agent_outside_the_inbox_is_refused(api_as, demo, other_team):
    c = demo.conversations["deposit_ja"]
    res = api_as("ava").post(
        f"/api/v1/conversations/{c.pk}/assign", {"assignee_id": str(other_team["agent"].pk)}
    )
    assert res.status_code == 422 and res.json()["error"]["field"] == "assignee_id"


def test_api_channel_dedups_redelivered_messages(demo):
    from django.test import Client

    inbox = demo.inboxes["api"]
    body = json.dumps(
        {
            "identity": "app-user-991",
            "body": "I can't log in on the app",
            "source_id": "app-msg-1",
            "name": "Ren",
        }
    ).encode()
    client = Client()
    first = client.post(
        f"/api/v1/inboxes/{inbox.pk}/messages",
        body,
        content_type="application/json",
        HTTP_X_KEFU_SIGNATURE=signature_make(secret=inbox.signing_secret(), body=body),
    )
    assert first.status_code == 201, first.content
    again = client.post(
        f"/api/v1/inboxes/{inbox.pk}/messages",
        body,
        content_type="application/json",
        HTTP_X_KEFU_SIGNATURE=signature_make(secret=inbox.signing_secret(), body=body),
    )
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["message"]["id"] == first.json()["message"]["id"]
    assert Message.objects.filter(inbox=inbox, source_id="app-msg-1").count() == 1


def test_api_channel_refuses_bad_signatures_and_changes_nothing(demo):
    from django.test import Client

    inbox = demo.inboxes["api"]
    body = json.dumps({"identity": "app-user-1", "body": "hi"}).encode()
    before = Message.objects.count()
    for header in [
        signature_make(secret="wrong", body=body),
        signature_make(secret=inbox.signing_secret(), body=body, timestamp=1),
        "garbage",
        signature_make(secret=inbox.signing_secret(), body=body + b" "),
    ]:
        res = Client().post(
            f"/api/v1/inboxes/{inbox.pk}/messages",
            body,
            content_type="application/json",
            HTTP_X_KEFU_SIGNATURE=header,
        )
        assert res.status_code == 403, header
    assert (
        Client()
        .post(f"/api/v1/inboxes/{inbox.pk}/messages", body, content_type="application/json")
        .status_code
        == 401
    )
    assert Message.objects.count() == before


def test_events_endpoint_resumes_and_signals_resync(api_as, demo):
    api = api_as("mei")
    c = demo.conversations["withdrawal_zh"]
    events = api.get("/api/v1/events", {"stream": f"conversation:{c.pk}"}).json()
    last = events[-1]["seq"]
    api.post(f"/api/v1/conversations/{c.pk}/messages", {"body": "已为您加急处理。"})
    missed = api.get("/api/v1/events", {"stream": f"conversation:{c.pk}", "after": last}).json()
    assert [e["type"] for e in missed] == ["message.created"]
    assert missed[0]["payload"]["message"]["body"] == "已为您加急处理。"
    res = api.get("/api/v1/events", {"stream": f"conversation:{c.pk}", "after": last + 50})
    assert res.status_code == 409 and res.json()["error"]["code"] == "resync_required"


def test_attachments_download_only_for_agents_who_see_the_conversation(api_as, demo, other_team):
    c = demo.conversations["deposit_ja"]
    sent = (
        api_as("mei")
        .post(
            f"/api/v1/conversations/{c.pk}/messages",
            {
                "body": "see guide",
                "attachments": [
                    {"filename": "guide.png", "content_base64": base64.b64encode(PNG).decode()}
                ],
            },
        )
        .json()
    )
    url = sent["attachments"][0]["url"]
    assert url.startswith("/api/v1/attachments/") and "/media/" not in url
    res = api_as("sam").get(url)
    assert res.status_code == 200 and b"".join(res.streaming_content) == PNG
    assert res["Content-Type"] == "image/png" and res["X-Content-Type-Options"] == "nosniff"
    from conftest import ApiClient
    from kefu.accounts.actions import token_issue

    _, outsider = token_issue(agent=other_team["agent"], name="t")
    assert ApiClient(outsider).get(url).status_code == 404
    from django.test import Client

    assert Client().get(url).status_code == 401
