"""Retrieval evaluation: labelled customer questions against the live help center.

Each line of the questions file is `{"q", "lang", "answer", "also"}`. A question is answered at
rank r when the r-th result is its `answer` or one of the `also` slugs (other acceptable
articles). Reported: top-1, top-3, MRR (over the first 10 results), per language, and a strict
top-1 that accepts only `answer`. Searches run as a customer would (no internal articles) and
are not logged.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kefu.core.errors import ValidationFailed
from kefu.knowledge.languages import lang_tag
from kefu.knowledge.selectors import PUBLIC, articles_search

QUESTIONS = Path(__file__).resolve().parent / "content" / "eval" / "questions.jsonl"


@dataclass
class Bucket:
    n: int = 0
    top1: int = 0
    top3: int = 0
    strict_top1: int = 0
    rr: float = 0.0

    def add(self, rank: int | None, strict_first: bool) -> None:
        self.n += 1
        self.top1 += rank == 1
        self.top3 += rank is not None and rank <= 3
        self.strict_top1 += strict_first
        self.rr += 1.0 / rank if rank else 0.0

    def row(self, name: str) -> dict[str, Any]:
        n = max(self.n, 1)
        return {"group": name, "n": self.n, "top1": self.top1 / n, "top3": self.top3 / n,
                "mrr": self.rr / n, "strict_top1": self.strict_top1 / n}


@dataclass
class EvalReport:
    overall: Bucket = field(default_factory=Bucket)
    languages: dict[str, Bucket] = field(default_factory=dict)
    misses: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def rows(self) -> list[dict[str, Any]]:
        return [self.overall.row("all"), *(b.row(k) for k, b in sorted(self.languages.items(), key=lambda kv: -kv[1].n))]


def questions_load(path: Path = QUESTIONS) -> list[dict[str, Any]]:
    rows = []
    for i, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValidationFailed(f"{path}:{i}: not JSON: {exc}") from None
        if not isinstance(row, dict) or not row.get("q") or not row.get("answer"):
            raise ValidationFailed(f"{path}:{i}: needs `q` and `answer`")
        rows.append(row)
    return rows


def eval_run(questions: list[dict[str, Any]], *, k: int = 10) -> EvalReport:
    report = EvalReport()
    started = time.perf_counter()
    for row in questions:
        language = lang_tag(row.get("lang")) or "en"
        results = articles_search(reader=PUBLIC, query=row["q"], language=language, limit=k)
        slugs = [item.card.slug for item in results.items]
        accepted = {row["answer"], *row.get("also", [])}
        rank = next((i + 1 for i, s in enumerate(slugs) if s in accepted), None)
        strict = bool(slugs) and slugs[0] == row["answer"]
        report.overall.add(rank, strict)
        report.languages.setdefault(row.get("lang") or "?", Bucket()).add(rank, strict)
        if rank != 1:
            report.misses.append({"q": row["q"], "lang": row.get("lang"), "answer": row["answer"],
                                  "rank": rank, "got": slugs[:3]})
    report.seconds = time.perf_counter() - started
    return report
