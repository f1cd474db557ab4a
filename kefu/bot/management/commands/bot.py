from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "The support bot. `kefu bot eval` plays the scripted conversations and prints the figures."
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        ev = sub.add_parser("eval", help="containment, correct handoffs and wrong answers")
        ev.add_argument("files", nargs="*", help="JSONL files (default: kefu/bot/eval/*.jsonl)")
        ev.add_argument(
            "--threshold", type=float, default=None, help="override the answer threshold"
        )
        ev.add_argument(
            "--llm",
            action="store_true",
            help="answer with the configured language model (KEFU_LLM_BASE_URL); off by default",
        )
        ev.add_argument("-v", "--verbose", action="store_true", help="list every miss")
        ev.add_argument("--json", default="", help="also write the figures to this JSON file")
        cf = sub.add_parser("configure", help="turn the bot (and its language model) on or off")
        cf.add_argument("--inbox", required=True, help="the inbox's name or id")
        cf.add_argument("--on", dest="enabled", action="store_true", default=None)
        cf.add_argument("--off", dest="enabled", action="store_false")
        cf.add_argument(
            "--llm", choices=["on", "off"], help="answers written by the language model"
        )
        cf.add_argument("--threshold", type=float, default=None)
        cf.add_argument("--vip-tier", type=int, default=None, help="hand off VIPs above this")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "configure":
            return self._configure(opts)
        return self._eval(opts)

    def _configure(self, opts: dict[str, Any]) -> None:
        import json
        import uuid

        from kefu.bot.actions import bot_configure, bot_settings
        from kefu.core.errors import KefuError
        from kefu.inboxes.models import Inbox

        inbox = Inbox.objects.filter(name=opts["inbox"]).first()
        if inbox is None:
            try:
                inbox = Inbox.objects.filter(pk=uuid.UUID(opts["inbox"])).first()
            except ValueError:  # neither a name nor an id
                inbox = None
        if inbox is None:
            raise CommandError(f"no inbox named or numbered {opts['inbox']!r}")
        llm = None if opts["llm"] is None else opts["llm"] == "on"
        try:
            inbox = bot_configure(
                inbox=inbox,
                enabled=opts["enabled"],
                threshold=opts["threshold"],
                handoff_vip_tier=opts["vip_tier"],
                llm=llm,
            )
        except KefuError as e:
            raise CommandError(e.message) from e
        cfg = bot_settings(inbox)
        self.stdout.write(f"{inbox.name}: {json.dumps(inbox.config.get('bot') or {})}")
        if cfg.llm:
            from kefu.intelligence.llm import llm_enabled

            if not llm_enabled():
                self.stdout.write(
                    "note: KEFU_LLM_BASE_URL is unset, so the bot answers by its rules"
                )

    def _eval(self, opts: dict[str, Any]) -> None:
        import json

        from kefu.bot.evaluation import bot_eval, report_lines
        from kefu.core.errors import KefuError
        from kefu.intelligence.llm import llm_enabled

        if opts["llm"] and not llm_enabled():
            raise CommandError(
                "--llm needs a model server: set KEFU_LLM_BASE_URL and KEFU_LLM_MODEL"
            )
        paths = [Path(p) for p in opts["files"]] or None
        for p in paths or []:
            if not p.is_file():
                raise CommandError(f"{p}: no such file")
        try:
            report = bot_eval(paths=paths, threshold=opts["threshold"], llm=opts["llm"])
        except (ValueError, KefuError) as e:  # a bad file, a threshold out of range
            raise CommandError(str(e)) from e
        for line in report_lines(report, verbose=opts["verbose"]):
            self.stdout.write(line)
        if opts["json"]:
            Path(opts["json"]).write_text(json.dumps(report.figures(), indent=2))
