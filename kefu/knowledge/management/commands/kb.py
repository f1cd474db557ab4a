from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kefu.accounts.models import Agent
from kefu.core.actors import Actor
from kefu.core.errors import KefuError


class Command(BaseCommand):
    help = (
        "Knowledge base jobs: `kefu kb import DIR`, `export DIR`, `reindex`, `eval`. "
        "See docs/help-center.md."
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="op", required=True)
        imp = sub.add_parser("import", help="import a content folder (idempotent)")
        imp.add_argument("directory")
        imp.add_argument("--author", help="email of the agent credited with new revisions")
        imp.add_argument("--draft", action="store_true", help="save new content as drafts instead of publishing it")
        exp = sub.add_parser("export", help="write the knowledge base as a content folder")
        exp.add_argument("directory")
        exp.add_argument("--drafts", action="store_true", help="export each translation's newest revision, published or not")
        rei = sub.add_parser("reindex", help="rebuild search terms and embeddings of every published translation")
        rei.add_argument("--missing", action="store_true", help="only translations without current embeddings")
        ev = sub.add_parser("eval", help="retrieval accuracy on labelled questions (top-1, top-3, MRR)")
        ev.add_argument("--questions", help="a JSONL file of {q, lang, answer, also} (default: the shipped set)")
        ev.add_argument("--misses", action="store_true", help="list the questions not answered first")
        ev.add_argument("--json", dest="json_out", help="also write the results to this file")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            getattr(self, f"_{opts['op']}")(opts)
        except KefuError as exc:
            raise CommandError(exc.message) from None

    def _import(self, opts: dict[str, Any]) -> None:
        from kefu.knowledge.actions import knowledge_import

        author = None
        if opts["author"]:
            author = Agent.objects.filter(email__iexact=opts["author"]).first()
            if author is None:
                raise CommandError(f"no agent with email {opts['author']}")
        report = knowledge_import(
            directory=Path(opts["directory"]), actor=Actor.system("kb import"), author=author, publish=not opts["draft"]
        )
        self.stdout.write(self.style.SUCCESS(f"imported: {report.summary()}"))
        if report.published and not report.embedded:
            self.stderr.write("the sentence encoder is not available: run `kefu kb reindex --missing` once it is")

    def _export(self, opts: dict[str, Any]) -> None:
        from kefu.knowledge.content import folder_write

        n = folder_write(Path(opts["directory"]), drafts=opts["drafts"])
        self.stdout.write(self.style.SUCCESS(f"exported {n} article files to {opts['directory']}"))

    def _reindex(self, opts: dict[str, Any]) -> None:
        from kefu.knowledge.actions import search_reindex

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"  {done}/{total}")

        n = search_reindex(only_missing=opts["missing"], progress=progress)
        self.stdout.write(self.style.SUCCESS(f"reindexed {n} translations"))

    def _eval(self, opts: dict[str, Any]) -> None:
        from kefu.knowledge.evaluation import QUESTIONS, eval_run, questions_load
        from kefu.knowledge.models import SearchDocument

        if not SearchDocument.objects.exists():
            raise CommandError("the help center is empty: `kefu kb import kefu/knowledge/content` (or `kefu demo`) first")
        questions = questions_load(Path(opts["questions"]) if opts["questions"] else QUESTIONS)
        report = eval_run(questions)
        self.stdout.write(f"{'group':8} {'n':>4} {'top-1':>7} {'top-3':>7} {'MRR':>7} {'strict top-1':>13}")
        for r in report.rows():
            self.stdout.write(
                f"{r['group']:8} {r['n']:>4} {r['top1']:>7.1%} {r['top3']:>7.1%} {r['mrr']:>7.3f} {r['strict_top1']:>13.1%}"
            )
        self.stdout.write(f"{len(questions)} questions in {report.seconds:.1f} s "
                          f"({1000 * report.seconds / max(len(questions), 1):.1f} ms each)")
        if opts["misses"]:
            for m in report.misses:
                self.stdout.write(f"  [{m['lang']}] rank={m['rank']} want={m['answer']} got={m['got']}  {m['q']}")
        if opts["json_out"]:
            Path(opts["json_out"]).write_text(json.dumps({"rows": report.rows(), "misses": report.misses}, indent=2, ensure_ascii=False))
