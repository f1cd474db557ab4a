from django.apps import AppConfig


class WidgetConfig(AppConfig):
    name = "kefu.widget"
    label = "widget"
    verbose_name = "Chat widget"

    def ready(self) -> None:
        from kefu.core.schedule import JOBS, Job, job_register
        from kefu.inboxes.adapters.widget import widget_uploads_sweep

        # Files a visitor uploaded but never sent go after a day.
        if not any(j.name == "widget_uploads_sweep" for j in JOBS):
            job_register(Job("widget_uploads_sweep", 3600, widget_uploads_sweep))
