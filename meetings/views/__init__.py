"""One-to-ones and team meetings: the pages and the forms they post. Every lookup is scoped by
permissions.py: a series someone may not see is a 404."""

from .actions import (
    action_item_add,
    cadence_change,
    move,
    notes_save,
    point_add,
    point_resolve,
    private_note_save,
    record,
    series_end,
    transfer_answer,
    transfer_propose,
)
from .pages import calendar, index, series_page, team_meetings

__all__ = [
    "action_item_add",
    "cadence_change",
    "calendar",
    "index",
    "move",
    "notes_save",
    "point_add",
    "point_resolve",
    "private_note_save",
    "record",
    "series_end",
    "series_page",
    "team_meetings",
    "transfer_answer",
    "transfer_propose",
]
