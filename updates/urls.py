from django.urls import path

from . import views

urlpatterns = [
    path("teams/<slug:slug>/updates/", views.team_updates, name="team_updates"),
    path("teams/<slug:slug>/updates/new/", views.update_new, name="update_new"),
    path("teams/<slug:slug>/thanks/new/", views.recognition_new, name="recognition_new"),
    path("updates/new/", views.update_new_organisation, name="update_new_organisation"),
    path("updates/<int:pk>/", views.update_detail, name="update_detail"),
    path("updates/<int:pk>/read/", views.update_mark_read, name="update_mark_read"),
    path("updates/<int:pk>/respond/", views.update_respond, name="update_respond"),
    path("values/", views.value_list, name="value_list"),
    path("values/new/", views.value_edit, name="value_new"),
    path("values/<int:pk>/edit/", views.value_edit, name="value_edit"),
    path("values/<int:pk>/retire/", views.value_retire, name="value_retire"),
    path("thanks/", views.recognition_mine, name="recognition_mine"),
]
