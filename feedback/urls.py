from django.urls import path

from . import views

urlpatterns = [
    # The writer's pages
    path("feedback/new/", views.feedback_new, name="feedback_new"),
    path("feedback/sent/<str:token>/", views.feedback_sent, name="feedback_sent"),
    path("feedback/follow-up/", views.follow_up, name="feedback_follow_up"),
    path("feedback/follow-up/reply/", views.follow_up_reply, name="feedback_follow_up_reply"),
    path("feedback/follow-up/consent/", views.follow_up_consent, name="feedback_follow_up_consent"),
    path("feedback/follow-up/shown/<str:token>/", views.follow_up_shown, name="feedback_follow_up_shown"),
    # The managers' (and admins') pages
    path("feedback/inbox/", views.inbox, name="feedback_inbox"),
    path("feedback/threads/<uuid:thread_id>/", views.thread_detail, name="feedback_thread"),
    path("feedback/threads/<uuid:thread_id>/reply/", views.thread_reply, name="feedback_thread_reply"),
    path("feedback/threads/<uuid:thread_id>/status/", views.thread_status, name="feedback_thread_status"),
    path("feedback/threads/<uuid:thread_id>/publish/", views.thread_publish, name="feedback_thread_publish"),
    path("feedback/threads/<uuid:thread_id>/unpublish/", views.thread_unpublish, name="feedback_thread_unpublish"),
]
