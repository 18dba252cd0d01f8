from django.urls import path

from . import views

# The paths and names these pages had in the feedback app: links already emailed keep working.
urlpatterns = [
    # Pulse surveys: answering (the emailed link is the permission), and someone's open surveys
    path("surveys/", views.survey_list, name="survey_list"),
    path("surveys/answer/<str:token>/", views.survey_answer, name="survey_answer"),
    path("surveys/thanks/<str:key>/", views.survey_thanks, name="survey_thanks"),
    path("surveys/<int:round_id>/open/", views.survey_open, name="survey_open"),
    # Pulse surveys: a team's managers (and, for reading, the organisation's admins)
    path("teams/<slug:slug>/surveys/", views.survey_rounds, name="survey_rounds"),
    path("teams/<slug:slug>/surveys/schedule/", views.survey_schedule, name="survey_schedule"),
    path("teams/<slug:slug>/surveys/templates/new/", views.survey_template_new, name="survey_template_new"),
    path("teams/<slug:slug>/surveys/templates/<int:template_id>/", views.survey_template, name="survey_template"),
    path(
        "teams/<slug:slug>/surveys/templates/<int:template_id>/edit/",
        views.survey_template_edit,
        name="survey_template_edit",
    ),
    path("surveys/<int:round_id>/close/", views.survey_round_close, name="survey_round_close"),
    path("surveys/<int:round_id>/cancel/", views.survey_round_cancel, name="survey_round_cancel"),
    path("surveys/<int:round_id>/results/", views.survey_results, name="survey_results"),
    path("surveys/<int:round_id>/results.csv", views.survey_results_export, name="survey_results_export"),
]
