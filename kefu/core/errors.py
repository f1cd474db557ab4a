"""Domain errors with a stable code. The API turns them into JSON; the CLI into a message."""

from __future__ import annotations


class KefuError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field


class ValidationFailed(KefuError):
    code = "validation_error"
    status = 422


class NotFound(KefuError):
    code = "not_found"
    status = 404


class PermissionDenied(KefuError):
    code = "permission_denied"
    status = 403


class Conflict(KefuError):
    code = "conflict"
    status = 409
