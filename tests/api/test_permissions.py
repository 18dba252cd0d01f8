"""The API's permission matrix: five personas (and the signed-out caller and someone in no
team) × every endpoint, reusing the UI's personas. The API must answer exactly as the pages
do: what a person may not see is a 404, never a 403 that says it exists."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from accountability.models import Commitment, CommitmentStatus
from api import services
from checkins.models import CheckIn

from ..factories import CheckInFactory, CommitmentFactory
from ..surveys.factories import add_responses, make_round, trust_pulse
from .conftest import client_for

PERSONAS = ["anonymous", "member", "teammate", "manager", "other_manager", "outsider", "org_admin"]


def _expect(default: int, **overrides: int) -> dict[str, int]:
    return {p: overrides.get(p, default) for p in PERSONAS}


@pytest.fixture
def ctx(personas, team, member, teammate, manager):
    week = team.current_week()
    commitment = CommitmentFactory(owner=member, team=team, title="Ship the release notes")
    checkin = CheckInFactory(member=member, team=team, week=week.previous().start, blockers="Waiting on review")
    round_ = make_round(team, template=trust_pulse(), closed=True)
    add_responses(round_, team.anonymity_minimum, users=[])
    return {"personas": personas, "team": team, "commitment": commitment, "checkin": checkin, "round": round_}


def _review(ctx):
    return {"status": "done", "note": "Shipped on time"}


def _renegotiate(ctx):
    return {"new_due_date": (ctx["team"].today() + timedelta(days=7)).isoformat(), "note": "Waiting on legal"}


def _create(ctx):
    return {"team": "platform", "title": "Write the API docs"}


def _checkin(ctx):
    return {"team": "platform", "mood": 4, "highlights": "Good week"}


# name -> (method, url args from ctx, data, expected status per persona)
MATRIX = {
    "api_me": ("get", lambda c: [], None, _expect(200, anonymous=401)),
    "api_teams": ("get", lambda c: [], None, _expect(200, anonymous=401)),
    "api_team": ("get", lambda c: ["platform"], None, _expect(200, anonymous=401, other_manager=404, outsider=404)),
    "api_team_dashboard": (
        "get",
        lambda c: ["platform"],
        None,
        _expect(404, anonymous=401, manager=200, org_admin=200),
    ),
    "api_survey_rounds": (
        "get",
        lambda c: ["platform"],
        None,
        _expect(404, anonymous=401, manager=200, org_admin=200),
    ),
    "api_survey_results": (
        "get",
        lambda c: [c["round"].pk],
        None,
        _expect(404, anonymous=401, manager=200, org_admin=200),
    ),
    "api_commitments": ("get", lambda c: [], None, _expect(200, anonymous=401)),
    "api_commitment": (
        "get",
        lambda c: [c["commitment"].pk],
        None,
        _expect(404, anonymous=401, member=200, teammate=200, manager=200),
    ),
    "api_commitment_review": (
        "post",
        lambda c: [c["commitment"].pk],
        _review,
        # A teammate sees a summary and a manager the whole of it, but only its owner reviews it.
        _expect(404, anonymous=401, member=200, teammate=403, manager=403),
    ),
    "api_commitment_renegotiate": (
        "post",
        lambda c: [c["commitment"].pk],
        _renegotiate,
        _expect(404, anonymous=401, member=200, teammate=403, manager=403),
    ),
    "api_checkins": ("get", lambda c: [], None, _expect(200, anonymous=401)),
    "api_checkin": (
        "get",
        lambda c: [c["checkin"].pk],
        None,
        _expect(404, anonymous=401, member=200, manager=200),
    ),
}
# Writes of one's own, in a team one is in.
WRITES = {
    "api_commitments": (_create, _expect(400, anonymous=401, member=201, teammate=201, manager=201)),
    "api_checkins": (_checkin, _expect(400, anonymous=401, member=201, teammate=201, manager=201)),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_api_access(ctx, name, persona):
    method, args, data, expected = MATRIX[name]
    client = client_for(ctx["personas"][persona])
    url = reverse(name, args=args(ctx))
    if method == "get":
        response = client.get(url)
    else:
        response = client.post(url, data(ctx), format="json")
    assert response.status_code == expected[persona], (name, persona, response.content[:300])
    if name in ("api_commitment_review", "api_commitment_renegotiate"):
        status = Commitment.objects.get(pk=ctx["commitment"].pk).status
        assert (status != CommitmentStatus.OPEN) == (expected[persona] == 200)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(WRITES))
def test_api_writes(ctx, name, persona):
    data, expected = WRITES[name]
    response = client_for(ctx["personas"][persona]).post(reverse(name), data(ctx), format="json")
    assert response.status_code == expected[persona], (name, persona, response.content[:300])
    if response.status_code == 400:
        assert response.json()["errors"] == {"team": ["You are not in a team with that slug."]}


def _ids(response) -> set:
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("persona", PERSONAS[1:])
def test_lists_hold_only_what_the_ui_shows(ctx, persona):
    client = client_for(ctx["personas"][persona])
    commitments = _ids(client.get(reverse("api_commitments")))
    checkins = _ids(client.get(reverse("api_checkins")))
    teams = {row["slug"] for row in client.get(reverse("api_teams")).json()["results"]}
    assert commitments == ({ctx["commitment"].pk} if persona == "member" else set())
    assert checkins == ({ctx["checkin"].pk} if persona in ("member", "manager") else set())
    assert (
        teams
        == {
            "member": {"platform"},
            "teammate": {"platform"},
            "manager": {"platform"},
            "other_manager": {"support"},
            "outsider": set(),
            "org_admin": {"platform", "support"},
        }[persona]
    )


def test_a_teammate_sees_a_summary_without_reflections(ctx, team, teammate, member):
    ctx["commitment"].obstacle = "Private reflection"
    ctx["commitment"].save()
    body = client_for(teammate).get(reverse("api_commitment", args=[ctx["commitment"].pk])).json()
    assert body["access"] == "summary"
    assert body["title"] == "Ship the release notes"
    assert body["obstacle"] is None and body["details"] is None and body["help_wanted"] is None
    own = client_for(member).get(reverse("api_commitment", args=[ctx["commitment"].pk])).json()
    assert own["access"] == "full" and own["obstacle"] == "Private reflection"


def test_teams_that_keep_commitments_private_hide_them_from_teammates(ctx, team, teammate):
    team.open_commitments = False
    team.save()
    assert client_for(teammate).get(reverse("api_commitment", args=[ctx["commitment"].pk])).status_code == 404


def test_org_admin_sees_team_figures_but_no_individual_moods(ctx, org_admin, manager):
    admin = client_for(org_admin).get(reverse("api_team_dashboard", args=["platform"])).json()
    mine = client_for(manager).get(reverse("api_team_dashboard", args=["platform"])).json()
    assert admin["individual"] is False and mine["individual"] is True
    keys = {figure["key"] for figure in mine["figures"]}
    assert {"participation", "follow_through"} <= keys


def test_survey_results_are_hidden_below_the_threshold(ctx, team, manager):
    small = make_round(team, template=trust_pulse(), closed=True)
    add_responses(small, team.anonymity_minimum - 1)
    client = client_for(manager)
    hidden = client.get(reverse("api_survey_results", args=[small.pk])).json()
    assert hidden["visible"] is False and hidden["reason"] == "too-few"
    assert hidden["responses"] is None and hidden["invited"] is None and hidden["questions"] == []
    rows = {row["id"]: row for row in client.get(reverse("api_survey_rounds", args=["platform"])).json()["results"]}
    assert rows[small.pk]["responses"] is None and rows[small.pk]["results_visible"] is False
    shown = client.get(reverse("api_survey_results", args=[ctx["round"].pk])).json()
    assert shown["visible"] is True and shown["responses"] == team.anonymity_minimum
    assert rows[ctx["round"].pk]["responses"] == team.anonymity_minimum


def test_a_read_only_token_cannot_write(ctx, member):
    client = client_for(member, scope="read")
    assert client.get(reverse("api_commitments")).status_code == 200
    response = client.post(reverse("api_commitments"), _create(ctx), format="json")
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    assert not Commitment.objects.filter(title="Write the API docs").exists()


def test_a_check_in_written_through_the_api_is_the_one_the_week_page_shows(ctx, client, member, team):
    api = client_for(member)
    first = api.post(reverse("api_checkins"), _checkin(ctx), format="json")
    assert first.status_code == 201
    body = first.json()
    stale = api.post(reverse("api_checkins"), {**_checkin(ctx), "mood": 2}, format="json")
    assert stale.status_code == 409  # no version: it would overwrite the saved one
    assert stale.json()["current"]["id"] == body["id"]
    edit = api.post(reverse("api_checkins"), {**_checkin(ctx), "mood": 2, "version": body["version"]}, format="json")
    assert edit.status_code == 200 and edit.json()["mood"] == 2
    client.force_login(member)
    assert "Good week" in client.get(reverse("this_week", args=[team.slug])).content.decode()
    assert CheckIn.objects.get(pk=body["id"]).mood == 2


def test_bad_input_is_a_400_with_field_messages(ctx, member):
    api = client_for(member)
    response = api.post(reverse("api_checkins"), {"team": "platform", "mood": 9, "week": "soon"}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"mood", "week"}
    past = api.post(reverse("api_commitments"), {**_create(ctx), "due_date": "2001-01-01"}, format="json")
    assert past.status_code == 400 and past.json()["errors"] == {"due_date": ["Pick today or a later date."]}
    renegotiate = api.post(
        reverse("api_commitment_renegotiate", args=[ctx["commitment"].pk]), {"new_due_date": "x"}, format="json"
    )
    assert renegotiate.status_code == 400 and set(renegotiate.json()["errors"]) == {"new_due_date", "note"}
    broken = api.post(reverse("api_checkins"), "{not json", content_type="application/json")
    assert broken.status_code == 400 and broken.json()["detail"]


def test_revoked_and_expired_tokens_are_refused(ctx, member):
    new = services.access_token_create(user=member, name="script", scope="read", lifetime_days=7)
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {new.raw}")
    assert client.get(reverse("api_me")).json()["email"] == member.email
    services.access_token_revoke(token=new.token, actor=member)
    refused = client.get(reverse("api_me"))
    assert refused.status_code == 401 and refused["WWW-Authenticate"].startswith("Bearer")
    assert refused.json() == {"detail": "That token was revoked."}
    later = services.access_token_create(user=member, name="later", scope="read", lifetime_days=7)
    later.token.expires_at = later.token.created_at - timedelta(seconds=1)
    later.token.save()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {later.raw}")
    assert client.get(reverse("api_me")).status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {later.raw[:-2]}xx")
    assert client.get(reverse("api_me")).status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Bearer")
    assert client.get(reverse("api_me")).status_code == 401


def test_a_session_opens_nothing_in_the_api(ctx, client, member):
    client.force_login(member)
    assert client.get(reverse("api_me")).status_code == 401


def test_a_week_before_2000_is_refused_and_weeks_are_always_four_digit_years(ctx, member):
    api = client_for(member)
    response = api.post(reverse("api_checkins"), {**_checkin(ctx), "week": "0829-W03"}, format="json")
    assert response.status_code == 400 and response.json()["errors"] == {"week": ["Give a week from the year 2000 on."]}
    old = CheckInFactory(member=member, team=ctx["team"], week=date(829, 1, 16))
    assert api.get(reverse("api_checkin", args=[old.pk])).json()["week"] == "0829-W03"
