from django.urls import path

from kefu.widget import views

urlpatterns = [
    path("widget.js", views.widget_js, name="widget-js"),
    path("widget/i18n/<str:lang>.json", views.widget_i18n, name="widget-i18n"),
    path("demo/", views.demo, name="widget-demo"),
]
