from django.urls import path

from . import views

urlpatterns = [
    path("teams/<slug:slug>/", views.team_detail, name="team_detail"),
    path("dashboard/", views.dashboard_overview, name="dashboard_overview"),
    path("teams/<slug:slug>/dashboard/", views.team_dashboard, name="team_dashboard"),
    path("teams/<slug:slug>/dashboard/export.csv", views.team_dashboard_export, name="team_dashboard_export"),
    path(
        "teams/<slug:slug>/dashboard/people/<int:user_id>/",
        views.team_dashboard_member,
        name="team_dashboard_member",
    ),
]
