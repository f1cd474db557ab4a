from django.contrib import admin

from kefu.accounts.models import Agent, ApiToken, Team


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ("display_name", "email", "role", "support_id", "presence", "is_active")
    list_filter = ("role", "presence", "is_active")
    search_fields = ("email", "display_name", "support_id")
    readonly_fields = ("support_id", "last_login", "created_at", "password")
    exclude = ("groups", "user_permissions", "is_superuser")


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
