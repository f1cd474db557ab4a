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
    version becomes active; None when no model was ever trained."""
    moment = time.monotonic()
    if _cache["model"] is not None and moment - float(_cache["checked"]) < RECHECK_SECONDS:  # type: ignore[arg-type]
        return _cache["version"], _cache["model"]  # type: ignore[return-value]
    version = TriageModel.objects.filter(active=True).values_list("version", flat=True).first()
    if version is None:
        with _lock:
            _cache.update(version=None, model=None, checked=moment)
        return None
    with _lock:
        if _cache["version"] != version or _cache["model"] is None:
            blob = (
                TriageModel.objects.filter(version=version).values_list("weights", flat=True).get()
            )
            _cache["model"] = TopicClassifier.from_bytes(blob)
            _cache["version"] = version
        _cache["checked"] = moment
        return version, _cache["model"]  # type: ignore[return-value]


def triage_predict(text: str) -> Prediction | None:
    """The topic of a new conversation's first message; None when no model exists. A
    prediction with topic None means the model is not confident ("I don't know")."""
    active = triage_classifier_active()
    if active is None:
        return None
    _, model = active
    prediction = model.predict(
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
