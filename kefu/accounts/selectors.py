from __future__ import annotations

from django.db.models import QuerySet

from kefu.accounts.models import Agent, Team


def agents_active() -> QuerySet[Agent]:
    return Agent.objects.filter(is_active=True)


def teams_of(agent: Agent) -> QuerySet[Team]:
    return Team.objects.filter(members=agent)


def team_ids_of(agent: Agent) -> list:
    return list(Team.objects.filter(members=agent).values_list("id", flat=True))
