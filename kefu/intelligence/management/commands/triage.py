"""`kefu triage train|eval|list|activate`: the topic classifier's operator jobs.

train     [--csv FILE | --help-center [DIR]] [--no-activate]
          From a CSV (text,category), from resolved conversations with a topic (default),
          or, when none are labelled yet, from the help center's titles and questions.
eval      --train A.csv --test B.csv   trains on A, predicts B, ends with one line
          accuracy=0.xxxx macro_f1=0.xxxx ms_per_message=x.x train_s=x.x
list      the stored versions
activate  VERSION
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.intelligence.triage import TriageDataError


class Command(BaseCommand):
    help = "Train, evaluate and activate the topic triage classifier."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        train = sub.add_parser("train", help="train and store a new version")
        src = train.add_mutually_exclusive_group()
        src.add_argument("--csv", type=Path, help="a CSV with columns text,category")
        src.add_argument(
            "--help-center",
            nargs="?",
            const="",
            metavar="DIR",
            help="cold start from help-center articles (default: the bundled content)",
        )
        train.add_argument("--no-activate", action="store_true", help="store without activating")
        ev = sub.add_parser("eval", help="train on one CSV, measure on another")
        ev.add_argument("--train", type=Path, required=True)
        ev.add_argument("--test", type=Path, required=True)
        sub.add_parser("list", help="list stored model versions")
        act = sub.add_parser("activate", help="make a stored version the active one")
        act.add_argument("version", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['subcommand']}")(**options)
        except (TriageDataError, ValueError) as exc:
            raise CommandError(str(exc)) from None

    def _train(
        self, *, csv: Path | None, help_center: str | None, no_activate: bool, **_: Any
    ) -> None:
        from kefu.intelligence.actions import triage_model_train
        from kefu.intelligence.models import TriageSource
        from kefu.intelligence.selectors import triage_examples_from_conversations
        from kefu.intelligence.triage import examples_from_csv, examples_from_help_center

        if csv is not None:
            examples, source = examples_from_csv(csv), TriageSource.CSV
        elif help_center is not None:
            examples = examples_from_help_center(help_center or None)
            source = TriageSource.HELP_CENTER
        else:
            examples, source = triage_examples_from_conversations(), TriageSource.CONVERSATIONS
            if len({topic for _, topic in examples}) < 2:
                self.stdout.write(
                    f"{len(examples)} labelled conversation(s): cold start from the help center"
                )
                examples, source = examples_from_help_center(), TriageSource.HELP_CENTER
        counts = Counter(label for _, label in examples)
        self.stdout.write(f"{len(examples)} examples from {source}: {dict(sorted(counts.items()))}")
        model = triage_model_train(examples=examples, source=source, activate=not no_activate)
        m = model.metrics
        held = (
            f" held-out accuracy={m['accuracy']:.4f} macro_f1={m['macro_f1']:.4f}"
            if "accuracy" in m
            else " (too few examples to hold any out)"
        )
        self.stdout.write(
            f"stored triage model v{model.version}{' (active)' if model.active else ''}:"
            f" {len(model.labels)} topics, train_s={m['train_s']:.1f}{held}"
        )

    def _eval(self, *, train: Path, test: Path, **_: Any) -> None:
        from kefu.intelligence.embeddings import embed
        from kefu.intelligence.triage import (
            TopicClassifier,
            accuracy,
            examples_from_csv,
            macro_f1,
        )

        train_rows, test_rows = examples_from_csv(train), examples_from_csv(test)
        started = time.perf_counter()
        model, _ = TopicClassifier.fit(
            [t for t, _ in train_rows], [c for _, c in train_rows], calibrate=False
        )
        train_s = time.perf_counter() - started
        texts = [t for t, _ in test_rows]
        embed(texts[:1])
        # One message at a time, as enrichment classifies them: the per-message figure is
        # the latency a customer's first message pays, not a batch average.
        predicted = []
        started = time.perf_counter()
        for text in texts:
            predicted.append(model.labels[int(model.probabilities([text])[0].argmax())])
        ms = (time.perf_counter() - started) * 1000 / max(1, len(texts))
        truth = [c for _, c in test_rows]
        self.stdout.write(
            f"train: {len(train_rows)} examples, {len(model.labels)} labels; test: {len(texts)}"
        )
        self.stdout.write(
            f"accuracy={accuracy(truth, predicted):.4f} macro_f1={macro_f1(truth, predicted):.4f}"
            f" ms_per_message={ms:.1f} train_s={train_s:.1f}"
        )

    def _list(self, **_: Any) -> None:
        from kefu.intelligence.selectors import triage_model_rows

        rows = triage_model_rows()
        if not rows:
            self.stdout.write("no triage models yet: run `kefu triage train`")
        for row in rows:
            acc = row.metrics.get("accuracy")
            self.stdout.write(
                f"v{row.version}{' *' if row.active else '  '} {row.created_at:%Y-%m-%d %H:%M}"
                f" {row.source:<13} {len(row.labels)} topics, {row.metrics.get('examples', '?')}"
                f" examples{f', held-out accuracy {acc:.4f}' if acc is not None else ''}"
            )

    def _activate(self, *, version: int, **_: Any) -> None:
        from kefu.intelligence.actions import triage_model_activate

        model = triage_model_activate(version=version)
        self.stdout.write(f"triage model v{model.version} is active")
