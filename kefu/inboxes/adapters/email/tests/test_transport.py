"""Mail in over real IMAP (Dovecot), out over real SMTP (aiosmtpd), threaded into conversations."""

from __future__ import annotations

import email
from email import policy

import pytest

from kefu.conversations.actions import message_send
from kefu.conversations.models import Conversation, DeliveryStatus, Direction, Message
from kefu.core.actors import Actor
from kefu.inboxes.adapters.email.actions import (
    email_inbox_poll,
    email_outbox_sweep,
    email_reply_deliver,
)
from kefu.inboxes.models import EmailImportFailure

from .conftest import imap_append, imap_flags


def mail(
    *,
    sender: str = "Kenji Sato <kenji@example.jp>",
    subject: str = "Withdrawal stuck",
    body: str = "My BTC withdrawal has been pending for 3 hours.",
    message_id: str = "m1@example.jp",
    headers: str = "",
    charset: str = "utf-8",
) -> bytes:
    head = (
        f"From: {sender}\r\nTo: support@lumen.exchange\r\nSubject: {subject}\r\n"
        f"Message-ID: <{message_id}>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n{headers}"
        f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset={charset}\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    )
    return head.encode("utf-8") + body.encode(charset) + b"\r\n"


def test_new_mail_opens_a_conversation_and_is_marked(email_inbox, imap_folder, smtp_sink):
    imap_append(imap_folder, mail())
    result = email_inbox_poll(inbox=email_inbox)
    assert (result.created, result.duplicates, result.failed) == (1, 0, 0)
    message = Message.objects.get(inbox=email_inbox, source_id="m1@example.jp")
    assert message.body == "My BTC withdrawal has been pending for 3 hours."
    assert message.conversation.subject == "Withdrawal stuck"
    assert message.metadata["email"]["from"] == "kenji@example.jp"
    assert "$KefuImported" in imap_flags(imap_folder)[1]
    assert "\\Seen" in imap_flags(imap_folder)[1]
    # A second poll finds nothing left to do.
    again = email_inbox_poll(inbox=email_inbox)
    assert (again.created, again.duplicates, again.failed) == (0, 0, 0)


def test_same_mail_twice_creates_nothing(email_inbox, imap_folder):
    imap_append(imap_folder, mail(), mail())
    result = email_inbox_poll(inbox=email_inbox)
    assert (result.created, result.duplicates) == (1, 1)
    assert Message.objects.filter(inbox=email_inbox, source_id="m1@example.jp").count() == 1


def test_reply_threads_by_references_subject_number_and_reply_token(email_inbox, imap_folder):
    imap_append(imap_folder, mail())
    email_inbox_poll(inbox=email_inbox)
    conversation = Message.objects.get(source_id="m1@example.jp").conversation
    token = conversation.email_thread.reply_token
    imap_append(
        imap_folder,
        mail(message_id="m2@example.jp", subject="Re: Withdrawal stuck",
             headers="In-Reply-To: <m1@example.jp>\r\nReferences: <m1@example.jp>\r\n"),
        mail(message_id="m3@example.jp", subject=f"Still waiting [#{conversation.number}]"),
        mail(message_id="m4@example.jp", subject="no headers at all",
             headers=f"Delivered-To: support+{token}@lumen.exchange\r\n").replace(
            b"To: support@lumen.exchange", f"To: support+{token}@lumen.exchange".encode()
        ),
        mail(message_id="m5@example.jp", subject="A different problem"),
    )  # fmt: skip
    email_inbox_poll(inbox=email_inbox)
    by_id = {m.source_id: m.conversation_id for m in Message.objects.filter(inbox=email_inbox)}
    assert by_id["m2@example.jp"] == conversation.pk
    assert by_id["m3@example.jp"] == conversation.pk
    assert by_id["m4@example.jp"] == conversation.pk
    assert by_id["m5@example.jp"] != conversation.pk


def test_subject_number_of_someone_elses_conversation_opens_a_new_one(email_inbox, imap_folder):
    imap_append(imap_folder, mail())
    email_inbox_poll(inbox=email_inbox)
    theirs = Message.objects.get(source_id="m1@example.jp").conversation
    imap_append(
        imap_folder,
        mail(sender="mallory@evil.example", message_id="x@evil.example",
             subject=f"Re: [#{theirs.number}] give me the details"),
    )  # fmt: skip
    email_inbox_poll(inbox=email_inbox)
    assert Message.objects.get(source_id="x@evil.example").conversation_id != theirs.pk


def test_malformed_mail_is_a_failure_record_and_the_batch_goes_on(email_inbox, imap_folder):
    no_sender = b"Subject: who am I\r\nMessage-ID: <nosender@x>\r\n\r\nbody\r\n"
    imap_append(imap_folder, mail(message_id="a@x"), no_sender, mail(message_id="b@x"))
    result = email_inbox_poll(inbox=email_inbox)
    assert (result.created, result.failed) == (2, 1)
    failure = EmailImportFailure.objects.get(inbox=email_inbox)
    assert "sender" in failure.reason
    assert failure.folder == imap_folder and failure.uid == 2
    assert bytes(failure.excerpt).startswith(b"Subject: who am I")
    flags = imap_flags(imap_folder)
    assert "$KefuFailed" in flags[2] and "$KefuImported" in flags[3]
    # The failed mail is not retried on every poll.
    assert email_inbox_poll(inbox=email_inbox).failed == 0


def test_crash_between_fetch_and_commit_loses_and_duplicates_nothing(
    email_inbox, imap_folder, monkeypatch
):
    from kefu.inboxes.adapters.email import actions

    imap_append(imap_folder, *(mail(message_id=f"c{i}@x") for i in range(5)))
    real = actions._import_parsed
    calls = {"n": 0}

    def dies_on_third(inbox, parsed):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the process is killed: nothing catches this
        return real(inbox, parsed)

    monkeypatch.setattr(actions, "_import_parsed", dies_on_third)
    with pytest.raises(KeyboardInterrupt):
        email_inbox_poll(inbox=email_inbox)
    # Two committed, none marked yet (marks are written after the batch).
    assert Message.objects.filter(inbox=email_inbox, source_id__endswith="@x").count() == 2
    assert not any("$KefuImported" in f for f in imap_flags(imap_folder).values())

    monkeypatch.setattr(actions, "_import_parsed", real)
    result = email_inbox_poll(inbox=email_inbox)
    assert (result.created, result.duplicates, result.failed) == (3, 2, 0)
    assert Message.objects.filter(inbox=email_inbox, source_id__endswith="@x").count() == 5
    assert all("$KefuImported" in f for f in imap_flags(imap_folder).values())


def test_crash_after_commit_before_marking_duplicates_nothing(
    email_inbox, imap_folder, monkeypatch
):
    from kefu.inboxes.adapters.email import actions

    imap_append(imap_folder, mail(message_id="d1@x"), mail(message_id="d2@x"))

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(actions, "imap_mark", killed)
    with pytest.raises(KeyboardInterrupt):
        email_inbox_poll(inbox=email_inbox)
    monkeypatch.undo()
    result = email_inbox_poll(inbox=email_inbox)
    assert (result.created, result.duplicates) == (0, 2)
    assert Message.objects.filter(inbox=email_inbox, source_id__in=["d1@x", "d2@x"]).count() == 2


def test_move_after_import(email_inbox, imap_folder):
    from kefu.inboxes.adapters.email.actions import email_inbox_configure
    from kefu.inboxes.adapters.email.config import email_config_public

    data = email_config_public(email_inbox.config)
    data["imap"] |= {"after_import": "move", "move_to": f"{imap_folder}-done"}
    inbox = email_inbox_configure(inbox=email_inbox, data=data)
    imap_append(imap_folder, mail(message_id="mv@x"))
    assert email_inbox_poll(inbox=inbox).created == 1
    assert imap_flags(imap_folder) == {}
    assert len(imap_flags(f"{imap_folder}-done")) == 1


def test_implicit_tls_and_plain_connections(email_inbox, imap_folder, imap_server):
    from kefu.inboxes.adapters.email.actions import email_inbox_configure
    from kefu.inboxes.adapters.email.config import email_config_public

    for n, (security, port) in enumerate(
        [("ssl", imap_server["ssl_port"]), ("plain", imap_server["port"])]
    ):
        data = email_config_public(email_inbox.config)
        data["imap"] |= {"security": security, "port": port}
        inbox = email_inbox_configure(inbox=email_inbox, data=data)
        imap_append(imap_folder, mail(message_id=f"tls{n}@x"))
        assert email_inbox_poll(inbox=inbox).created == 1


def test_wrong_password_is_a_clear_error(email_inbox):
    from kefu.inboxes.adapters.email.actions import email_inbox_configure
    from kefu.inboxes.adapters.email.config import email_config_public
    from kefu.inboxes.adapters.email.imap import ImapError

    data = email_config_public(email_inbox.config)
    data["imap"]["password"] = "wrong"
    inbox = email_inbox_configure(inbox=email_inbox, data=data)
    with pytest.raises(ImapError, match=r"AUTHENTICATIONFAILED|Authentication failed"):
        email_inbox_poll(inbox=inbox)


def test_idle_wakes_up_on_new_mail(email_inbox, imap_folder):
    import threading

    from kefu.inboxes.adapters.email.config import email_settings
    from kefu.inboxes.adapters.email.imap import (
        imap_close,
        imap_connect,
        imap_idle_wait,
        imap_select,
    )

    conn = imap_connect(email_settings(email_inbox.config).imap)
    try:
        imap_select(conn, imap_folder)
        assert imap_idle_wait(conn, timeout=0.5) is False
        timer = threading.Timer(0.3, imap_append, args=(imap_folder, mail(message_id="idle@x")))
        timer.start()
        assert imap_idle_wait(conn, timeout=10) is True
        timer.join()
        # The connection is still usable after IDLE.
        assert email_inbox_poll(inbox=email_inbox, conn=conn).created == 1
    finally:
        imap_close(conn)


# --- outbound --------------------------------------------------------------------------------


def _sent(sink, index=-1):
    mail_from, rcpts, raw = sink.received[index]
    return mail_from, rcpts, email.message_from_bytes(raw, policy=policy.default)


def test_new_conversation_is_acknowledged_with_its_number(email_inbox, imap_folder, smtp_sink):
    imap_append(imap_folder, mail(charset="utf-8", body="我的提币一直在处理中", subject="提币问题",
                                  headers="Content-Language: zh-CN\r\n"))  # fmt: skip
    email_inbox_poll(inbox=email_inbox)
    conversation = Conversation.objects.get(inbox=email_inbox, subject="提币问题")
    ack = Message.objects.get(conversation=conversation, author_label="auto-reply")
    assert ack.delivery_status == DeliveryStatus.PENDING
    assert email_outbox_sweep() == 1
    ack.refresh_from_db()
    assert ack.delivery_status == DeliveryStatus.DELIVERED
    _, rcpts, sent = _sent(smtp_sink)
    assert rcpts == ["kenji@example.jp"]
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["In-Reply-To"] == "<m1@example.jp>"
    assert f"[#{conversation.number}]" in sent["Subject"]
    assert f"#{conversation.number}" in sent.get_body(("plain",)).get_content()
    assert "我们已收到您的邮件" in sent.get_body(("plain",)).get_content()
    token = conversation.email_thread.reply_token
    assert sent["Reply-To"] == f"support+{token}@lumen.exchange"


def test_auto_replies_are_never_answered(email_inbox, imap_folder, smtp_sink):
    imap_append(imap_folder, mail(subject="Out of office: back Monday",
                                  headers="Auto-Submitted: auto-replied\r\n"))  # fmt: skip
    email_inbox_poll(inbox=email_inbox)
    message = Message.objects.get(source_id="m1@example.jp")
    assert message.metadata["email"]["auto_submitted"] is True
    assert not Message.objects.filter(
        conversation=message.conversation, direction=Direction.OUTGOING
    ).exists()
    assert email_outbox_sweep() == 0 and smtp_sink.received == []


def test_mail_loop_is_not_answered(email_inbox, imap_folder):
    imap_append(
        imap_folder, *(mail(message_id=f"loop{i}@x", subject=f"Ticket {i}") for i in range(7))
    )
    email_inbox_poll(inbox=email_inbox)
    acks = Message.objects.filter(inbox=email_inbox, author_label="auto-reply").count()
    assert acks == 5  # the 6th and 7th mail within ten minutes are a loop
    assert Message.objects.get(source_id="loop6@x").metadata["email"]["loop_suspected"] is True


def test_agent_reply_goes_out_threaded_with_cc_bcc_and_attachment(
    email_inbox, imap_folder, smtp_sink, demo
):
    from kefu.inboxes.adapters.base import InboundAttachment

    imap_append(imap_folder, mail(headers="References: <root@example.jp>\r\n"))
    email_inbox_poll(inbox=email_inbox)
    conversation = Message.objects.get(source_id="m1@example.jp").conversation
    email_outbox_sweep()  # the acknowledgement
    smtp_sink.received.clear()
    reply = message_send(
        conversation=conversation,
        actor=Actor.of_agent(demo.agents["mei"]),
        body="Your withdrawal was released.\n\nThe TXID is attached.",
        attachments=[InboundAttachment(filename="txid.txt", content=b"abc123\n")],
        metadata={"email": {"cc": ["boss@example.jp"], "bcc": ["audit@lumen.exchange"]}},
    )
    assert email_reply_deliver(message_id=reply.pk) == "delivered"
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.DELIVERED
    assert reply.source_id and reply.source_id.endswith("@lumen.exchange")
    mail_from, rcpts, sent = _sent(smtp_sink)
    assert mail_from == "support@lumen.exchange"
    assert sorted(rcpts) == ["audit@lumen.exchange", "boss@example.jp", "kenji@example.jp"]
    assert "Bcc" not in sent and sent["Cc"] == "boss@example.jp"
    assert sent["Message-ID"] == f"<{reply.source_id}>"
    assert sent["In-Reply-To"] == "<m1@example.jp>"
    assert sent["References"] == "<root@example.jp> <m1@example.jp>"
    assert sent["Subject"] == f"Re: Withdrawal stuck [#{conversation.number}]"
    assert "Auto-Submitted" not in sent
    html = sent.get_body(("html",)).get_content()
    assert "Lumen Exchange" in html and "Your withdrawal was released." in html
    names = [p.get_filename() for p in sent.iter_attachments()]
    assert names == ["txid.txt"]
    # The customer's answer to our reply threads back by In-Reply-To.
    imap_append(imap_folder, mail(message_id="m9@example.jp", subject=sent["Subject"],
                                  headers=f"In-Reply-To: <{reply.source_id}>\r\n"))  # fmt: skip
    email_inbox_poll(inbox=email_inbox)
    assert Message.objects.get(source_id="m9@example.jp").conversation_id == conversation.pk


def test_temporary_smtp_failure_is_retried_then_fails_visibly(
    email_inbox, imap_folder, smtp_sink, demo
):
    imap_append(imap_folder, mail(headers="Auto-Submitted: no\r\n"))
    email_inbox_poll(inbox=email_inbox)
    conversation = Message.objects.get(source_id="m1@example.jp").conversation
    Message.objects.filter(author_label="auto-reply").delete()
    reply = message_send(
        conversation=conversation, actor=Actor.of_agent(demo.agents["mei"]), body="Hello"
    )
    smtp_sink.fail_next = ["451 4.3.0 try again later"]
    assert email_reply_deliver(message_id=reply.pk) == "retry"
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.PENDING
    assert "451" in reply.metadata["email"]["last_error"]
    # Not due yet: the sweep leaves it alone.
    assert email_outbox_sweep() == 0
    # Time passes: the next attempt goes through, with the same Message-ID.
    first_id = reply.source_id
    Message.objects.filter(pk=reply.pk).update(
        metadata={"email": {**reply.metadata["email"], "next_attempt_at": None}}
    )
    assert email_reply_deliver(message_id=reply.pk) == "delivered"
    reply.refresh_from_db()
    assert reply.source_id == first_id
    assert reply.delivery_status == DeliveryStatus.DELIVERED

    permanent = message_send(
        conversation=conversation, actor=Actor.of_agent(demo.agents["mei"]), body="x"
    )
    smtp_sink.fail_next = ["550 5.1.1 mailbox unavailable"]
    assert email_reply_deliver(message_id=permanent.pk) == "failed"
    permanent.refresh_from_db()
    assert permanent.delivery_status == DeliveryStatus.FAILED
    assert "550" in permanent.delivery_error


def test_the_customers_anti_phishing_code_opens_every_reply_email(
    email_inbox, imap_folder, smtp_sink, demo
):
    from kefu.safety.actions import anti_phishing_code_set

    imap_append(imap_folder, mail(message_id="m-apc@example.jp"))
    email_inbox_poll(inbox=email_inbox)
    conversation = Message.objects.get(source_id="m-apc@example.jp").conversation
    anti_phishing_code_set(
        contact=conversation.contact, code="Sakura77", source="customer",
        actor=Actor.of_contact(conversation.contact),
    )  # fmt: skip
    email_outbox_sweep()  # the acknowledgement
    smtp_sink.received.clear()
    reply = message_send(
        conversation=conversation, actor=Actor.of_agent(demo.agents["mei"]), body="Released."
    )
    assert email_reply_deliver(message_id=reply.pk) == "delivered"
    _, _, sent = _sent(smtp_sink)
    assert "Sakura77" in sent.get_body(("plain",)).get_content()
    assert "Sakura77" in sent.get_body(("html",)).get_content()
