from allauth.account import views as account_views
from django.contrib import admin
from django.urls import include, path

from . import views

# Sign-in, passwords, two-factor and single sign-on are django-allauth's (under /accounts/).
# The short names are kept for the two pages every app links to.
auth_patterns = [
    path("login/", account_views.login, name="login"),
    path("logout/", account_views.logout, name="logout"),
    path("profile/", views.profile, name="profile"),
    path("email/", views.email_preferences, name="email_preferences"),
    path("data/export/", views.data_export_request, name="data_export_request"),
    path("data/export/<str:token>/", views.data_export_download, name="data_export_download"),
    path("", include("allauth.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include(auth_patterns)),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("email/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("people/<int:user_id>/", views.person_detail, name="person_detail"),
    path("people/<int:user_id>/deactivate/", views.person_deactivate, name="person_deactivate"),
    path("people/<int:user_id>/reactivate/", views.person_reactivate, name="person_reactivate"),
    path("people/<int:user_id>/delete/", views.person_delete, name="person_delete"),
    path("organisation/audit/", views.audit_list, name="audit_list"),
    path("organisation/data/", views.data_settings, name="data_settings"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<slug:slug>/settings/", views.team_settings, name="team_settings"),
    path("teams/<slug:slug>/members/", views.team_members, name="team_members"),
    path("teams/<slug:slug>/invite/", views.team_invite, name="team_invite"),
    path("teams/<slug:slug>/members/<int:membership_id>/role/", views.membership_role, name="membership_role"),
    path("teams/<slug:slug>/members/<int:membership_id>/remove/", views.membership_remove, name="membership_remove"),
    path(
        "teams/<slug:slug>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    # The apps' pages; the team page (it reads feedback too) and the dashboards are the dashboard's.
    path("", include("dashboard.urls")),
    path("", include("checkins.urls")),
    path("", include("feedback.urls")),
    path("", include("surveys.urls")),
    path("", include("updates.urls")),
    path("", include("meetings.urls")),
    path("", include("integrations.urls")),
    path("", include("api.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "accountability.views.error_403"
handler404 = "accountability.views.error_404"
handler500 = "accountability.views.error_500"
