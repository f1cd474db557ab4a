from __future__ import annotations

from django.db.models import Q, QuerySet

from kefu.accounts.models import Agent
from kefu.accounts.permissions import Perm, agent_can
from kefu.contacts.models import Contact
from kefu.core.errors import NotFound


def contacts_visible_to(agent: Agent) -> QuerySet[Contact]:
    """Contacts the agent may see: those with a conversation in one of their inboxes."""
    base = Contact.objects.filter(merged_into__isnull=True)
    if agent_can(agent, Perm.CONVERSATION_VIEW_ALL):
        return base
    return base.filter(
        Q(conversations__inbox__teams__members=agent) | Q(identities__inbox__teams__members=agent)
    ).distinct()


def access_contact(*, agent: Agent, contact_id: object) -> Contact:
    contact = contacts_visible_to(agent).filter(pk=contact_id).first()
    if contact is None:
        raise NotFound("no such contact")
    return contact


def contact_profile(contact: Contact) -> dict[str, object]:
    """A contact's addresses and channel identities (with their inboxes), for the console."""
    from kefu.contacts.models import ContactEmail, Identity

    return {
        "emails": list(
            ContactEmail.objects.filter(contact=contact)
            .order_by("-verified", "email")
            .values("email", "verified")
        ),
        "identities": list(
            Identity.objects.filter(contact=contact)
            .select_related("inbox")
            .order_by("inbox__name", "external_id")
        ),
    }
