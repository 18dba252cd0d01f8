"""The pages that show a team's own check-in questions run as many queries with 1 question as
with 20, and with 1 week of answers as with 52: the week page, history, the dashboard (for its
manager and for an organisation admin) and the CSV export."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accountability.models import Role
from accountability.weeks import Week
from checkins import services
from checkins.models import Answer, CheckIn, QuestionKind

from ..factories import MembershipFactory, TeamFactory
from .test_queries import _count

KINDS = [QuestionKind.SCALE, QuestionKind.NUMBER, QuestionKind.YES_NO, QuestionKind.CHOICE, QuestionKind.SHORT_TEXT]
# With questions beyond the default set. Week page: +2 on the pinned 9 (the week's questions,
# the check-in's answers); history +2; dashboard +3 for managers (the versions in the range, the
# figures, the latest text answers), +2 for admins (no text); export +2 (the versions, the
# answers), and +1 when its weeks asked a question stored on the check-in (highlights...).
PINS = {"this_week": 11, "history": 10, "dashboard:manager": 24, "dashboard:org_admin": 21, "export": 20}
SHAPES = {"1 question, 1 week": (1, 1), "20 questions, 52 weeks": (20, 52), "1 question, 52 weeks": (1, 52)}


def _team_with(questions: int, weeks: int):
    team = TeamFactory(time_zone="Europe/London")
    manager = MembershipFactory(team=team, role=Role.MANAGER).user
    members = [MembershipFactory(team=team, role=Role.MEMBER).user for _ in range(3)]
    current = team.current_week()
    first = current.start - timedelta(weeks=weeks - 1)
    # The set is chosen the week before the first week of answers, so it is asked in all of them.
    with time_machine.travel(timezone.now() - timedelta(weeks=weeks), tick=False):
        specs = [
            {
                "kind": KINDS[i % len(KINDS)],
                "label": f"Question {i}",
                "choices": ["Tea", "Coffee"],
                "visibility": "shared" if i % 2 else "private",
            }
            for i in range(questions)
        ]
        asked = services.question_set_replace(team=team, questions=specs)
    checkins = [
        CheckIn(member=m, team=team, week=first + timedelta(weeks=w), mood=3) for m in members for w in range(weeks)
    ]
    CheckIn.objects.bulk_create(checkins, batch_size=2000)
    answers = []
    for checkin in checkins:
        for question in asked:
            text = {"choice": "Tea", "short_text": "Fine"}.get(question.kind, "")
            number = {"scale": Decimal(4), "number": Decimal("2.5"), "yes_no": Decimal(1)}.get(question.kind)
            answers.append(Answer(checkin=checkin, question=question, number=number, text=text))
    Answer.objects.bulk_create(answers, batch_size=5000)
    return team, manager, members[0], f"?from={Week(first).label}&to={current.label}"


@pytest.mark.parametrize("page", list(PINS))
def test_question_pages_do_not_grow_with_questions_or_weeks(client, personas, page):
    counts = {}
    for label, (questions, weeks) in SHAPES.items():
        team, manager, member, weeks_asked = _team_with(questions, weeks)
        viewer = {"this_week": member, "history": member, "dashboard:org_admin": personas["org_admin"]}.get(
            page, manager
        )
        client.force_login(viewer)
        url = {
            "this_week": reverse("this_week", args=[team.slug]),
            "history": reverse("history", args=[team.slug]),
            "export": reverse("team_dashboard_export", args=[team.slug]) + weeks_asked,
        }.get(page, reverse("team_dashboard", args=[team.slug]) + weeks_asked)
        client.get(url)  # the first visit may store the current team in the session
        cache.clear()  # the figures computed afresh, not read back (dashboard/freshness.py)
        counts[label] = _count(client, url)
    assert set(counts.values()) == {PINS[page]}, counts


def test_the_dashboard_shows_each_question_of_twenty(client, db):
    team, manager, _, _ = _team_with(20, 2)
    client.force_login(manager)
    response = client.get(reverse("team_dashboard", args=[team.slug]) + "?weeks=4")
    cards = response.context["dashboard"].questions
    assert [card.figures.label for card in cards] == [f"Question {i}" for i in range(20)]
    scale = cards[0]
    assert [value for value, _ in scale.figures.weekly][-2:] == [4.0, 4.0]
    assert cards[3].distribution == [("Tea", 6, 100)]
    assert len(cards[4].figures.texts) == 6
