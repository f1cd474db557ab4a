"""The console's pages and fragments: sign-in, visibility, writes through actions, query budgets."""

from __future__ import annotations

import base64
import re

import pytest
from django.core.checks import Error
from django.test import Client

from kefu.console.checks import frontend_libraries_check
from kefu.conversations import actions
from kefu.core.actors import Actor
from kefu.inboxes.adapters.base import InboundAttachment, InboundMessage

PASSWORD = "lumen-demo-2026"

# A 1x1 PNG: sniffed as an image by the attachment checks.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def client_for(demo, key: str, **kwargs) -> Client:
    client = Client(**kwargs)
    assert client.login(username=demo.agents[key].email, password=PASSWORD)
    return client


def url(conversation, suffix: str = "") -> str:
    return f"/console/conversations/{conversation.pk}/{suffix}"


def test_console_needs_a_signed_in_agent(demo):
    anonymous = Client()
    res = anonymous.get("/console/")
    assert res.status_code == 302 and res["Location"].startswith("/login/?next=/console/")
    conversation = demo.conversations["withdrawal_zh"]
    assert anonymous.get(url(conversation)).status_code == 302
    # Fragments and writes answer 401 and tell htmx where to sign in.
    res = anonymous.get("/console/rows/?ids=x", HTTP_HX_REQUEST="true")
    assert res.status_code == 401 and res["HX-Redirect"] == "/login/"
    assert anonymous.post(url(conversation, "status/"), {"status": "resolved"}).status_code in (
        401,
        403,
    )


def test_sign_in_with_email_and_password_lands_in_the_console(demo):
    client = Client()
    page = client.get("/login/")
    assert page.status_code == 200 and b'name="username"' in page.content
    bad = client.post("/login/", {"username": "mei@lumen.exchange", "password": "wrong"})
    assert bad.status_code == 200 and b"match an active agent" in bad.content
    res = client.post("/login/", {"username": "MEI@lumen.exchange", "password": PASSWORD})
    assert res.status_code == 302 and res["Location"] == "/console/"
    assert client.get("/console/").status_code == 200
    out = client.post("/logout/")
    assert out.status_code == 302 and out["Location"] == "/login/"
    assert client.get("/console/").status_code == 302


def test_list_shows_the_agents_views_and_conversations(demo):
    mei = client_for(demo, "mei")
    page = mei.get("/console/").content.decode()
    # Mine, open: Wang Hao's withdrawal is assigned to Mei.
    assert f"#{demo.conversations['withdrawal_zh'].number}" in page
    assert "Wang Hao" in page and "VIP 2" in page
    assert 'data-view="all"' not in page  # only roles that see every inbox get "All"
    unassigned = mei.get("/console/?view=unassigned").content.decode()
    assert f"#{demo.conversations['deposit_ja'].number}" in unassigned
    assert f"#{demo.conversations['withdrawal_zh'].number}" not in unassigned
    admin = client_for(demo, "ava").get("/console/?view=all&status=all").content.decode()
    assert 'data-view="all"' in admin
    for conversation in demo.conversations.values():
        assert f"#{conversation.number}" in admin


def test_filters_narrow_the_list(demo):
    ava = client_for(demo, "ava")

    def numbers(query: str) -> set[int]:
        html = ava.get(f"/console/list/?{query}").content.decode()
        return {int(n) for n in re.findall(r'class="num">#(\d+)<', html)}

    c = demo.conversations
    assert numbers("view=all&priority=urgent") == {c["hacked_en"].number}
    assert numbers("view=all&tag=kyc&status=pending") == {c["kyc_es"].number}
    assert numbers("view=all&language=ja") == {c["deposit_ja"].number}
    assert numbers(f"view=all&inbox={demo.inboxes['api'].pk}") == {c["api_en"].number}
    assert numbers("view=all&status=closed") == {c["listing_en"].number}
    assert numbers(f"view=all&status=all&q={c['fees_email'].number}") == {c["fees_email"].number}
    assert numbers("view=all&q=fatima") == {c["phishing_en"].number}
    # Oldest waiting first: the first customer still waiting heads the list.
    html = ava.get("/console/list/?view=all&sort=waiting").content.decode()
    first = int(re.search(r'class="num">#(\d+)<', html).group(1))
    assert first == c["withdrawal_zh"].number or first < c["phishing_en"].number
    # Garbage in the URL falls back to defaults instead of failing.
    assert ava.get("/console/?view=nope&status=nope&inbox=nope&sort=nope").status_code == 200


def test_an_agent_cannot_open_another_teams_conversation(demo):
    # Dmitri is in Security, whose inboxes are chat and email; the API inbox is L1's alone.
    other = demo.conversations["api_en"]
    dmitri = client_for(demo, "dmitri")
    for suffix in ("", "header/", "thread/", f"messages/?ids={other.pk}"):
        assert dmitri.get(url(other, suffix)).status_code == 404, suffix
        assert dmitri.get(url(other, suffix), HTTP_HX_REQUEST="true").status_code == 404, suffix
    for suffix, data in [
        ("status/", {"status": "resolved"}),
        ("assign/", {"assignee": "me"}),
        ("priority/", {"priority": "low"}),
        ("tags/", {"tag": "x"}),
        ("seen/", {}),
    ]:
        assert dmitri.post(url(other, suffix), data).status_code == 404, suffix
    rows = dmitri.get(f"/console/rows/?view=teams&status=all&ids={other.pk}").content.decode()
    assert str(other.pk) not in rows
    assert f"#{other.number}" not in dmitri.get("/console/?view=teams&status=all").content.decode()
    other.refresh_from_db()
    assert other.status == "open" and other.priority == "high"
    # The same agent opens a conversation of their own team.
    assert dmitri.get(url(demo.conversations["hacked_en"])).status_code == 200


def test_conversation_page_renders_thread_notes_and_customer(demo):
    james = demo.conversations["hacked_en"]
    page = client_for(demo, "dmitri").get(url(james)).content.decode()
    assert "Freeze it NOW" in page
    assert (
        "msg-note" in page and "Account frozen by risk" in page
    )  # the private note, styled as one
    assert "100077215" in page and "VIP 7" in page and "L3" in page  # exchange profile
    # James also wrote through the mobile app; Dmitri does not see that inbox, so it isn't listed.
    assert f"#{demo.conversations['api_en'].number}" not in page
    # Previous conversations on any channel: Wang Hao, verified by his exchange UID, writes
    # from the mobile app too.
    chat = demo.conversations["withdrawal_zh"]
    app = actions.message_receive(
        inbox=demo.inboxes["api"],
        inbound=InboundMessage(
            identity="app-wang", body="还是没到账", source_id="t-app-1", exchange_uid="100284731"
        ),
    ).conversation
    assert app.contact_id == chat.contact_id
    mei_page = client_for(demo, "mei").get(url(chat)).content.decode()
    assert f'href="/console/conversations/{app.pk}/"' in mei_page
    # ...which Dmitri, outside the app's inbox, is not shown.
    assert str(app.pk) not in client_for(demo, "dmitri").get(url(chat)).content.decode()


def test_status_changes_show_the_servers_message_on_a_conflict(demo):
    mei = client_for(demo, "mei")
    conversation = demo.conversations["withdrawal_zh"]
    res = mei.post(url(conversation, "status/"), {"status": "closed"}, HTTP_HX_REQUEST="true")
    assert res.status_code == 409 and res["HX-Reswap"] == "none"
    assert "an open conversation cannot become closed" in res.content.decode()
    res = mei.post(
        url(conversation, "status/"), {"status": "snoozed", "snoozed_until": "2099-01-01T09:00:00Z"}
    )
    assert res.status_code == 200 and 'data-status="snoozed"' in res.content.decode()
    res = mei.post(
        url(conversation, "status/"), {"status": "snoozed", "snoozed_until": "yesterday"}
    )
    assert res.status_code == 422
    res = mei.post(url(conversation, "status/"), {"status": "resolved"})
    conversation.refresh_from_db()
    assert res.status_code == 200 and conversation.status == "resolved"


def test_assign_transfer_priority_and_tags(demo):
    mei = client_for(demo, "mei")
    conversation = demo.conversations["deposit_ja"]
    res = mei.post(url(conversation, "assign/"), {"assignee": "me"})
    assert res.status_code == 200 and "Mei Lin" in res.content.decode()
    res = mei.post(
        url(conversation, "assign/"),
        {"assignee": str(demo.agents["sam"].pk), "team": str(demo.teams["l1"].pk)},
    )
    conversation.refresh_from_db()
    assert res.status_code == 200 and conversation.assignee == demo.agents["sam"]
    assert conversation.team == demo.teams["l1"]
    # Noor is an analyst in no team: she may not be assigned.
    res = mei.post(url(conversation, "assign/"), {"assignee": str(demo.agents["noor"].pk)})
    assert res.status_code == 422
    assert mei.post(url(conversation, "priority/"), {"priority": "urgent"}).status_code == 200
    assert mei.post(url(conversation, "priority/"), {"priority": "panic"}).status_code == 422
    assert mei.post(url(conversation, "tags/"), {"tag": "Deposit, arbitrum"}).status_code == 200
    res = mei.post(url(conversation, "tags/remove/"), {"tag": "arbitrum"})
    conversation.refresh_from_db()
    assert res.status_code == 200 and conversation.priority == "urgent"
    assert sorted(conversation.tags.values_list("name", flat=True)) == ["deposit"]


def test_posts_need_the_csrf_token(demo):
    mei = client_for(demo, "mei", enforce_csrf_checks=True)
    conversation = demo.conversations["withdrawal_zh"]
    assert mei.post(url(conversation, "status/"), {"status": "resolved"}).status_code == 403
    page = mei.get(url(conversation)).content.decode()
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    res = mei.post(url(conversation, "status/"), {"status": "resolved"}, HTTP_X_CSRFTOKEN=token)
    assert res.status_code == 200


def test_unread_counts_until_the_agent_opens_the_conversation(demo):
    mei = client_for(demo, "mei")
    conversation = demo.conversations["withdrawal_zh"]
    mei.post(url(conversation, "seen/"))
    rows = mei.get(f"/console/rows/?ids={conversation.pk}").content.decode()
    assert 'class="row unread"' not in rows
    for i in range(2):
        actions.message_receive(
            inbox=demo.inboxes["chat"],
            inbound=InboundMessage(
                identity="visitor-wang",
                body=f"还在吗？{i}",
                source_id=f"t-unread-{i}",
                conversation_id=str(conversation.pk),
            ),
        )
    rows = mei.get(f"/console/rows/?ids={conversation.pk}").content.decode()
    assert 'class="row unread"' in rows and re.search(r'class="unread-badge"\s*>2<', rows)
    counts = {v["key"]: v for v in mei.get("/console/counts/").json()["views"]}
    assert counts["mine"]["unread"] == 1 and counts["mine"]["total"] == 1
    # Sam sees the same conversation as unread for himself; Mei's reading is hers only.
    sam = client_for(demo, "sam")
    assert (
        'class="row unread"'
        in sam.get(f"/console/rows/?view=teams&ids={conversation.pk}").content.decode()
    )
    assert mei.post(url(conversation, "seen/")).status_code == 204
    rows = mei.get(f"/console/rows/?ids={conversation.pk}").content.decode()
    assert 'class="row unread"' not in rows
    assert {v["key"]: v for v in mei.get("/console/counts/").json()["views"]}["mine"]["unread"] == 0
    # An answer clears it for everyone: the customer is no longer waiting.
    actions.message_send(
        conversation=conversation, actor=Actor.of_agent(demo.agents["mei"]), body="在的"
    )
    assert (
        'class="row unread"'
        not in sam.get(f"/console/rows/?view=teams&ids={conversation.pk}").content.decode()
    )


def test_rows_fragment_follows_the_filters(demo):
    mei = client_for(demo, "mei")
    conversation = demo.conversations["deposit_ja"]
    rows = mei.get(
        f"/console/rows/?view=unassigned&ids={conversation.pk},not-a-uuid"
    ).content.decode()
    assert f'data-id="{conversation.pk}"' in rows
    mei.post(url(conversation, "assign/"), {"assignee": "me"})
    assert (
        f'data-id="{conversation.pk}"'
        not in mei.get(f"/console/rows/?view=unassigned&ids={conversation.pk}").content.decode()
    )
    assert (
        f'data-id="{conversation.pk}"'
        in mei.get(f"/console/rows/?view=mine&ids={conversation.pk}").content.decode()
    )


def test_messages_fragment_and_attachments(demo, settings):
    conversation = demo.conversations["withdrawal_zh"]
    message = actions.message_receive(
        inbox=demo.inboxes["chat"],
        inbound=InboundMessage(
            identity="visitor-wang",
            body="截图",
            source_id="t-att",
            conversation_id=str(conversation.pk),
            attachments=[InboundAttachment(filename="screen.png", content=PNG)],
        ),
    ).message
    mei = client_for(demo, "mei")
    html = mei.get(url(conversation, f"messages/?ids={message.pk},junk")).content.decode()
    assert f'id="m-{message.pk}"' in html and "截图" in html and "<img" in html
    attachment = message.attachments.get()
    res = mei.get(f"/console/attachments/{attachment.pk}/")
    assert res.status_code == 200 and res["Content-Type"] == "image/png"
    assert b"".join(res.streaming_content) == PNG
    assert "sandbox" in res["Content-Security-Policy"]
    # Attachments are as private as their conversation.
    assert client_for(demo, "noor").get(f"/console/attachments/{attachment.pk}/").status_code == 404
    assert Client().get(f"/console/attachments/{attachment.pk}/").status_code == 302


def test_the_list_page_has_a_query_budget(demo, django_assert_max_num_queries):
    mei = client_for(demo, "mei")
    mei.get("/console/")  # warm the session and the connection
    # session + agent; cursors (inboxes, streams); list (states, tags, extras, waiting messages,
    # seen marks, team ids); view counts (team ids, totals, waiting, their messages and seen
    # marks); filter options (inboxes, languages, tags); the console's announcements (read
    # fresh, after the cursors, so the banner is never older than the stream position). Each
    # visibility check reads the agent's inboxes first (three times on this page), and the
    # rows' channel, assignee and team names are one more statement: a few rows each, cheaper
    # for PostgreSQL than planning them into the list query.
    with django_assert_max_num_queries(25):
        assert mei.get("/console/?view=teams&status=all").status_code == 200
    with django_assert_max_num_queries(14):
        mei.get(
            f"/console/rows/?view=teams&status=all&ids={','.join(str(c.pk) for c in demo.conversations.values())}"
        )


def test_the_ui_speaks_simplified_chinese(demo):
    mei = client_for(demo, "mei")
    res = mei.post("/console/language/", {"language": "zh-hans", "next": "/console/"})
    assert res.status_code == 302 and res["Location"] == "/console/"
    page = mei.get("/console/").content.decode()
    assert "我的" in page and "未分配" in page
    res = mei.post("/console/language/", {"language": "en", "next": "https://evil.example/"})
    assert res["Location"] == "/console/"


def test_missing_frontend_libraries_fail_the_system_check(settings, tmp_path):
    assert frontend_libraries_check() == []
    settings.STATICFILES_DIRS = [("vendor/htmx", tmp_path / "node_modules" / "htmx.org" / "dist")]
    errors = frontend_libraries_check()
    assert len(errors) == 1 and isinstance(errors[0], Error) and "npm ci" in errors[0].hint


@pytest.mark.parametrize("key", ["mei", "sam", "lucia", "dmitri", "priya", "ava", "noor"])
def test_every_demo_agent_gets_a_working_console(demo, key):
    agent = demo.agents[key]
    page = client_for(demo, key).get("/console/").content.decode()
    assert agent.display_name in page and 'id="kefu-boot"' in page
