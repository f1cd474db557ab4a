"""`kefu safety redact [--explain]`: redact the text on stdin, the way inbound messages are."""

from __future__ import annotations

import sys
from typing import Any, Protocol, TextIO

from django.core.management.base import BaseCommand, CommandParser

from kefu.safety.redaction import RedactionContext, finding_describe, redact


class _Writer(Protocol):  # a text stream, or the command's OutputWrapper
    def write(self, text: str, /) -> object: ...


def redact_command_run(
    *, stdin: TextIO, stdout: _Writer, explain: bool = False, otp_requested: bool = False
) -> int:
    """Read all of stdin, print the redacted text; with `explain`, one line per finding."""
    result = redact(stdin.read(), context=RedactionContext(otp_requested=otp_requested))
    stdout.write(result.text if result.text.endswith("\n") else result.text + "\n")
    if explain:
        # Findings name kind, offsets, confidence and reason; the secret itself never leaves
        # `redact`, so this is safe to paste into a bug report.
        stdout.write(f"# {len(result.findings)} finding(s)\n")
        for finding in result.findings:
            stdout.write(f"# {finding_describe(finding)}\n")
    return 0


class Command(BaseCommand):
    help = (
        "Safety tools. `redact` reads text on stdin and prints it with secrets redacted; "
        "`export` and `erase` a contact's data (GDPR); `retention` erases inactive contacts; "
        "`rotate-keys` re-encrypts every secret at rest under the newest KEFU_ENCRYPTION_KEY."
    )
    # `stdin` is not a command-line option; call_command(..., stdin=io.StringIO(...)) passes it.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        redact_parser = sub.add_parser("redact", help="redact secrets in the text on stdin")
        redact_parser.add_argument(
            "--explain", action="store_true", help="also list each finding (never the secret)"
        )
        redact_parser.add_argument(
            "--otp-requested",
            action="store_true",
            help="the system asked for a one-time code, so codes are kept",
        )
        export_parser = sub.add_parser("export", help="print a contact's data as JSON")
        export_parser.add_argument("contact_id")
        erase_parser = sub.add_parser("erase", help="erase a contact's personal data")
        erase_parser.add_argument("contact_id")
        erase_parser.add_argument("--reason", required=True, help="the request reference")
        sub.add_parser("retention", help="erase contacts inactive for KEFU_CONTACT_RETENTION_DAYS")
        sub.add_parser(
            "rotate-keys",
            help="re-encrypt every stored secret under the first key of KEFU_ENCRYPTION_KEY",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["subcommand"] == "rotate-keys":
            self._rotate_keys()
            return
        if opts["subcommand"] in ("export", "erase", "retention"):
            self._privacy(opts)
            return
        if opts["subcommand"] == "redact":
            redact_command_run(
                stdin=opts.get("stdin") or sys.stdin,
                stdout=self.stdout,
                explain=opts["explain"],
                otp_requested=opts["otp_requested"],
            )

    def _rotate_keys(self) -> None:
        from django.core.management.base import CommandError

        from kefu.core.actors import Actor
        from kefu.safety.actions import secrets_rotate

        counts = secrets_rotate(actor=Actor.system("cli"))
        for name, count in counts.items():
            self.stdout.write(
                f"{name}: {count.rotated} re-encrypted, {count.unreadable} unreadable"
            )
        if any(c.unreadable for c in counts.values()):
            # The old key must stay until these are fixed (or re-entered): say so, fail.
            raise CommandError(
                "some secrets open with none of the configured keys; keep the old key listed"
            )

    def _privacy(self, opts: dict[str, Any]) -> None:
        import json
        import uuid

        from django.core.management.base import CommandError

        from kefu.contacts.models import Contact
        from kefu.core.actors import Actor
        from kefu.core.errors import KefuError
        from kefu.safety.privacy import contact_erase, contact_export, retention_apply

        actor = Actor.system("cli")
        if opts["subcommand"] == "retention":
            self.stdout.write(f"erased {retention_apply(actor=actor)} contact(s)")
            return
        try:
            contact = Contact.objects.filter(pk=uuid.UUID(opts["contact_id"])).first()
        except ValueError:
            contact = None
        if contact is None:
            raise CommandError(f"no contact with id {opts['contact_id']}")
        try:
            if opts["subcommand"] == "export":
                data = contact_export(contact=contact, actor=actor)
                self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            else:
                counts = contact_erase(contact=contact, actor=actor, reason=opts["reason"])
                self.stdout.write(json.dumps(counts))
        except KefuError as exc:
            raise CommandError(exc.message) from None
