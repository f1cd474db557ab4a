"""SMTP transport: one message to one relay, implicit TLS / STARTTLS / plain, password or
XOAUTH2. Errors say whether a retry can help (`SmtpError.permanent`)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from kefu.inboxes.adapters.email.config import ServerSettings
from kefu.inboxes.adapters.email.imap import tls_context, xoauth2_string


class SmtpError(Exception):
    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


def smtp_send(
    settings: ServerSettings,
    message: EmailMessage,
    *,
    sender: str,
    recipients: list[str],
    timeout: float = 30,
) -> dict[str, str]:
    """Hand the message to the relay. Returns the recipients it refused (address -> reply)
    when it accepted the others; raises SmtpError when nobody got it."""
    context = tls_context(verify=settings.verify_tls)
    try:
        if settings.security == "ssl":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=timeout, context=context
            )
        else:
            conn = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
            if settings.security == "starttls":
                conn.starttls(context=context)
        with conn:
            if settings.username:
                secret = settings.password()
                if settings.auth == "xoauth2":
                    conn.ehlo_or_helo_if_needed()
                    conn.auth(
                        "XOAUTH2",
                        lambda challenge=None: xoauth2_string(settings.username, secret),
                        initial_response_ok=True,
                    )
                else:
                    conn.login(settings.username, secret)
            refused = conn.send_message(message, from_addr=sender, to_addrs=recipients)
    except smtplib.SMTPRecipientsRefused as exc:
        detail = "; ".join(f"{a}: {c} {_text(m)}" for a, (c, m) in exc.recipients.items())
        permanent = all(code >= 500 for code, _ in exc.recipients.values())
        raise SmtpError(f"recipients refused: {detail}", permanent=permanent) from exc
    except smtplib.SMTPAuthenticationError as exc:
        # Wrong credentials need an admin, but a retry after they fix it must still go out.
        raise SmtpError(
            f"authentication failed: {exc.smtp_code} {_text(exc.smtp_error)}", permanent=False
        ) from exc
    except smtplib.SMTPResponseException as exc:
        raise SmtpError(
            f"{exc.smtp_code} {_text(exc.smtp_error)}", permanent=500 <= exc.smtp_code < 600
        ) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise SmtpError(f"SMTP {settings.host}:{settings.port}: {exc}", permanent=False) from exc
    return {a: f"{c} {_text(m)}" for a, (c, m) in refused.items()}


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
