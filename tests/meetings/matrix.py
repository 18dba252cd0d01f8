"""The meetings pages whose permissions tests/meetings/test_permissions.py checks, persona by
persona (tests/accountability/test_permissions.py leaves them to it)."""

MATRIX = {
    "meetings_index",
    "team_meetings",
    "meeting_series",
    "meeting_detail",
    "meeting_calendar",
    "meeting_cadence",
    "meeting_series_end",
    "meeting_transfer",
    "meeting_transfer_answer",
    "meeting_point_add",
    "meeting_point_resolve",
    "meeting_notes",
    "meeting_private_note",
    "meeting_action_item",
    "meeting_record",
    "meeting_move",
}
