from django.contrib import admin
from django.urls import include, path

from kefu.api import api
from kefu.console import views as console_views
from kefu.core import views as core_views

admin.site.site_header = "kefu administration"
admin.site.site_title = "kefu admin"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("kefu.widget.urls")),
    path("help/", include("kefu.knowledge.urls")),
    path("console/", include("kefu.console.urls")),
    path("demo-exchange/api/v1/", include("kefu.exchange.urls")),
    path("login/", console_views.LoginView.as_view(), name="login"),
    path("logout/", console_views.LogoutView.as_view(), name="logout"),
]
