"""Writes for intelligence: training, storing and activating triage models."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Max

from kefu.core.clock import now
from kefu.intelligence.models import TriageModel, TriageSource
from kefu.intelligence.selectors import triage_cache_clear
from kefu.intelligence.triage import TopicClassifier

log = logging.getLogger(__name__)


def triage_model_train(
    *, examples: list[tuple[str, str]], source: str, activate: bool = True
) -> TriageModel:
    """Train a classifier on (text, topic) pairs and store it as the next version.

    Training (seconds to a minute) runs outside any transaction; only the insert and the
    activation are atomic. Raises TriageDataError, changing nothing, on unusable data.
    """
    if source not in TriageSource.values:
        raise ValueError(f"source must be one of {', '.join(TriageSource.values)}")
    classifier, metrics = TopicClassifier.fit(
        [t for t, _ in examples], [lab for _, lab in examples]
    )
    blob = classifier.to_bytes()
    metrics["bytes"] = len(blob)
    with transaction.atomic():
        # Versions are taken under the table's unique constraint: two trainings racing get
        # distinct versions or one fails cleanly and stores nothing.
        latest = TriageModel.objects.aggregate(v=Max("version"))["v"] or 0
        model = TriageModel.objects.create(
            version=latest + 1,
            source=source,
            labels=classifier.labels,
            metrics=metrics,
            weights=blob,
        )
        if activate:
            _activate(model)
    triage_cache_clear()
    log.info("triage model v%s trained from %s: %s", model.version, source, metrics)
    return model


def triage_model_activate(*, version: int) -> TriageModel:
    with transaction.atomic():
        model = TriageModel.objects.select_for_update().filter(version=version).first()
        if model is None:
            raise ValueError(f"no triage model version {version}")
        _activate(model)
    # This process switches at once; others within selectors.RECHECK_SECONDS.
    triage_cache_clear()
    return model


def _activate(model: TriageModel) -> None:
    # The partial unique index allows one active row: clear the old one first.
    TriageModel.objects.filter(active=True).exclude(pk=model.pk).update(active=False)
    if not model.active:
        model.active = True
        model.activated_at = now()
        model.save(update_fields=model.touch_fields("active", "activated_at"))
