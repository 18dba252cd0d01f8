from django.urls import path

from . import views

urlpatterns = [
    # The writer's pages
    path("feedback/new/", views.feedback_new, name="feedback_new"),
    path("feedback/follow-up/", views.follow_up, name="feedback_follow_up"),
    path("feedback/follow-up/reply/", views.follow_up_reply, name="feedback_follow_up_reply"),
    path("feedback/follow-up/consent/", views.follow_up_consent, name="feedback_follow_up_consent"),
    # The managers' (and admins') pages
    path("feedback/inbox/", views.inbox, name="feedback_inbox"),
    path("feedback/threads/<uuid:thread_id>/", views.thread_detail, name="feedback_thread"),
    path("feedback/threads/<uuid:thread_id>/reply/", views.thread_reply, name="feedback_thread_reply"),
    path("feedback/threads/<uuid:thread_id>/status/", views.thread_status, name="feedback_thread_status"),
    path("feedback/threads/<uuid:thread_id>/publish/", views.thread_publish, name="feedback_thread_publish"),
    path("feedback/threads/<uuid:thread_id>/unpublish/", views.thread_unpublish, name="feedback_thread_unpublish"),
]
