"""`kefu safety redact`: the function behind it, and the Django command class itself."""

from __future__ import annotations

import io

from django.core.management import call_command

from kefu.safety.management.commands.safety import Command, redact_command_run

TEXT = "hi, my password is Kx7#pLm2q\nand my 2fa code is 482913\n"


def test_redact_prints_the_redacted_text() -> None:
    out = io.StringIO()
    assert redact_command_run(stdin=io.StringIO(TEXT), stdout=out) == 0
    assert out.getvalue() == (
        "hi, my password is [redacted: password]\nand my 2fa code is [redacted: otp code]\n"
    )


def test_explain_lists_findings_without_the_secrets() -> None:
    out = io.StringIO()
    redact_command_run(stdin=io.StringIO(TEXT), stdout=out, explain=True)
    lines = out.getvalue().splitlines()
    assert lines[2] == "# 2 finding(s)"
    assert lines[3].startswith("# password\t19-28\t0.85\t")
    assert lines[4].startswith("# otp_code\t")
    assert "Kx7#pLm2q" not in out.getvalue() and "482913" not in out.getvalue()


def test_otp_requested_keeps_codes() -> None:
    out = io.StringIO()
    redact_command_run(stdin=io.StringIO("2fa code 482913"), stdout=out, otp_requested=True)
    assert out.getvalue() == "2fa code 482913\n"


def test_command_class_through_call_command() -> None:
    # The command module is only discoverable by name once the app is installed; passing the
    # instance exercises the same argument parsing and handle().
    out = io.StringIO()
    call_command(Command(), "redact", "--explain", stdin=io.StringIO(TEXT), stdout=out)
    assert "[redacted: password]" in out.getvalue()
    assert "# 2 finding(s)" in out.getvalue()
