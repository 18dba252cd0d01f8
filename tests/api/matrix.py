"""The API's URL names, whose permissions tests/api/test_permissions.py checks persona by
persona (tests/accountability/test_permissions.py leaves them to it)."""

MATRIX = {
    "api_me",
    "api_teams",
    "api_team",
    "api_team_dashboard",
    "api_survey_rounds",
    "api_survey_results",
    "api_commitments",
    "api_commitment",
    "api_commitment_review",
    "api_commitment_renegotiate",
    "api_checkins",
    "api_checkin",
    "api_schema",
    "api_docs",
    "api_token_create",
    "api_token_revoke",
    "calendar_regenerate",
    "calendar_revoke",
    "calendar_feed",
}
