from django.urls import path, register_converter

from kefu.knowledge import views


class LanguageConverter:
    regex = "[a-z]{2,3}(?:-[a-z0-9]{2,8})?"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value.lower()


register_converter(LanguageConverter, "lang")

app_name = "knowledge"

urlpatterns = [
    path("", views.root, name="root"),
    path("<lang:lang>/", views.home, name="home"),
    path("<lang:lang>/search/", views.search, name="search"),
    path("<lang:lang>/glossary/", views.glossary, name="glossary"),
    path("<lang:lang>/categories/<slug:slug>/", views.category, name="category"),
    path("<lang:lang>/articles/<slug:slug>/", views.article, name="article"),
    path("<lang:lang>/articles/<slug:slug>/feedback/", views.feedback, name="feedback"),
]
