"""The email channel: parse inbound mail, decide its thread, compose outbound mail.

Pure functions over bytes; transport (IMAP/SMTP) and storage live elsewhere.
See docs/subsystems/email.md.
"""

from __future__ import annotations

from kefu.inboxes.adapters.email.compose import (
    ComposeAttachment,
    email_compose,
    recipients_envelope,
)
from kefu.inboxes.adapters.email.parse import (
    Authentication,
    ParsedAttachment,
    ParsedEmail,
    RejectedAttachment,
    RejectReason,
    content_type_sniff,
    email_parse,
    html_sanitize,
    html_to_text,
    text_reply_extract,
)
from kefu.inboxes.adapters.email.threads import (
    ThreadKeys,
    message_id_make,
    reply_address,
    reply_token_make,
    subject_normalize,
    thread_keys,
)

__all__ = [
    "Authentication",
    "ComposeAttachment",
    "ParsedAttachment",
    "ParsedEmail",
    "RejectReason",
    "RejectedAttachment",
    "ThreadKeys",
    "content_type_sniff",
    "email_compose",
    "email_parse",
    "html_sanitize",
    "html_to_text",
    "message_id_make",
    "recipients_envelope",
    "reply_address",
    "reply_token_make",
    "subject_normalize",
    "text_reply_extract",
    "thread_keys",
]
