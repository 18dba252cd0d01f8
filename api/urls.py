from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from . import views
from .views import rest

# The REST API (token only) under /api/v1/; the schema and its reference page are public.
api_patterns = [
    path("api/v1/me/", rest.MeView.as_view(), name="api_me"),
    path("api/v1/teams/", rest.TeamList.as_view(), name="api_teams"),
    path("api/v1/teams/<slug:slug>/", rest.TeamDetail.as_view(), name="api_team"),
    path("api/v1/teams/<slug:slug>/dashboard/", rest.TeamDashboard.as_view(), name="api_team_dashboard"),
    path("api/v1/teams/<slug:slug>/survey-rounds/", rest.SurveyRoundList.as_view(), name="api_survey_rounds"),
    path("api/v1/survey-rounds/<int:pk>/", rest.SurveyResults.as_view(), name="api_survey_results"),
    path("api/v1/commitments/", rest.CommitmentList.as_view(), name="api_commitments"),
    path("api/v1/commitments/<int:pk>/", rest.CommitmentDetail.as_view(), name="api_commitment"),
    path("api/v1/commitments/<int:pk>/review/", rest.CommitmentReview.as_view(), name="api_commitment_review"),
    path(
        "api/v1/commitments/<int:pk>/renegotiate/",
        rest.CommitmentRenegotiate.as_view(),
        name="api_commitment_renegotiate",
    ),
    path("api/v1/checkins/", rest.CheckInList.as_view(), name="api_checkins"),
    path("api/v1/checkins/<int:pk>/", rest.CheckInDetail.as_view(), name="api_checkin"),
    # Anything else under the API (a malformed id or slug included) is a JSON 404, not a page.
    re_path(r"^api/v1/", views.api_not_found),
]

urlpatterns = [
    *api_patterns,
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", views.docs, name="api_docs"),
    path("api/tokens/new/", views.token_create, name="api_token_create"),
    path("api/tokens/<int:token_id>/revoke/", views.token_revoke, name="api_token_revoke"),
    path("api/calendar/regenerate/", views.calendar_regenerate, name="calendar_regenerate"),
    path("api/calendar/revoke/", views.calendar_revoke, name="calendar_revoke"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
