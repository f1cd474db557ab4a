"""`kefu routing loads [--repair]`: compare the agents' load counters with their conversations."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Routing operator jobs. `kefu routing loads` lists load counters that differ from the "
        "conversations; `--repair` sets them right (the routing_loads_repair job does it every "
        "minute)."
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="op", required=True)
        loads = sub.add_parser("loads", help="load counters that drifted from the conversations")
        loads.add_argument("--repair", action="store_true", help="recount the drifted ones")

    def handle(self, *args: Any, **opts: Any) -> None:
        from kefu.routing.actions import agent_loads_repair
        from kefu.routing.selectors import agent_loads_drift

        drifted = agent_loads_drift()
        for agent_id, kind, counter, count in drifted:
            self.stdout.write(f"{agent_id} {kind}: counter {counter}, counted {count}")
        if opts["repair"]:
            self.stdout.write(f"repaired {agent_loads_repair()}")
        elif not drifted:
            self.stdout.write("every load counter agrees with the conversations")
