"""`kefu email receive|poll|watch`: the email channel's operator commands.

- `receive --inbox <id|name>`: one RFC 5322 message on stdin, for MTAs that pipe mail
  (Postfix `mailbox_command`, an alias `|kefu email receive --inbox Support`). Exit status
  0 when stored (or already stored), 65 (EX_DATAERR: the MTA bounces it) when the mail was
  recorded as a failure, 75 (EX_TEMPFAIL: the MTA retries) when kefu could not store it.
- `poll [--inbox ...]`: import what is waiting in the IMAP folders once.
- `watch [--inbox ...]`: stay connected; IDLE where the server supports it, poll otherwise.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

EX_DATAERR = 65
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Email channel: receive one message on stdin, poll IMAP once, or watch IMAP with IDLE."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        receive = sub.add_parser("receive", help="import one RFC 5322 message from stdin")
        receive.add_argument("--inbox", required=True, help="inbox id or name")
        poll = sub.add_parser("poll", help="import waiting IMAP mail once")
        poll.add_argument("--inbox", help="inbox id or name (default: every email inbox)")
        watch = sub.add_parser("watch", help="import IMAP mail as it arrives (IDLE)")
        watch.add_argument("--inbox", required=True, help="inbox id or name")
        watch.add_argument("--idle-seconds", type=float, default=25 * 60)

    def handle(self, *args: Any, **opts: Any) -> None:
        action = opts["action"]
        if action == "receive":
            self._receive(opts["inbox"])
        elif action == "poll":
            self._poll(opts.get("inbox"))
        else:
            self._watch(opts["inbox"], opts["idle_seconds"])

    def _inbox(self, ref: str) -> Any:
        from kefu.inboxes.adapters.email.selectors import email_inbox_find

        inbox = email_inbox_find(ref)
        if inbox is None:
            raise CommandError(f"no enabled email inbox {ref!r}")
        return inbox

    def _receive(self, ref: str) -> None:
        from kefu.inboxes.adapters.email.actions import email_import

        raw = sys.stdin.buffer.read()
        try:
            inbox = self._inbox(ref)
            outcome = email_import(inbox=inbox, raw=raw)
        except CommandError as exc:
            self.stderr.write(str(exc))
            sys.exit(EX_TEMPFAIL)  # a typo in the MTA config must not bounce mail
        except DatabaseError as exc:
            self.stderr.write(f"kefu could not store the message, try again later: {exc}")
            sys.exit(EX_TEMPFAIL)
        if outcome.status == "failed":
            assert outcome.failure is not None
            self.stderr.write(f"rejected: {outcome.failure.reason}")
            sys.exit(EX_DATAERR)
        message = outcome.message
        assert message is not None
        self.stdout.write(f"{outcome.status} #{message.conversation.number} message {message.pk}")

    def _poll(self, ref: str | None) -> None:
        from kefu.inboxes.adapters.email.actions import email_inbox_poll, email_inboxes_poll

        results = {ref: email_inbox_poll(inbox=self._inbox(ref))} if ref else email_inboxes_poll()
        for name, result in results.items():
            self.stdout.write(f"{name}: {result}")

    def _watch(self, ref: str, idle_seconds: float) -> None:
        from django.db import close_old_connections

        from kefu.inboxes.adapters.email.actions import email_inbox_poll
        from kefu.inboxes.adapters.email.config import email_settings
        from kefu.inboxes.adapters.email.imap import (
            ImapError,
            imap_close,
            imap_connect,
            imap_idle_wait,
            imap_select,
        )

        inbox = self._inbox(ref)
        imap = email_settings(inbox.config).imap
        if imap is None:
            raise CommandError(f"inbox {inbox.name} has no IMAP settings")
        backoff = 1.0
        while True:
            conn = None
            try:
                conn = imap_connect(imap)
                while True:
                    close_old_connections()
                    result = email_inbox_poll(inbox=inbox, conn=conn)
                    if result.created or result.failed:
                        self.stdout.write(f"{inbox.name}: {result}")
                    # IDLE watches one folder; the others are covered by each wake-up's poll.
                    imap_select(conn, imap.folders[0])
                    imap_idle_wait(conn, timeout=idle_seconds)
                    backoff = 1.0
            except (ImapError, OSError) as exc:
                self.stderr.write(f"{inbox.name}: {exc}; reconnecting in {backoff:.0f}s")
                time.sleep(backoff)
                backoff = min(backoff * 2, 300)
            except KeyboardInterrupt:
                return
            finally:
                if conn is not None:
                    imap_close(conn)
