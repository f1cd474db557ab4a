from django.urls import path

from kefu.console import views

app_name = "console"

urlpatterns = [
    path("", views.console_home, name="home"),
    path("list/", views.list_fragment, name="list"),
    path("rows/", views.rows_fragment, name="rows"),
    path("counts/", views.counts_json, name="counts"),
    path("announcements/", views.announcements_fragment, name="announcements"),
    path("language/", views.language_set, name="language"),
    path("attachments/<uuid:attachment_id>/", views.attachment_file, name="attachment"),
    path("conversations/<uuid:conversation_id>/", views.conversation_page, name="conversation"),
    path("conversations/<uuid:conversation_id>/header/", views.conversation_header, name="header"),
    path(
        "conversations/<uuid:conversation_id>/messages/",
        views.conversation_messages,
        name="messages",
    ),
    path("conversations/<uuid:conversation_id>/thread/", views.conversation_thread, name="thread"),
    path("conversations/<uuid:conversation_id>/kb/", views.kb_search, name="kb"),
    path("conversations/<uuid:conversation_id>/kb/draft/", views.kb_draft, name="kb_draft"),
    path("conversations/<uuid:conversation_id>/seen/", views.conversation_seen, name="seen"),
    path("conversations/<uuid:conversation_id>/status/", views.conversation_status, name="status"),
    path("conversations/<uuid:conversation_id>/assign/", views.conversation_assign, name="assign"),
    path(
        "conversations/<uuid:conversation_id>/priority/",
        views.conversation_priority,
        name="priority",
    ),
    path("conversations/<uuid:conversation_id>/tags/", views.conversation_tag_add, name="tag_add"),
    path(
        "conversations/<uuid:conversation_id>/tags/remove/",
        views.conversation_tag_remove,
        name="tag_remove",
    ),
]
