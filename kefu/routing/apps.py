from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "kefu.routing"
    label = "routing"
    verbose_name = "Routing"

    def ready(self) -> None:
        from kefu.core.events import event_subscribe
        from kefu.core.schedule import Job, job_register
        from kefu.routing.tasks import RESCORED, routing_on_event, routing_sweep_job

        event_subscribe(routing_on_event, deferred=True, types=RESCORED)
        job_register(Job("routing_sweep", 15, routing_sweep_job))
