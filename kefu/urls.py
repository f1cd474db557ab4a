from django.contrib import admin
from django.urls import include, path

from kefu.accounts import views as accounts_views
from kefu.accounts.forms import SecureAdminAuthenticationForm
from kefu.api import api
from kefu.console import views as console_views
from kefu.core import views as core_views
from kefu.safety import views as safety_views

admin.site.site_header = "kefu administration"
admin.site.site_title = "kefu admin"
admin.site.login_form = SecureAdminAuthenticationForm

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
    path("verify/", safety_views.verify_page, name="verify"),
    path("login/2fa/", accounts_views.two_factor, name="two_factor"),
]
