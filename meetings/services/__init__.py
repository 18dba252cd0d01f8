"""Every write and business rule of one-to-ones and team meetings, by subject."""

from .dispatch import (
    ACTION_ITEMS_AFTER,
    AGENDA_BEFORE,
    TALKING_POINTS_BEFORE,
    meetings_dispatch,
    series_end_departed,
    series_meetings_catch_up,
)
from .meetings import (
    SharedNotesConflict,
    action_item_add,
    agenda_point_add,
    agenda_point_resolve,
    meeting_move,
    meeting_record,
    private_note_save,
    shared_notes_save,
)
from .series import (
    meetings_ensure,
    series_change_cadence,
    series_end,
    series_start,
    series_transfer_answer,
    series_transfer_propose,
    team_series_start,
)

__all__ = [
    "ACTION_ITEMS_AFTER",
    "AGENDA_BEFORE",
    "TALKING_POINTS_BEFORE",
    "SharedNotesConflict",
    "action_item_add",
    "agenda_point_add",
    "agenda_point_resolve",
    "meeting_move",
    "meeting_record",
    "meetings_dispatch",
    "meetings_ensure",
    "private_note_save",
    "series_change_cadence",
    "series_end",
    "series_end_departed",
    "series_meetings_catch_up",
    "series_start",
    "series_transfer_answer",
    "series_transfer_propose",
    "shared_notes_save",
    "team_series_start",
]
