from django.urls import path

from . import views

urlpatterns = [
    path("integrations/webhooks/", views.webhook_list, name="webhook_list"),
    path("integrations/webhooks/<int:pk>/", views.webhook_detail, name="webhook_detail"),
    path("integrations/webhooks/<int:pk>/test/", views.webhook_test, name="webhook_test"),
    path("integrations/webhooks/<int:pk>/secret/", views.webhook_rotate_secret, name="webhook_rotate_secret"),
    path("integrations/webhooks/<int:pk>/delete/", views.webhook_delete, name="webhook_delete"),
    path("teams/<slug:slug>/channels/", views.team_channels, name="team_channels"),
    path("teams/<slug:slug>/channels/<int:pk>/test/", views.team_channel_test, name="team_channel_test"),
    path("teams/<slug:slug>/channels/<int:pk>/delete/", views.team_channel_delete, name="team_channel_delete"),
]
