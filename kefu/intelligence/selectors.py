"""Reads for intelligence: the active triage model (cached per process) and training data."""

from __future__ import annotations

import threading
import time

from django.conf import settings

from kefu.intelligence.models import TriageModel
from kefu.intelligence.triage import OTHER, Prediction, TopicClassifier, teams_mapping

# How often a process asks the database whether a newer model was activated (by `kefu
# triage train` in another process). One indexed single-row query per interval.
RECHECK_SECONDS = 10.0

_lock = threading.Lock()
_cache: dict[str, object] = {"version": None, "model": None, "checked": 0.0}


def triage_cache_clear() -> None:
    with _lock:
        _cache.update(version=None, model=None, checked=0.0)


def triage_model_rows() -> list[TriageModel]:
    return list(TriageModel.objects.defer("weights").order_by("-version"))


def triage_classifier_active() -> tuple[int, TopicClassifier] | None:
    """(version, classifier) of the active model, loaded lazily and reloaded when another
    version becomes active; None when no model was ever trained. Between rechecks this is
    a dictionary read: no query."""
    moment = time.monotonic()
    checked = float(_cache["checked"])  # type: ignore[arg-type]
    if checked and moment - checked < RECHECK_SECONDS:
        return None if _cache["model"] is None else (_cache["version"], _cache["model"])  # type: ignore[return-value]
    version = TriageModel.objects.filter(active=True).values_list("version", flat=True).first()
    with _lock:
        if version is None:
            _cache.update(version=None, model=None, checked=moment)
            return None
        if _cache["version"] != version or _cache["model"] is None:
            blob = (
                TriageModel.objects.filter(version=version).values_list("weights", flat=True).get()
            )
            _cache["model"] = TopicClassifier.from_bytes(blob)
            _cache["version"] = version
        _cache["checked"] = moment
        return version, _cache["model"]  # type: ignore[return-value]


def triage_predict(
    text: str, *, classifier: TopicClassifier | type[Ellipsis] | None = ...
) -> Prediction | None:
    """The topic of a new conversation's first message; None when no model exists. A
    prediction with topic None means the model is not confident ("I don't know").

    `classifier` skips the lookup (enrichment fetches it before taking row locks)."""
    if classifier is ...:
        active = triage_classifier_active()
        classifier = active[1] if active is not None else None
    if classifier is None:
        return None
    prediction = classifier.predict(  # type: ignore[union-attr]
        [text],
        min_confidence=settings.TRIAGE_MIN_CONFIDENCE,
        teams=teams_mapping(settings.TRIAGE_TEAMS),
    )[0]
    if prediction.topic == OTHER:
        return Prediction(None, prediction.confidence, None, prediction.ranked)
    return prediction


def triage_examples_from_conversations(*, limit: int = 50_000) -> list[tuple[str, str]]:
    """(first customer words, topic) of resolved or closed conversations that carry a topic:
    what the exchange's own agents decided each case was about."""
    from kefu.conversations.models import Conversation, Direction, Message, Status

    conversations = list(
        Conversation.objects.filter(status__in=[Status.RESOLVED, Status.CLOSED])
        .exclude(topic="")
        .order_by("-created_at")
        .values_list("pk", "subject", "topic")[:limit]
    )
    if not conversations:
        return []
    first: dict[object, list[str]] = {}
    messages = (
        Message.objects.filter(
            conversation_id__in=[pk for pk, _, _ in conversations],
            direction=Direction.INCOMING,
            private=False,
        )
        .order_by("conversation_id", "created_at")
        .values_list("conversation_id", "body")
    )
    for conversation_id, body in messages.iterator():
        bodies = first.setdefault(conversation_id, [])
        # The opening words say what the case is about; later ones drift.
        if len(bodies) < 2 and body:
            bodies.append(body)
    rows = []
    for pk, subject, topic in conversations:
        text = " ".join([subject, *first.get(pk, [])]).strip()
        if text:
            rows.append((text, topic))
    return rows
