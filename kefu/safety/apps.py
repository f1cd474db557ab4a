from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "kefu.safety"
    label = "safety"
    verbose_name = "Safety and verification"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from kefu.safety.models import GuardPatternRule, OfficialChannel
        from kefu.safety.selectors import safety_cache_clear

        for model in (OfficialChannel, GuardPatternRule):
            post_save.connect(
                safety_cache_clear, sender=model, dispatch_uid=f"safety-cache-{model.__name__}"
            )
            post_delete.connect(
                safety_cache_clear, sender=model, dispatch_uid=f"safety-cache-del-{model.__name__}"
            )

        from kefu.core.events import event_subscribe
        from kefu.safety.tips import security_tip_on_event

        # Deferred: the resolution stands (and its sender has the answer) whatever the tip does.
        event_subscribe(security_tip_on_event, deferred=True, types={"conversation.status_changed"})
