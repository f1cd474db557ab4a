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
        ev.add_argument("-v", "--verbose", action="store_true", help="list every miss")
        ev.add_argument("--json", default="", help="also write the figures to this JSON file")

    def handle(self, *args: Any, **opts: Any) -> None:
        import json

        from kefu.bot.evaluation import bot_eval, report_lines

        paths = [Path(p) for p in opts["files"]] or None
        for p in paths or []:
            if not p.is_file():
                raise CommandError(f"{p}: no such file")
        try:
            report = bot_eval(paths=paths, threshold=opts["threshold"])
        except ValueError as e:
            raise CommandError(str(e)) from e
        for line in report_lines(report, verbose=opts["verbose"]):
            self.stdout.write(line)
        if opts["json"]:
            Path(opts["json"]).write_text(json.dumps(report.figures(), indent=2))
