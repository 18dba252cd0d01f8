"""Demo survey rounds (see `manage.py seed_demo`): a few closed rounds of the built-in trust
pulse for each team, answered by nearly everyone, a little warmer each time."""

import random
from datetime import datetime, time, timedelta

from accountability.models import Membership, Role
from accountability.weeks import local_instant

from . import services
from .models import (
    QuestionKind,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
    SurveyRound,
    SurveyTemplate,
    agreement_score,
)

PAST_ROUNDS = 3
COMMENTS = [
    "Retros feel safer than they did in spring.",
    "I'd like more say in how we split the on-call work.",
    "Thank you for answering the support questions so quickly.",
    "",
]


def seed_history(*, teams, now: datetime) -> int:
    rng = random.Random(7)  # noqa: S311 - demo data only
    added = 0
    template = SurveyTemplate.objects.filter(built_in=True).first()
    if template is None:
        return 0
    for team in teams:
        if SurveyRound.objects.filter(team=team).exists():
            continue
        members = [m.user for m in Membership.objects.filter(team=team, role=Role.MEMBER).select_related("user")]
        managers = [m.user for m in Membership.objects.filter(team=team, role=Role.MANAGER).select_related("user")]
        added += _seed_rounds(rng, team, template, members, managers, now)
    return added


def _seed_rounds(rng, team, template, members, managers, now) -> int:
    added = 0
    questions = list(template.questions.all())
    today = team.today(now)
    for back in range(PAST_ROUNDS, 0, -1):
        opens_on = today - timedelta(weeks=4 * back)
        round = SurveyRound.objects.create(
            team=team,
            template=template,
            opens_at=local_instant(opens_on, time(9, 0), team.tz),
            closes_at=local_instant(opens_on + timedelta(days=7), time(17, 0), team.tz),
            created_by=managers[0] if managers else None,
            invited=True,
            closed=True,
        )
        added += 1
        # Nearly everyone answers; answers drift a little warmer each round.
        answering = members if back != 2 else members[:-1]
        for index, user in enumerate(members):
            SurveyInvitation.objects.create(
                round=round,
                user=user,
                token_hash=services.survey_token_hash(f"demo-{round.pk}-{user.pk}-{index}"),
                answered=user in answering,
            )
            added += 1
        for _ in answering:
            response = SurveyResponse.objects.create(round=round)
            answers = []
            for q in questions:
                if q.kind == QuestionKind.AGREEMENT:
                    base = rng.choice([3, 4, 4, 5]) - (1 if back == PAST_ROUNDS and rng.random() < 0.4 else 0)
                    value = agreement_score(base, reverse_scored=q.reverse_scored)
                    answers.append(SurveyAnswer(response=response, question=q, value=max(1, min(5, value))))
                elif q.kind == QuestionKind.TEXT:
                    text = rng.choice(COMMENTS)
                    if text:
                        answers.append(SurveyAnswer(response=response, question=q, text=text))
            SurveyAnswer.objects.bulk_create(answers)
            added += 1 + len(answers)
    return added
