"""Who performs an action: an agent, a contact, the bot, the system or an API integration."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kefu.accounts.models import Agent
    from kefu.contacts.models import Contact


class ActorKind(StrEnum):
    AGENT = "agent"
    CONTACT = "contact"
    BOT = "bot"
    SYSTEM = "system"
    API = "api"


@dataclass(frozen=True, slots=True)
class Actor:
    kind: ActorKind
    agent: Agent | None = None
    contact: Contact | None = None
    label: str = ""

    @classmethod
    def of_agent(cls, agent: Agent) -> Actor:
        return cls(kind=ActorKind.AGENT, agent=agent, label=agent.display_name)

    @classmethod
    def of_contact(cls, contact: Contact) -> Actor:
        return cls(kind=ActorKind.CONTACT, contact=contact, label=contact.name)

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(kind=ActorKind.SYSTEM, label=label)

    @classmethod
    def bot(cls) -> Actor:
        return cls(kind=ActorKind.BOT, label="bot")

    @property
    def id(self) -> str:
        if self.agent is not None:
            return str(self.agent.pk)
        if self.contact is not None:
            return str(self.contact.pk)
        return self.label

    def as_payload(self) -> dict[str, Any]:
        return {"kind": str(self.kind), "id": self.id, "label": self.label}
