from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models

from kefu.core.models import BaseModel


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    SUPERVISOR = "supervisor", "Supervisor"
    AGENT = "agent", "Agent"
    ANALYST = "analyst", "Analyst"


class Presence(models.TextChoices):
    ONLINE = "online", "Online"
    AWAY = "away", "Away"
    OFFLINE = "offline", "Offline"


class AgentManager(BaseUserManager["Agent"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> Agent:
        return self.get(email__iexact=username)


class Agent(AbstractBaseUser, PermissionsMixin, BaseModel):
    """A member of the support staff. Logs in with email; role decides what they may do."""

    email = models.EmailField(unique=True)
    display_name = models.CharField(max_length=120)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    languages = models.JSONField(default=list, blank=True)  # BCP 47 codes, most fluent first
    timezone = models.CharField(max_length=64, default="UTC")
    support_id = models.CharField(max_length=16, unique=True)  # public, shown on outgoing messages
    presence = models.CharField(max_length=8, choices=Presence.choices, default=Presence.OFFLINE)
    presence_changed_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    objects = AgentManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return f"{self.display_name} <{self.email}>"

    @property
    def is_staff(self) -> bool:
        # The Django admin is for admins and supervisors; agents work in the console.
        return self.is_active and self.role in (Role.ADMIN, Role.SUPERVISOR)


class Team(BaseModel):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(Agent, related_name="teams", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiToken(BaseModel):
    """A personal API token. Only its SHA-256 is stored; the clear token is shown once."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=16)  # first characters, so a listing can name it
    digest = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class TwoFactor(BaseModel):
    """An agent's TOTP enrolment. The seed is encrypted at rest (kefu.safety.crypto)."""

    agent = models.OneToOneField(Agent, on_delete=models.CASCADE, related_name="two_factor")
    secret = models.TextField()  # encrypted
    confirmed_at = models.DateTimeField(null=True, blank=True)  # None until a first code matched
    last_step = models.BigIntegerField(null=True, blank=True)  # the last accepted time step

    def __str__(self) -> str:
        return f"2FA of {self.agent_id}"


class LoginThrottle(BaseModel):
    """Failed sign-ins per account ("email:…") and per client address ("ip:…")."""

    key = models.CharField(max_length=300, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.key
