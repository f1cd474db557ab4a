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

        from django.db.models.signals import post_delete, post_save

        from kefu.accounts.models import Team
        from kefu.routing.models import Queue
        from kefu.routing.selectors import routing_cache_clear

        for model in (Queue, Team):
            post_save.connect(
                routing_cache_clear, sender=model, dispatch_uid=f"routing-{model.__name__}"
            )
            post_delete.connect(
                routing_cache_clear, sender=model, dispatch_uid=f"routing-d-{model.__name__}"
            )
        job_register(Job("routing_sweep", 15, routing_sweep_job))
