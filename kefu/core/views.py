from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from kefu.core.services import redis_ping


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return redirect("/console/")


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up. Load balancers restart a process that fails this."""
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """The process can serve: the database answers, and Redis too when configured."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means not ready
        checks["database"] = f"error: {type(exc).__name__}"
    if settings.REDIS_URL:
        checks["redis"] = redis_ping(settings.REDIS_URL)
    ready = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )
