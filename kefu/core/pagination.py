"""Cursor (keyset) pagination: stable under inserts, constant cost at any depth."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from kefu.core.errors import ValidationFailed


def cursor_encode(*values: Any) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else str(v) for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_decode(cursor: str, *, size: int) -> list[str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed("cursor is not one this API returned", field="cursor") from None
    if (
        not isinstance(values, list)
        or len(values) != size
        or not all(isinstance(v, str) for v in values)
    ):
        raise ValidationFailed("cursor is not one this API returned", field="cursor")
    return values


def cursor_datetime(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed("cursor is not one this API returned", field="cursor") from None
    if moment.tzinfo is None:
        raise ValidationFailed("cursor is not one this API returned", field="cursor")
    return moment
