"""Who sees which answers to the team's own questions: a private answer is its member's and the
team's managers'; a shared one also the teammates' (on the team page). Managers of another team
see neither; organisation admins see the team's figures, never what a person wrote. And the CSV
gains a column per question, under the wording of its weeks."""

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from checkins import services
from checkins.models import QuestionKind, Visibility

PRIVATE = "Something private for my manager 7f3a"
SHARED = "Shipped the importer for everyone 9c1d"
SCALE_LABEL = "How focused was your week?"


@pytest.fixture
def answered(team, member, teammate, manager):
    """Next week asks a private and a shared question and a scale; the member answers all."""
    with time_machine.travel(datetime(2026, 3, 11, 10, 0, tzinfo=UTC), tick=False) as clock:
        private = services.question_add(team=team, kind=QuestionKind.LONG_TEXT, label="Just for my manager")
        shared = services.question_add(
            team=team, kind=QuestionKind.SHORT_TEXT, label="What I shipped", visibility=Visibility.SHARED
        )
        scale = services.question_add(team=team, kind=QuestionKind.SCALE, label=SCALE_LABEL)
        clock.move_to(datetime(2026, 3, 18, 10, 0, tzinfo=UTC))
        week = team.current_week()
        result = services.checkin_submit(
            member=member,
            team=team,
            week=week,
            mood=4,
            answers={str(private.key): PRIVATE, str(shared.key): SHARED, str(scale.key): 2},
        )
        yield {"checkin": result.checkin, "week": week, "scale": scale}


def _page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    return response.status_code, response.content.decode() if response.status_code == 200 else ""


@pytest.mark.parametrize(
    ("persona", "status", "sees_private"),
    [
        ("member", 200, True),
        ("manager", 200, True),
        ("teammate", 404, False),
        ("other_manager", 404, False),
        ("org_admin", 404, False),
    ],
)
def test_the_check_in_page_shows_every_answer_to_its_member_and_managers_only(
    client, personas, answered, persona, status, sees_private
):
    code, body = _page(client, personas[persona], reverse("checkin_detail", args=[answered["checkin"].pk]))
    assert code == status
    assert (PRIVATE in body) is sees_private
    assert (SHARED in body) is sees_private


@pytest.mark.parametrize(
    ("persona", "status", "sees_shared"),
    [
        ("member", 200, True),
        ("teammate", 200, True),
        ("manager", 200, True),
        ("other_manager", 404, False),
        # The team page is open to organisation admins; what its people shared is not.
        ("org_admin", 200, False),
    ],
)
def test_the_team_page_shows_shared_answers_to_the_teams_people_never_private_ones(
    client, personas, answered, persona, status, sees_shared
):
    team = answered["checkin"].team
    with time_machine.travel(datetime(2026, 3, 18, 12, 0, tzinfo=UTC), tick=False):
        code, body = _page(client, personas[persona], reverse("team_detail", args=[team.slug]))
    assert code == status
    assert (SHARED in body) is sees_shared
    assert PRIVATE not in body


@pytest.mark.parametrize(
    ("persona", "status", "sees_text"),
    [
        ("manager", 200, True),
        ("org_admin", 200, False),
        ("member", 404, False),
        ("teammate", 404, False),
        ("other_manager", 404, False),
    ],
)
def test_the_dashboard_lists_text_answers_for_managers_only(client, personas, answered, persona, status, sees_text):
    team = answered["checkin"].team
    with time_machine.travel(datetime(2026, 3, 18, 12, 0, tzinfo=UTC), tick=False):
        code, body = _page(client, personas[persona], reverse("team_dashboard", args=[team.slug]))
    assert code == status
    assert (PRIVATE in body) is sees_text
    assert (SHARED in body) is sees_text
    if code == 200:
        assert SCALE_LABEL in body


def test_an_admin_sees_no_single_persons_scale_answer(client, org_admin, manager, answered):
    team = answered["checkin"].team
    with time_machine.travel(datetime(2026, 3, 18, 12, 0, tzinfo=UTC), tick=False):
        client.force_login(org_admin)
        cards = client.get(reverse("team_dashboard", args=[team.slug])).context["dashboard"].questions
        scale = next(c for c in cards if c.figures.label == SCALE_LABEL)
        assert all(v is None for v in scale.chart.config["datasets"][0]["data"])
        assert scale.hidden_below == team.anonymity_minimum
        client.force_login(manager)
        cards = client.get(reverse("team_dashboard", args=[team.slug])).context["dashboard"].questions
        scale = next(c for c in cards if c.figures.label == SCALE_LABEL)
        assert scale.chart.config["datasets"][0]["data"][-1] == 2


def _csv(client, user, team) -> list[list[str]]:
    client.force_login(user)
    response = client.get(reverse("team_dashboard_export", args=[team.slug]) + "?weeks=4")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_csv_has_a_column_per_question_under_each_weeks_wording(client, team, member, manager, org_admin, answered):
    with time_machine.travel(datetime(2026, 3, 18, 12, 0, tzinfo=UTC), tick=False) as clock:
        services.question_update(team=team, key=answered["scale"].key, label="How deep was your focus?")
        clock.move_to(datetime(2026, 3, 25, 12, 0, tzinfo=UTC))
        services.checkin_submit(
            member=member, team=team, week=team.current_week(), mood=3, answers={str(answered["scale"].key): 5}
        )
        rows = _csv(client, manager, team)
        header = rows[0]
        for label in ("Highlights", "Just for my manager", "What I shipped", SCALE_LABEL, "How deep was your focus?"):
            assert label in header
        mine = next(row for row in rows if row[0] == member.name)
        cell = dict(zip(header, mine, strict=True))
        assert cell[SCALE_LABEL] == "2"
        assert cell["How deep was your focus?"] == "5"
        assert cell["What I shipped"].endswith(SHARED)
        # Organisation admins: the team's figures, not what each person answered.
        admin_rows = _csv(client, org_admin, team)
        assert "What I shipped" not in admin_rows[0]
        assert not any(PRIVATE in cell for row in admin_rows for cell in row)


def test_a_question_label_cannot_become_a_spreadsheet_formula(client, team, member, manager):
    with time_machine.travel(datetime(2026, 3, 11, 10, 0, tzinfo=UTC), tick=False) as clock:
        services.question_add(team=team, kind=QuestionKind.SHORT_TEXT, label="=HYPERLINK(1)")
        clock.move_to(datetime(2026, 3, 18, 10, 0, tzinfo=UTC))
        header = _csv(client, manager, team)[0]
    assert "'=HYPERLINK(1)" in header
