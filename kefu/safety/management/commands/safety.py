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
    help = "Safety tools. `redact` reads text on stdin and prints it with secrets redacted."
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

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["subcommand"] == "redact":
            redact_command_run(
                stdin=opts.get("stdin") or sys.stdin,
                stdout=self.stdout,
                explain=opts["explain"],
                otp_requested=opts["otp_requested"],
            )
