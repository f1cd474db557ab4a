from django.contrib import admin
from django.urls import path

from kefu.api import api
from kefu.core import views as core_views

admin.site.site_header = "kefu administration"
admin.site.site_title = "kefu admin"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
