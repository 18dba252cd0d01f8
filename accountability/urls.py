from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views
from .forms import EmailAuthenticationForm, OutboxPasswordResetForm

auth_patterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=EmailAuthenticationForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(form_class=OutboxPasswordResetForm),
        name="password_reset",
    ),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(post_reset_login=True),
        name="password_reset_confirm",
    ),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("profile/", views.profile, name="profile"),
    path("email/", views.email_preferences, name="email_preferences"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include(auth_patterns)),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("email/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<slug:slug>/", views.team_detail, name="team_detail"),
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
    path("teams/<slug:slug>/commitments/propose/", views.commitment_propose, name="commitment_propose"),
    path("commitments/<int:commitment_id>/", views.commitment_detail, name="commitment_detail"),
    path("dashboard/", views.dashboard_overview, name="dashboard_overview"),
    path("teams/<slug:slug>/dashboard/", views.team_dashboard, name="team_dashboard"),
    path("teams/<slug:slug>/dashboard/export.csv", views.team_dashboard_export, name="team_dashboard_export"),
    path(
        "teams/<slug:slug>/dashboard/people/<int:user_id>/",
        views.team_dashboard_member,
        name="team_dashboard_member",
    ),
    path("", include("checkins.urls")),
    path("", include("feedback.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "accountability.views.error_403"
handler404 = "accountability.views.error_404"
handler500 = "accountability.views.error_500"
