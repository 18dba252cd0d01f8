from django.urls import path

from . import views

urlpatterns = [
    path("meetings/", views.index, name="meetings_index"),
    path("teams/<slug:slug>/meetings/", views.team_meetings, name="team_meetings"),
    path("meetings/<int:series_id>/", views.series_page, name="meeting_series"),
    path("meetings/<int:series_id>/m/<int:meeting_id>/", views.series_page, name="meeting_detail"),
    path("meetings/<int:series_id>/calendar.ics", views.calendar, name="meeting_calendar"),
    path("meetings/<int:series_id>/cadence/", views.cadence_change, name="meeting_cadence"),
    path("meetings/<int:series_id>/end/", views.series_end, name="meeting_series_end"),
    path("meetings/<int:series_id>/transfer/", views.transfer_propose, name="meeting_transfer"),
    path("meetings/<int:series_id>/transfer/answer/", views.transfer_answer, name="meeting_transfer_answer"),
    path("meetings/m/<int:meeting_id>/points/", views.point_add, name="meeting_point_add"),
    path("meetings/points/<int:point_id>/resolve/", views.point_resolve, name="meeting_point_resolve"),
    path("meetings/m/<int:meeting_id>/notes/", views.notes_save, name="meeting_notes"),
    path("meetings/m/<int:meeting_id>/private-note/", views.private_note_save, name="meeting_private_note"),
    path("meetings/m/<int:meeting_id>/action-items/", views.action_item_add, name="meeting_action_item"),
    path("meetings/m/<int:meeting_id>/record/", views.record, name="meeting_record"),
    path("meetings/m/<int:meeting_id>/move/", views.move, name="meeting_move"),
]
