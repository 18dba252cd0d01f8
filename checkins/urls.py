from django.urls import path

from . import views

urlpatterns = [
    path("teams/<slug:slug>/week/", views.week_page, name="this_week"),
    path("teams/<slug:slug>/week/<str:label>/", views.week_page, name="week"),
    path("teams/<slug:slug>/commitments/add/", views.commitment_add, name="commitment_add"),
    path("teams/<slug:slug>/commitments/propose/", views.commitment_propose, name="commitment_propose"),
    path("teams/<slug:slug>/history/", views.history, name="history"),
    path("teams/<slug:slug>/people/<int:user_id>/history/", views.history, name="member_history"),
    path("teams/<slug:slug>/questions/", views.team_questions, name="team_questions"),
    path("teams/<slug:slug>/questions/add/", views.question_add, name="question_add"),
    path("teams/<slug:slug>/questions/template/", views.question_set_from_template, name="question_set_from_template"),
    path("teams/<slug:slug>/questions/keep/", views.question_template_save, name="question_template_save"),
    path("teams/<slug:slug>/questions/<uuid:key>/", views.question_edit, name="question_edit"),
    path("teams/<slug:slug>/questions/<uuid:key>/move/", views.question_move, name="question_move"),
    path("teams/<slug:slug>/questions/<uuid:key>/retire/", views.question_retire, name="question_retire"),
    path("commitments/<int:commitment_id>/", views.commitment_detail, name="commitment_detail"),
    path("commitments/<int:commitment_id>/review/", views.commitment_review, name="commitment_review"),
    path("commitments/<int:commitment_id>/reopen/", views.commitment_reopen, name="commitment_reopen"),
    path("commitments/<int:commitment_id>/respond/", views.proposal_respond, name="proposal_respond"),
    path("commitments/<int:commitment_id>/replies/", views.commitment_reply, name="commitment_reply"),
    path("checkins/<int:checkin_id>/", views.checkin_detail, name="checkin_detail"),
    path("checkins/<int:checkin_id>/acknowledge/", views.checkin_acknowledge, name="checkin_acknowledge"),
    path(
        "checkins/<int:checkin_id>/support-answered/",
        views.checkin_support_answered,
        name="checkin_support_answered",
    ),
    path("checkins/<int:checkin_id>/replies/", views.checkin_reply, name="checkin_reply"),
]
