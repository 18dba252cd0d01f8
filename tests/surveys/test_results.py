"""A round's results: nothing at all below the anonymity threshold, everything at it; reverse
scoring; comments only when enough people wrote one; the CSV; the trend across rounds."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from surveys import selectors
from surveys.models import QuestionKind, Strategy

from ..factories import MembershipFactory
from .factories import add_response, add_responses, invite, make_round, make_template

pytestmark = pytest.mark.django_db

COMMENT = "Stand-ups could be shorter."


def closed_round(team, *, days_ago: int = 1, **kwargs):
    now = timezone.now()
    return make_round(
        team,
        opens_at=now - timedelta(days=days_ago + 7),
        closes_at=now - timedelta(days=days_ago),
        closed=True,
        **kwargs,
    )


def results_section(response) -> str:
    body = response.content.decode()
    start = body.index('<section id="survey-results"')
    end = body.index("</main>")
    return body[start:end]


def get_results(client, round):
    return client.get(reverse("survey_results", args=[round.pk]))


def get_csv(client, round):
    return client.get(reverse("survey_results_export", args=[round.pk]))


# --- The threshold ---------------------------------------------------------------------------


def test_one_response_short_of_the_threshold_shows_nothing_at_all(client, team, manager, crowd, member):
    round = closed_round(team)
    add_responses(round, team.anonymity_threshold - 1, value=2, comment=COMMENT, users=[member, *crowd])
    client.force_login(manager)

    response = get_results(client, round)

    assert response.status_code == 200
    section = results_section(response)
    assert "Not enough responses to protect anonymity." in section
    # Not a single figure: the only number in the section is the threshold itself.
    assert re.findall(r"\d+(?:\.\d+)?", re.sub(r"<[^>]+>", " ", section)) == [str(team.anonymity_threshold)]
    body = response.content.decode()
    assert COMMENT not in body
    assert "survey_trend" not in body and "<canvas" not in body and "<progress" not in body
    assert response.context["questions"] == [] and response.context["strategies"] == []
    assert reverse("survey_results_export", args=[round.pk]) not in body
    assert get_csv(client, round).status_code == 404


def test_at_the_threshold_everything_shows(client, team, manager, crowd, member, teammate):
    round = closed_round(team)
    add_responses(round, team.anonymity_threshold, value=4, comment=COMMENT, users=[member, teammate, *crowd])
    invite(round, MembershipFactory(team=team).user)  # and one who didn't answer
    client.force_login(manager)

    response = get_results(client, round)

    section = results_section(response)
    assert "Not enough responses" not in section
    assert "5 of 6 invited answered\n        (83%)" in section
    assert "Average <strong>4.0</strong>" in section
    assert "Average <strong>2.0</strong>" in section  # the reverse-scored statements, all answered 4
    assert section.count(COMMENT) == team.anonymity_threshold
    assert 'data-chart="survey_trend"' in section
    assert reverse("survey_results_export", args=[round.pk]) in response.content.decode()
    assert get_csv(client, round).status_code == 200


def test_an_open_round_shows_nothing_however_many_answered(client, team, manager):
    round = make_round(team)
    add_responses(round, 10, comment=COMMENT)
    client.force_login(manager)

    response = get_results(client, round)

    section = results_section(response)
    assert "Results appear when the survey closes" in section
    assert re.findall(r"\d+", re.sub(r"<[^>]+>", " ", section)) == [str(team.anonymity_threshold)]
    assert COMMENT not in response.content.decode()
    assert get_csv(client, round).status_code == 404


def test_the_threshold_is_the_team_s_and_never_below_three(client, team, manager):
    team.anonymity_threshold = 3
    team.save()
    round = closed_round(team)
    add_responses(round, 3)
    assert selectors.round_results(round).visible
    round_below = closed_round(team, days_ago=20)
    add_responses(round_below, 2)
    assert not selectors.round_results(round_below).visible

    team.anonymity_threshold = 8
    team.save()
    add_responses(round, 4)
    assert not selectors.round_results(round).visible  # 7 < 8


def test_comments_show_only_when_enough_people_wrote_one(client, team, manager):
    round = closed_round(team)
    add_responses(round, 3, comment=COMMENT)
    add_responses(round, 3)  # six responses, three comments
    client.force_login(manager)

    section = results_section(get_results(client, round))

    assert "Average <strong>4.0</strong>" in section  # the statements show...
    assert COMMENT not in section  # ... their comments do not
    assert "Too few people wrote something here" in section
    rows = list(csv.reader(io.StringIO(get_csv(client, round).getvalue().decode().lstrip("\ufeff"))))
    assert not [row for row in rows if COMMENT in row]

    add_responses(round, 2, comment=COMMENT)  # five comments now
    section = results_section(get_results(client, round))
    assert section.count(COMMENT) == 5


def test_an_optional_statement_answered_by_too_few_is_left_out(client, team, manager):
    template = make_template(
        [
            {"text": "We finish what we start.", "kind": QuestionKind.AGREEMENT, "strategy": "accountability"},
            {"text": "Optional: pairing helps.", "kind": QuestionKind.AGREEMENT, "required": False},
        ]
    )
    round = closed_round(team, template=template)
    first, optional = template.questions.all()
    for value in (4, 4, 4, 4, 4):
        add_response(round, {first: value})
    for value in (1, 2):
        add_response(round, {first: 5, optional: value})
    client.force_login(manager)

    section = results_section(get_results(client, round))

    assert "Too few people answered this one" in section
    results = selectors.round_results(round)
    assert [item.distribution for item in results.questions][1] == []
    assert results.questions[1].mean is None


# --- Reverse scoring -------------------------------------------------------------------------


def test_reverse_scoring_on_known_answers(client, team, manager):
    template = make_template(
        [
            {"text": "People here own their mistakes.", "kind": QuestionKind.AGREEMENT, "strategy": "accountability"},
            {
                "text": "Blame is the first reaction here.",
                "kind": QuestionKind.AGREEMENT,
                "strategy": "accountability",
                "reverse_scored": True,
            },
            {"text": "How likely would you recommend us?", "kind": QuestionKind.SCALE_10},
        ]
    )
    round = closed_round(team, template=template)
    plain, reverse, scale = template.questions.all()
    for p, r, s in [(5, 2, 10), (5, 2, 9), (4, 1, 7), (3, 5, 3), (1, 4, 0)]:
        add_response(round, {plain: p, reverse: r, scale: s})

    results = selectors.round_results(round)

    by_text = {item.question.pk: item for item in results.questions}
    assert by_text[plain.pk].mean == pytest.approx(18 / 5)  # 3.6
    # Raw answers 2, 2, 1, 5, 4 score 4, 4, 5, 1, 2.
    assert by_text[reverse.pk].mean == pytest.approx(16 / 5)  # 3.2
    assert by_text[reverse.pk].distribution == [("1", 1), ("2", 2), ("3", 0), ("4", 1), ("5", 1)]  # as answered
    assert by_text[scale.pk].mean == pytest.approx(29 / 5)
    assert results.strategies == {Strategy.ACCOUNTABILITY: pytest.approx(34 / 10)}
    # Scores 1 to 5 over both statements: 1,3,4,5,5 and 1,2,4,4,5.
    assert results.strategy_distributions[Strategy.ACCOUNTABILITY] == [
        ("1", 2),
        ("2", 1),
        ("3", 1),
        ("4", 3),
        ("5", 3),
    ]

    client.force_login(manager)
    section = results_section(get_results(client, round))
    assert "Average <strong>3.6</strong>" in section
    assert "Average <strong>3.2</strong>" in section
    assert "of 5, turned round" in section
    assert "Average <strong>5.8</strong>" in section
    assert re.search(r"Accountability</span>\s*<span[^>]*>3\.4", section)

    rows = list(csv.reader(io.StringIO(get_csv(client, round).getvalue().decode().lstrip("\ufeff"))))
    means = {(row[0], row[1] or row[2]): row[5] for row in rows[1:] if row[5]}
    assert means[("Question", "People here own their mistakes.")] == "3.60"
    assert means[("Question", "Blame is the first reaction here.")] == "3.20"
    assert means[("Strategy", "Accountability")] == "3.40"


# --- The CSV ---------------------------------------------------------------------------------


def test_the_csv_neutralises_formulas_and_says_what_is_what(client, team, manager, member, teammate, crowd):
    round = closed_round(team)
    formula = '=HYPERLINK("http://evil.example","click")'
    add_responses(round, 5, value=4, comment=formula, users=[member, teammate, *crowd])
    client.force_login(manager)

    response = get_csv(client, round)

    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    assert f"{team.slug}-survey-" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.getvalue().decode().lstrip("\ufeff"))))
    assert rows[0][:6] == ["Section", "Question", "Strategy", "Reverse-scored", "Answers", "Mean"]
    assert rows[1] == ["Participation", "", "", "", "5", "", "of 5 invited", "100.0%", ""]
    comments = [row[8] for row in rows if row[0] == "Comment"]
    assert len(comments) == 5
    assert all(comment.startswith("'=HYPERLINK") for comment in comments)
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell


# --- The trend across rounds -----------------------------------------------------------------


def test_the_trend_has_only_rounds_with_enough_answers_oldest_first(client, team, manager):
    older = closed_round(team, days_ago=60)
    add_responses(older, 5, value=3)
    too_few = closed_round(team, days_ago=30)
    add_responses(too_few, 4, value=1)
    latest = closed_round(team, days_ago=2)
    add_responses(latest, 6, value=5)
    make_round(team)  # open: never in the trend

    trend = selectors.strategy_trend(team)

    assert [item.round.pk for item in trend] == [older.pk, latest.pk]
    for item in trend:
        assert item.strategies == pytest.approx(selectors.round_results(item.round).strategies)
    assert selectors.strategy_trend(team, until=older)[-1].round.pk == older.pk

    client.force_login(manager)
    response = client.get(reverse("survey_rounds", args=[team.slug]))
    chart = response.context["charts_json"]["survey_trend"]
    assert len(chart["labels"]) == 2
    # The same figures as a table, for those who don't see the chart.
    body = response.content.decode()
    assert "as a table" in body
    assert "Psychological safety" in body


def test_the_surveys_page_runs_the_same_queries_however_many_rounds(client, team, manager):
    client.force_login(manager)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("survey_rounds", args=[team.slug]))
        assert response.status_code == 200
        return len(queries)

    add_responses(closed_round(team, days_ago=10), 5)
    one = count_queries()
    for n in range(1, 5):
        add_responses(closed_round(team, days_ago=10 + 14 * n), 5)
        make_round(team, opens_at=timezone.now() + timedelta(days=n), closes_at=timezone.now() + timedelta(days=n + 7))
    assert count_queries() == one
    assert one <= 8, one


def test_the_results_page_runs_the_same_queries_however_much_history(client, team, manager):
    round = closed_round(team)
    add_responses(round, 9, comment=COMMENT)
    client.force_login(manager)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert get_results(client, round).status_code == 200
        return len(queries)

    alone = count_queries()
    for n in range(4):
        add_responses(closed_round(team, days_ago=30 + 14 * n), 5 + n, comment=COMMENT)
    assert count_queries() == alone
    assert alone <= 11, alone


def test_an_org_admin_sees_results_but_not_the_controls(client, team, org_admin, member):
    round = closed_round(team)
    add_responses(round, 5)
    open_round = make_round(team)
    invite(open_round, member)
    client.force_login(org_admin)

    rounds_page = client.get(reverse("survey_rounds", args=[team.slug])).content.decode()
    assert reverse("survey_results", args=[round.pk]) in rounds_page
    assert reverse("survey_round_close", args=[open_round.pk]) not in rounds_page
    assert reverse("survey_schedule", args=[team.slug]) not in rounds_page
    assert "Average <strong>" in results_section(get_results(client, round))
