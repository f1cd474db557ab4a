"""`kefu webhooks list | create | test | deliveries | redeliver | rotate-secret | enable | disable`."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.automation import actions
from kefu.automation.models import WebhookDelivery, WebhookEndpoint
from kefu.core.actors import Actor
from kefu.core.errors import KefuError


def _endpoint(value: str) -> WebhookEndpoint:
    try:
        endpoint = WebhookEndpoint.objects.filter(pk=uuid.UUID(value)).first()
    except ValueError:
        endpoint = WebhookEndpoint.objects.filter(name=value).first()
    if endpoint is None:
        raise CommandError(f"no webhook endpoint {value}")
    return endpoint


class Command(BaseCommand):
    help = "Outbound webhooks: endpoints, test events, the delivery log (docs/webhooks.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="op", required=True)
        sub.add_parser("list", help="endpoints, their state and failures")
        create = sub.add_parser("create", help="add an endpoint; prints its secret once")
        create.add_argument("name")
        create.add_argument("url")
        create.add_argument(
            "--events", required=True, help="comma-separated event types, or * for all"
        )
        for op, text in (
            ("test", "send a test event now and print the answer"),
            ("enable", "switch on (sends what waited for it)"),
            ("disable", "switch off"),
        ):
            sub.add_parser(op, help=text).add_argument("endpoint", help="id or name")
        rotate = sub.add_parser("rotate-secret", help="a new secret, printed once")
        rotate.add_argument("endpoint", help="id or name")
        rotate.add_argument(
            "--keep-hours", type=int, default=24, help="hours the old secret also signs"
        )
        deliveries = sub.add_parser("deliveries", help="an endpoint's log, newest first")
        deliveries.add_argument("endpoint", help="id or name")
        deliveries.add_argument("--status", choices=["pending", "delivered", "failed"])
        deliveries.add_argument("--limit", type=int, default=20)
        redeliver = sub.add_parser("redeliver", help="send a delivery's event again")
        redeliver.add_argument("delivery_id")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            self._run(opts["op"], opts, Actor.system("cli"))
        except KefuError as exc:
            raise CommandError(exc.message) from None

    def _run(self, op: str, opts: dict[str, Any], actor: Actor) -> None:
        out = self.stdout.write
        if op == "list":
            for e in WebhookEndpoint.objects.order_by("name"):
                state = "on" if e.enabled else f"off ({e.disabled_reason})"
                out(f"{e.pk}  {e.name:24}  {e.url}  [{', '.join(e.event_types)}]  {state}")
        elif op == "create":
            endpoint, secret = actions.webhook_endpoint_create(
                name=opts["name"],
                url=opts["url"],
                event_types=[t for t in opts["events"].split(",") if t.strip()],
                actor=actor,
            )
            out(f"created {endpoint.pk}")
            out(f"secret (shown once): {secret}")
        elif op == "test":
            d = actions.webhook_endpoint_test_now(endpoint=_endpoint(opts["endpoint"]), actor=actor)
            out(
                f"{d.status}: HTTP {d.last_status_code or '-'} in {d.response_ms} ms {d.last_error}"
            )
            if d.status != "delivered":
                raise CommandError("the test event was not delivered")
        elif op in ("enable", "disable"):
            e = actions.webhook_endpoint_update(
                endpoint=_endpoint(opts["endpoint"]), actor=actor, enabled=op == "enable"
            )
            out(f"{e.name}: {'on' if e.enabled else 'off'}")
        elif op == "rotate-secret":
            e, secret = actions.webhook_secret_rotate(
                endpoint=_endpoint(opts["endpoint"]),
                actor=actor,
                keep_previous=timedelta(hours=max(0, opts["keep_hours"])),
            )
            out(f"secret (shown once): {secret}")
            if e.previous_secret_until:
                out(f"the old secret also signs until {e.previous_secret_until.isoformat()}")
        elif op == "deliveries":
            qs = WebhookDelivery.objects.filter(endpoint=_endpoint(opts["endpoint"]))
            if opts["status"]:
                qs = qs.filter(status=opts["status"])
            for d in qs.order_by("-id")[: max(1, opts["limit"])]:
                out(
                    f"{d.pk}  {d.created_at:%Y-%m-%d %H:%M:%S}  {d.event_type:28}  {d.status:9}  "
                    f"attempts={d.attempts}  HTTP {d.last_status_code or '-'}  {d.last_error}"
                )
        elif op == "redeliver":
            try:
                delivery = (
                    WebhookDelivery.objects.select_related("endpoint")
                    .filter(pk=uuid.UUID(opts["delivery_id"]))
                    .first()
                )
            except ValueError:
                delivery = None
            if delivery is None:
                raise CommandError(f"no delivery {opts['delivery_id']}")
            copy = actions.webhook_redeliver(delivery=delivery, actor=actor)
            out(f"queued as {copy.pk}")
