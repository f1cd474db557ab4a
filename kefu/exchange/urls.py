from django.urls import path

from kefu.exchange import demo_backend

urlpatterns = [
    path("accounts/<str:uid>", demo_backend.account_view, name="demo-exchange-account"),
    path(
        "accounts/<str:uid>/transfers", demo_backend.transfers_view, name="demo-exchange-transfers"
    ),
    path("accounts/<str:uid>/freeze", demo_backend.freeze_view, name="demo-exchange-freeze"),
]
