from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "kefu.routing"
    label = "routing"
    verbose_name = "Routing"

    def ready(self) -> None:
        from kefu.core.events import event_subscribe
        from kefu.core.schedule import Job, job_register
        from kefu.routing.tasks import (
            RESCORED,
            routing_loads_repair_job,
            routing_on_event,
            routing_sweep_job,
        )

        event_subscribe(routing_on_event, deferred=True, types=RESCORED)

        from django.db.models.signals import m2m_changed, post_delete, post_save

        from kefu.accounts.models import Agent, Team
        from kefu.inboxes.models import Inbox
        from kefu.routing.models import Queue, RoutingProfile
        from kefu.routing.selectors import routing_cache_clear, routing_snapshot_changed

        for model in (Queue, Team, Inbox):
            post_save.connect(routing_cache_clear, sender=model, dispatch_uid=f"routing-{model}")
            post_delete.connect(
                routing_cache_clear, sender=model, dispatch_uid=f"routing-d-{model}"
            )
        for model in (RoutingProfile, Agent):
            uid = f"routing-snapshot-{model}"
            post_save.connect(routing_snapshot_changed, sender=model, dispatch_uid=uid)
            post_delete.connect(routing_snapshot_changed, sender=model, dispatch_uid=uid + "-d")
        for through in (Team.members.through, Inbox.teams.through):
            m2m_changed.connect(
                routing_snapshot_changed, sender=through, dispatch_uid=f"routing-m2m-{through}"
            )
        job_register(Job("routing_sweep", 15, routing_sweep_job))
        job_register(Job("routing_loads_repair", 60, routing_loads_repair_job))
