"""REST API v1: one NinjaAPI, one router per app, one error format.

Errors are `{"error": {"code": ..., "message": ..., "field": ..., "fields": [...]}}` with a
stable code; validation errors name each field.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from kefu.accounts.actions import token_authenticate
from kefu.accounts.models import Agent
from kefu.core.errors import KefuError


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Agent | None:
        agent = token_authenticate(token)
        if agent is not None:
            request.user = agent  # type: ignore[assignment]
        return agent


class AgentSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if user.is_authenticated and user.is_active:
            return user
        return None


api = NinjaAPI(
    title="kefu API",
    version="1",
    description="Conversations, messages, contacts, inboxes, agents and teams. Authenticate with "
    "`Authorization: Bearer <token>` (create one with `kefu token issue`) or an agent session.",
    urls_namespace="api-v1",
    auth=[TokenAuth(), AgentSessionAuth()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def error_body(
    code: str, message: str, *, field: str | None = None, fields: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    err: dict[str, Any] = {"code": code, "message": message}
    if field:
        err["field"] = field
    if fields:
        err["fields"] = fields
    return {"error": err}


@api.exception_handler(KefuError)
def _kefu_error(request: HttpRequest, exc: KefuError) -> HttpResponse:
    fields = [{"field": exc.field, "message": exc.message}] if exc.field else None
    body = error_body(exc.code, exc.message, field=exc.field, fields=fields)
    body["error"].update(getattr(exc, "details", None) or {})  # e.g. the guard's violations
    return api.create_response(request, body, status=exc.status)


def _loc(loc: list[Any]) -> str:
    # ninja locations look like ["body", "payload", "priority"]: the source, the view's
    # parameter, then the field the client named. Report the client's name.
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "form", "file", "header", "cookie"):
        parts = parts[1:]
        if len(parts) > 1 and parts[0] in ("payload", "filters", "query"):
            parts = parts[1:]
    return ".".join(parts) or "request"


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = [
        {"field": _loc(list(e.get("loc", []))), "message": e.get("msg", "invalid")}
        for e in exc.errors
    ]
    message = "; ".join(f"{f['field']}: {f['message']}" for f in fields) or "invalid input"
    return api.create_response(
        request, error_body("validation_error", message, fields=fields), status=422
    )


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        error_body("unauthorized", "authentication required: a valid API token or session"),
        status=401,
    )


@api.exception_handler(AuthorizationError)
def _forbidden(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    return api.create_response(
        request, error_body("permission_denied", str(exc) or "forbidden"), status=403
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(
        request, error_body(f"http_{exc.status_code}", str(exc)), status=exc.status_code
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(
        request, error_body("not_found", str(exc) or "not found"), status=404
    )


def agent_of(request: HttpRequest) -> Agent:
    agent = request.auth  # type: ignore[attr-defined]
    assert isinstance(agent, Agent)
    return agent


def _mount() -> None:
    from kefu.accounts.api import router as accounts_router
    from kefu.contacts.api import router as contacts_router
    from kefu.conversations.api import router as conversations_router
    from kefu.core.api import router as core_router
    from kefu.inboxes.api import router as inboxes_router

    api.add_router("/", accounts_router)
    api.add_router("/contacts", contacts_router)
    api.add_router("/inboxes", inboxes_router)
    api.add_router("/conversations", conversations_router)
    from kefu.conversations.api import attachments_router

    api.add_router("/attachments", attachments_router)
    api.add_router("/events", core_router)

    from kefu.knowledge.api import router as knowledge_router

    api.add_router("/help", knowledge_router)

    from kefu.inboxes.widget_api import router as widget_router

    api.add_router("/widget", widget_router)

    from kefu.routing.api import router as routing_router
    from kefu.sla.api import router as sla_router

    api.add_router("/routing", routing_router)
    api.add_router("/sla", sla_router)
    from kefu.safety.api import router as safety_router

    api.add_router("/", safety_router)
    from kefu.automation.api import router as webhooks_router

    api.add_router("/webhooks", webhooks_router)

    from kefu.status.api import router as status_router

    api.add_router("/announcements", status_router)

    from kefu.intelligence.api import router as assist_router

    # Agent assist on a conversation: /conversations/{id}/reply-draft.
    api.add_router("/conversations", assist_router)


_mount()
