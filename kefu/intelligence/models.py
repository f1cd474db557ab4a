from __future__ import annotations

from django.db import models
from django.db.models import Q

from kefu.core.models import BaseModel


class TriageSource(models.TextChoices):
    CONVERSATIONS = "conversations", "Labelled conversations"
    CSV = "csv", "CSV file"
    HELP_CENTER = "help-center", "Help center (cold start)"


class TriageModel(BaseModel):
    """One trained version of the topic classifier.

    The weights are an `.npz` archive of plain arrays written with `allow_pickle=False`
    (vocabularies as string arrays, coefficient matrices as floats), never a pickle: loading
    a model row cannot run code.
    """

    version = models.PositiveIntegerField(unique=True)
    source = models.CharField(max_length=20, choices=TriageSource.choices)
    labels = models.JSONField(default=list)
    # Held-out accuracy / macro-F1 when there was enough data, example counts, train time.
    metrics = models.JSONField(default=dict, blank=True)
    weights = models.BinaryField()
    active = models.BooleanField(default=False)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=Q(active=True), name="one_active_triage_model"
            ),
        ]

    def __str__(self) -> str:
        return f"triage v{self.version}{' (active)' if self.active else ''}"
