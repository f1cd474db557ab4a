"""The widget's HTTP side and its rules: identity, hours, rate limits, uploads, email, CORS."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from kefu.conversations.models import Attachment, Message
from kefu.core.errors import ValidationFailed
from kefu.inboxes.adapters.widget import (
    LIMITS,
    check_widget_hours,
    client_ip,
    user_hash_make,
    widget_availability,
    widget_session_load,
    widget_uploads_load,
    widget_uploads_sweep,
)
from kefu.realtime import selectors as rt
from kefu.widget.ratelimit import rate_reset

pytestmark = pytest.mark.django_db

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e5273a8a0000000049454e44ae426082"
)


@pytest.fixture(autouse=True)
def _fresh_limits():
    rate_reset()
    yield
    rate_reset()


def _post(path, data, **extra):
    return Client().post(f"/api/v1/widget{path}", json.dumps(data), content_type="application/json", **extra)


def _session(inbox, **extra):
    res = _post("/sessions", {"inbox_id": str(inbox.pk), **extra})
    assert res.status_code == 200, res.content
    return res.json()


def _upload(token, name, content, mime):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return Client().post(
        "/api/v1/widget/attachments", {"file": SimpleUploadedFile(name, content, content_type=mime)},
        HTTP_X_KEFU_SESSION=token,
    )


# --- identity -----------------------------------------------------------------------------------


def test_a_verified_customer_is_their_exchange_uid_and_a_wrong_hash_is_refused(demo):
    inbox = demo.inboxes["chat"]
    good = _session(inbox, uid="LM-100200", user_hash=user_hash_make(secret=inbox.signing_secret(), uid="LM-100200"))
    assert good["verified"] is True
    assert widget_session_load(good["session"]).exchange_uid == "LM-100200"

    forged = _post("/sessions", {"inbox_id": str(inbox.pk), "uid": "LM-100200", "user_hash": "0" * 64})
    assert forged.status_code == 403
    assert forged.json()["error"]["code"] == "identity_rejected"
    missing = _post("/sessions", {"inbox_id": str(inbox.pk), "uid": "LM-100200"})
    assert missing.status_code == 403


def test_an_anonymous_visitor_gets_a_session_and_keeps_it_across_page_loads(demo):
    inbox = demo.inboxes["chat"]
    first = _session(inbox)
    assert first["verified"] is False and first["visitor_id"].startswith("v_")
    again = _session(inbox, visitor_id=first["visitor_id"])
    assert again["visitor_id"] == first["visitor_id"]
    # A visitor id kefu did not issue is refused rather than adopted.
    assert _post("/sessions", {"inbox_id": str(inbox.pk), "visitor_id": "admin' --"}).status_code == 422


def test_state_needs_a_valid_session_token(demo):
    res = Client().get("/api/v1/widget/state", HTTP_X_KEFU_SESSION="forged.token")
    assert res.status_code == 403
    assert res.json()["error"]["code"] == "session_invalid"


# --- availability -------------------------------------------------------------------------------

HOURS = {
    "timezone": "Europe/Berlin",
    "weekly": {"mon": [["09:00", "18:00"]], "tue": [["09:00", "18:00"]], "fri": [["22:00", "02:00"]]},
    "holidays": ["2026-12-21"],
}


def _at(text):
    return datetime.fromisoformat(text).astimezone(UTC)


def test_hours_open_close_overnight_and_holidays(demo):
    inbox = demo.inboxes["chat"]
    inbox.config = {**inbox.config, "hours": HOURS, "response_minutes": 3}
    # Monday 10:00 Berlin, an agent online: a reply in minutes.
    now = widget_availability(inbox=inbox, agents_online=2, at=_at("2026-11-23T10:00:00+01:00"))
    assert now.open_now and now.staffed and now.expected_response_minutes == 3
    # Monday 19:00: closed until Tuesday 09:00 — 14 hours plus the usual reply time.
    evening = widget_availability(inbox=inbox, agents_online=2, at=_at("2026-11-23T19:00:00+01:00"))
    assert not evening.open_now and not evening.staffed
    assert evening.next_open_at == _at("2026-11-24T09:00:00+01:00")
    assert evening.expected_response_minutes == 14 * 60 + 3
    # Saturday 01:00 is inside Friday's overnight shift.
    assert widget_availability(inbox=inbox, agents_online=1, at=_at("2026-11-28T01:00:00+01:00")).open_now
    # A Monday that is a holiday is closed; the next opening is Tuesday.
    holiday = widget_availability(inbox=inbox, agents_online=1, at=_at("2026-12-21T10:00:00+01:00"))
    assert not holiday.open_now and holiday.next_open_at == _at("2026-12-22T09:00:00+01:00")


def test_hours_keep_wall_clock_time_across_a_dst_change(demo):
    inbox = demo.inboxes["chat"]
    inbox.config = {**inbox.config, "hours": HOURS}
    # Berlin leaves summer time on Sunday 2026-10-25: Monday opens at 09:00 CET = 08:00 UTC.
    closed = widget_availability(inbox=inbox, agents_online=1, at=_at("2026-10-24T12:00:00+02:00"))
    assert closed.next_open_at == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)


def test_nobody_online_while_open_means_a_reply_by_email_later(demo):
    inbox = demo.inboxes["chat"]
    inbox.config = {**inbox.config, "offline_response_minutes": 120}
    quiet = widget_availability(inbox=inbox, agents_online=0)
    assert quiet.open_now and not quiet.staffed and quiet.expected_response_minutes == 120


@pytest.mark.parametrize(
    ("hours", "field"),
    [
        ("9 to 5", "hours"),
        ({"timezone": "Mars/Olympus"}, "hours.timezone"),
        ({"weekly": {"someday": [["09:00", "17:00"]]}}, "hours.weekly"),
        ({"weekly": {"mon": [["9am", "17:00"]]}}, "hours.weekly"),
        ({"weekly": {"mon": [["25:00", "17:00"]]}}, "hours.weekly"),
        ({"holidays": ["next tuesday"]}, "hours.holidays"),
    ],
)
def test_bad_hours_are_refused_with_the_field_named(hours, field):
    with pytest.raises(ValidationFailed) as caught:
        check_widget_hours(hours)
    assert caught.value.field == field


def test_bad_hours_in_a_saved_inbox_do_not_take_chat_down(demo):
    inbox = demo.inboxes["chat"]
    inbox.config = {**inbox.config, "hours": {"timezone": "Nowhere/Land"}}
    assert widget_availability(inbox=inbox, agents_online=1).open_now


def test_the_session_answer_tells_the_widget_when_a_human_answers(demo):
    inbox = demo.inboxes["chat"]
    inbox.config = {**inbox.config, "hours": {"timezone": "UTC", "weekly": {}}}  # never open
    inbox.save(update_fields=["config"])
    state = _session(inbox)["inbox"]
    assert state["open_now"] is False
    assert state["next_open_at"] is None
    assert "email" in state["expected_response"]
    assert state["attachment_max_bytes"] > 0


# --- rate limits --------------------------------------------------------------------------------


def test_new_anonymous_sessions_per_ip_are_limited_with_retry_after(demo):
    inbox = demo.inboxes["chat"]
    limit, _ = LIMITS["session_new"]
    for _ in range(limit):
        assert _post("/sessions", {"inbox_id": str(inbox.pk)}, REMOTE_ADDR="203.0.113.9").status_code == 200
    refused = _post("/sessions", {"inbox_id": str(inbox.pk)}, REMOTE_ADDR="203.0.113.9")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused["Retry-After"]) >= 1
    assert refused["Access-Control-Allow-Origin"] == "*"
    # Another network is not affected.
    assert _post("/sessions", {"inbox_id": str(inbox.pk)}, REMOTE_ADDR="198.51.100.7").status_code == 200


def test_messages_per_session_are_limited_and_the_refused_one_is_not_stored(demo):
    inbox = demo.inboxes["chat"]
    token = _session(inbox)["session"]
    session = widget_session_load(token)
    limit, _ = LIMITS["message"]
    for i in range(limit):
        rt.widget_receive(inbox, session, body=f"message {i}", client_id=f"client-{i:04d}", email="", name="")
    from kefu.inboxes.adapters.widget import RateLimited

    with pytest.raises(RateLimited):
        rt.widget_receive(inbox, session, body="one too many", client_id="client-over", email="", name="")
    assert not Message.objects.filter(body="one too many").exists()
    assert Message.objects.filter(inbox=inbox, body__startswith="message ").count() == limit


def test_only_a_loopback_proxy_may_name_the_client_address():
    assert client_ip("127.0.0.1", "6.6.6.6, 203.0.113.5") == "203.0.113.5"
    assert client_ip("198.51.100.1", "203.0.113.5") == "198.51.100.1"
    assert client_ip("", "") == ""


# --- attachments --------------------------------------------------------------------------------


def test_an_image_is_uploaded_then_carried_by_the_next_message(demo):
    inbox = demo.inboxes["chat"]
    token = _session(inbox)["session"]
    res = _upload(token, "txid.png", PNG, "image/png")
    assert res.status_code == 201, res.content
    upload = res.json()
    assert (upload["filename"], upload["content_type"], upload["size"]) == ("txid.png", "image/png", len(PNG))

    session = widget_session_load(token)
    result = rt.widget_receive(inbox, session, body="screenshot", client_id="client-0001", email="", name="",
                               attachment_ids=[upload["id"]])
    (stored,) = Attachment.objects.filter(message=result.message)
    assert stored.content_type == "image/png" and stored.file.read() == PNG
    # The pending copy is spent; the same upload id cannot be attached twice.
    with pytest.raises(ValidationFailed) as caught:
        widget_uploads_load(session=session, upload_ids=[upload["id"]])
    assert caught.value.code == "attachment_missing"
    # A retry of the same message (same client id) stores nothing new.
    again = rt.widget_receive(inbox, session, body="screenshot", client_id="client-0001", email="", name="",
                              attachment_ids=[upload["id"]])
    assert again.created is False and again.message.pk == result.message.pk

    # The customer downloads it through their session, and nobody else can.
    ok = Client().get(f"/api/v1/widget/attachments/{stored.pk}", HTTP_X_KEFU_SESSION=token)
    assert ok.status_code == 200 and b"".join(ok.streaming_content) == PNG
    stranger = _session(inbox)["session"]
    assert Client().get(f"/api/v1/widget/attachments/{stored.pk}", HTTP_X_KEFU_SESSION=stranger).status_code == 404


def test_files_are_judged_by_content_not_by_name(demo):
    inbox = demo.inboxes["chat"]
    token = _session(inbox)["session"]
    res = _upload(token, "invoice.pdf", b"MZ\x90\x00 this is a windows executable", "application/pdf")
    assert res.status_code == 422
    assert res.json()["error"]["code"] == "attachment_type_not_allowed"


def test_an_oversized_file_is_refused_and_nothing_is_kept(demo, settings, tmp_path):
    settings.ATTACHMENT_MAX_BYTES = 1024
    inbox = demo.inboxes["chat"]
    token = _session(inbox)["session"]
    res = _upload(token, "statement.pdf", b"%PDF-1.4\n" + b"0" * 4096, "application/pdf")
    assert res.status_code == 422
    assert res.json()["error"]["code"] == "attachment_too_large"
    uploads = settings.MEDIA_ROOT / "widget-uploads"
    assert not uploads.exists() or not any(p.is_file() for p in uploads.rglob("*"))


def test_another_visitors_upload_id_is_useless(demo):
    inbox = demo.inboxes["chat"]
    mine = _session(inbox)["session"]
    upload = _upload(mine, "txid.png", PNG, "image/png").json()
    theirs = widget_session_load(_session(inbox)["session"])
    with pytest.raises(ValidationFailed):
        widget_uploads_load(session=theirs, upload_ids=[upload["id"]])


def test_uploads_never_sent_are_swept_after_a_day(demo, settings):
    inbox = demo.inboxes["chat"]
    token = _session(inbox)["session"]
    assert _upload(token, "txid.png", PNG, "image/png").status_code == 201
    assert widget_uploads_sweep() == 0  # fresh: kept
    assert widget_uploads_sweep(older_than=timedelta(seconds=-60)) == 2  # the file and its metadata


def test_the_sweep_is_a_scheduled_job():
    from kefu.core.schedule import JOBS

    assert "widget_uploads_sweep" in {j.name for j in JOBS}


# --- email continuation -------------------------------------------------------------------------


def test_a_visitor_leaves_an_email_and_the_agent_sees_it(demo):
    inbox = demo.inboxes["chat"]
    token = _session(inbox)["session"]
    session = widget_session_load(token)
    result = rt.widget_receive(inbox, session, body="anyone there?", client_id="client-0001", email="", name="")

    bad = _post("/email", {"email": "not-an-address"}, HTTP_X_KEFU_SESSION=token)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "email"

    ok = _post("/email", {"email": "Trader@Example.com", "name": "Ana"}, HTTP_X_KEFU_SESSION=token)
    assert ok.status_code == 200 and ok.json() == {"email": "trader@example.com"}
    result.conversation.contact.refresh_from_db()
    assert result.conversation.contact.email == "trader@example.com"
    note = Message.objects.filter(conversation=result.conversation, private=True).last()
    assert "trader@example.com" in note.body
    state = Client().get("/api/v1/widget/state", HTTP_X_KEFU_SESSION=token).json()
    assert state["email_known"] is True


def test_every_answer_and_preflight_carries_cors_headers(demo):
    preflight = Client().options("/api/v1/widget/sessions", HTTP_ORIGIN="https://www.lumen.exchange")
    assert preflight.status_code == 204
    assert "X-Kefu-Session" in preflight["Access-Control-Allow-Headers"]
    error = _post("/sessions", {"inbox_id": "00000000-0000-0000-0000-000000000000"})
    assert error.status_code == 404 and error["Access-Control-Allow-Origin"] == "*"
