"""The importer without IMAP: every fixture, fuzzed input, sender verification, the stdin
command and the outbox's task queueing."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.conversations.models import Conversation, Message
from kefu.inboxes.adapters.email.actions import email_import
from kefu.inboxes.models import EmailImportFailure

from .test_fuzz import mutated_fixture
from .test_transport import mail

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def inbox(db, demo):
    from kefu.inboxes.actions import inbox_create
    from kefu.inboxes.adapters.email.actions import email_inbox_configure
    from kefu.inboxes.models import ChannelType

    created = inbox_create(
        name="Email import", channel_type=ChannelType.EMAIL, teams=list(demo.teams.values())
    )
    return email_inbox_configure(
        inbox=created,
        data={
            "address": "support@lumen.example",
            "brand": "Lumen Exchange",
            "smtp": {"host": "127.0.0.1", "port": 2525, "security": "plain"},
        },
    )


def test_every_fixture_is_imported_or_recorded_and_none_twice(inbox):
    outcomes = {
        p.name: email_import(inbox=inbox, raw=p.read_bytes())
        for p in sorted(FIXTURES.glob("*.eml"))
    }
    assert len(outcomes) >= 90
    failed = {name: o.failure.reason for name, o in outcomes.items() if o.status == "failed"}
    # Mail from our own address is the only kind the corpus has that we refuse outright.
    assert set(failed) <= {"auth_results_spoofed.eml"} | {
        n for n in failed if "no usable sender" in failed[n]
    }
    created = sum(o.status == "created" for o in outcomes.values())
    assert created >= 80
    again = [
        email_import(inbox=inbox, raw=p.read_bytes()).status for p in sorted(FIXTURES.glob("*.eml"))
    ]
    assert "created" not in again


def test_multilingual_mail_keeps_its_text(inbox):
    for name, subject, text in [
        ("charset_gbk_qp.eml", "关于USDT充值未到账的问题", "通过 ERC20 网络充值了 1500 USDT"),
        ("charset_big5_tw.eml", "提領失敗，資金何時退回？", "我在三天前提領了 0.3 ETH"),
        ("charset_iso2022jp.eml", "出金が反映されません", "50,000円の出金を申請しました"),
        ("charset_euc_kr.eml", "입금 반영 지연 문의", "아직 잔고에 반영되지 않았습니다"),
        ("charset_koi8r.eml", "Не пришёл депозит USDT", "средства так и не поступили"),
    ]:
        outcome = email_import(inbox=inbox, raw=(FIXTURES / name).read_bytes())
        assert outcome.status == "created", name
        assert text in outcome.message.body, (name, outcome.message.body[:200])
        assert outcome.message.conversation.subject == subject


FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)


@FUZZ
@given(raw=st.one_of(mutated_fixture(), st.binary(max_size=2048)))
def test_malformed_input_never_raises_out_of_the_importer(inbox, raw):
    before = Message.objects.count(), EmailImportFailure.objects.count()
    outcome = email_import(inbox=inbox, raw=raw)
    after = Message.objects.count(), EmailImportFailure.objects.count()
    if outcome.status == "failed":
        assert outcome.failure.reason and not outcome.failure.reason.startswith("internal error")
        assert after == (before[0], before[1] + 1)
    elif outcome.status == "duplicate":
        assert after == before
    else:
        assert after[0] > before[0] and after[1] == before[1]


def test_spoofed_mail_from_a_known_contact_is_flagged_and_not_answered(inbox):
    first = email_import(
        inbox=inbox, raw=mail(sender="ana@example.com", message_id="a1@example.com")
    )
    assert first.status == "created"
    assert first.message.metadata["email"]["spoof_suspected"] is False
    spoofed = mail(
        sender="ana@example.com",
        message_id="a2@evil.example",
        subject="Change my withdrawal address",
        headers=(
            "Authentication-Results: mx.lumen.example; spf=fail smtp.mailfrom=example.com;"
            " dkim=none; dmarc=fail header.from=example.com\r\n"
        ),
    )
    outcome = email_import(inbox=inbox, raw=spoofed)
    email_meta = outcome.message.metadata["email"]
    assert email_meta["spoof_suspected"] is True
    assert email_meta["auth"]["dmarc"] == "fail" and email_meta["auth"]["spf"] == "fail"
    acks = Message.objects.filter(
        conversation=outcome.message.conversation, author_label="auto-reply"
    )
    assert not acks.exists()


def test_unknown_sender_with_failing_auth_is_not_flagged_as_spoofing(inbox):
    raw = mail(
        sender="new@example.org",
        message_id="n1@example.org",
        headers="Authentication-Results: mx.lumen.example; spf=fail; dkim=none; dmarc=fail\r\n",
    )
    outcome = email_import(inbox=inbox, raw=raw)
    assert outcome.message.metadata["email"]["spoof_suspected"] is False
    assert outcome.message.metadata["email"]["auth"]["dmarc"] == "fail"


def _receive(raw: bytes, inbox_ref: str, monkeypatch) -> tuple[int, str, str]:
    from django.core.management import call_command

    stdin = io.TextIOWrapper(io.BytesIO(raw))
    monkeypatch.setattr(sys, "stdin", stdin)
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("email", "receive", "--inbox", inbox_ref, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_email_receive_reads_one_message_on_stdin(inbox, monkeypatch):
    code, out, _ = _receive(mail(message_id="pipe@x"), inbox.name, monkeypatch)
    assert code == 0 and out.startswith("created #")
    message = Message.objects.get(inbox=inbox, source_id="pipe@x")
    code, out, _ = _receive(mail(message_id="pipe@x"), str(inbox.pk), monkeypatch)
    assert code == 0 and out.startswith("duplicate #")
    assert Message.objects.filter(inbox=inbox, source_id="pipe@x").count() == 1
    assert str(message.conversation.number) in out


def test_email_receive_exit_codes_tell_the_mta_what_to_do(inbox, monkeypatch):
    code, _, err = _receive(b"Subject: nobody\r\n\r\nhi\r\n", inbox.name, monkeypatch)
    assert code == 65 and "sender" in err  # EX_DATAERR: bounce
    code, _, err = _receive(mail(), "No such inbox", monkeypatch)
    assert code == 75  # EX_TEMPFAIL: the MTA keeps the mail and retries


def test_outgoing_email_reply_is_queued_as_a_task_on_commit(
    inbox, demo, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from kefu.conversations.actions import message_send
    from kefu.core.actors import Actor

    outcome = email_import(inbox=inbox, raw=mail(message_id="q@x"))
    with django_capture_on_commit_callbacks(execute=True):
        reply = message_send(
            conversation=outcome.message.conversation,
            actor=Actor.of_agent(demo.agents["mei"]),
            body="On it.",
        )
    queued = [
        t.args_kwargs["args"]
        for t in DBTaskResult.objects.filter(task_path__endswith="email_deliver")
    ]
    assert [str(reply.pk)] in queued
    assert Conversation.objects.filter(pk=reply.conversation_id).exists()
