from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from kefu.accounts.models import Agent, ApiToken, Team


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ("display_name", "email", "role", "support_id", "presence", "is_active")
    list_filter = ("role", "presence", "is_active")
    search_fields = ("email", "display_name", "support_id")
    readonly_fields = ("support_id", "last_login", "created_at", "password")
    exclude = ("groups", "user_permissions", "is_superuser")
    actions = ["two_factor_reset"]

    @admin.action(description="Reset two-factor authentication (lost device)")
    def two_factor_reset(self, request: HttpRequest, queryset: QuerySet[Agent]) -> None:
        from kefu.accounts.security import two_factor_disable
        from kefu.core.actors import Actor

        for agent in queryset:
            two_factor_disable(agent=agent, actor=Actor.of_agent(request.user))
        self.message_user(request, f"2FA reset for {queryset.count()} agent(s); audited.")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("members",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "agent", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("agent", "prefix", "digest", "created_at", "last_used_at")

    def has_add_permission(self, request):  # tokens are issued by `kefu token issue` or the API
        return False
