from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "kefu.realtime"
    label = "realtime"
    verbose_name = "Realtime"

    def ready(self) -> None:
        from kefu.core.events import event_subscribe
        from kefu.realtime.publisher import realtime_publish

        event_subscribe(realtime_publish)
