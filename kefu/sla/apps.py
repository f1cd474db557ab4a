from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "kefu.sla"
    label = "sla"
    verbose_name = "SLA"

    def ready(self) -> None:
        from kefu.core.events import event_subscribe
        from kefu.core.schedule import Job, job_register
        from kefu.sla.tasks import SLA_EVENTS, sla_on_event, sla_sweep_job

        event_subscribe(sla_on_event, deferred=True, types=SLA_EVENTS)
        # Every 2 s: a breach is detected within 5 s of its due time (the target).
        job_register(Job("sla_sweep", 2, sla_sweep_job))
