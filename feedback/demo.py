"""Demo anonymous feedback and survey rounds (see `manage.py seed_demo`).

The demo thread's follow-up code is fixed and documented in the README, so a newcomer can try
the anonymous follow-up page; a real code is random and shown once.
"""

import random
from datetime import datetime, time, timedelta

from accountability.models import Membership, Role
from accountability.weeks import local_instant

from . import services
from .models import (
    Author,
    FeedbackMessage,
    FeedbackThread,
    QuestionKind,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
    SurveyRound,
    SurveyTemplate,
    ThreadStatus,
)

DEMO_CODE = "DEMO-CODE-FORT-HEAM-IDEA-2026"
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
    for team in teams:
        members = [m.user for m in Membership.objects.filter(team=team, role=Role.MEMBER).select_related("user")]
        managers = [m.user for m in Membership.objects.filter(team=team, role=Role.MANAGER).select_related("user")]
        if template is not None and not SurveyRound.objects.filter(team=team).exists():
            added += _seed_rounds(rng, team, template, members, managers, now)
        if team.slug == "platform" and not FeedbackThread.objects.filter(team=team).exists():
            added += _seed_feedback(team, managers, now)
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
                    value = 6 - base if q.reverse_scored else base
                    answers.append(SurveyAnswer(response=response, question=q, value=max(1, min(5, value))))
                elif q.kind == QuestionKind.TEXT:
                    text = rng.choice(COMMENTS)
                    if text:
                        answers.append(SurveyAnswer(response=response, question=q, text=text))
            SurveyAnswer.objects.bulk_create(answers)
            added += 1 + len(answers)
    return added


def _seed_feedback(team, managers, now) -> int:
    today = team.today(now)
    thread = FeedbackThread.objects.create(
        team=team,
        to_admins=services.goes_to_admins(team),
        category="process",
        status=ThreadStatus.IN_PROGRESS,
        code_hash=services.code_hash(DEMO_CODE),
        created_on=today - timedelta(days=9),
        updated_on=today - timedelta(days=8),
        released_on=today - timedelta(days=8),  # the daily release, the morning after
    )
    FeedbackMessage.objects.create(
        thread=thread,
        position=1,
        author_kind=Author.WRITER,
        body="Our planning meeting runs long and the quieter people rarely get a word in. Could we try "
        "writing ideas down first?",
        created_on=thread.created_on,
        released_on=thread.released_on,
    )
    if managers:
        FeedbackMessage.objects.create(
            thread=thread,
            position=2,
            author_kind=Author.MANAGER,
            manager=managers[0],
            body="Thank you for saying this. Let's try five minutes of silent writing at the start of the "
            "next two planning meetings, then review.",
            created_on=today - timedelta(days=8),
            released_on=today - timedelta(days=8),
        )
    second = FeedbackThread.objects.create(
        team=team,
        to_admins=thread.to_admins,
        category="appreciation",
        code_hash=services.code_hash(services.code_new()),
        created_on=today - timedelta(days=2),
        updated_on=today - timedelta(days=2),
        released_on=today - timedelta(days=1),
    )
    FeedbackMessage.objects.create(
        thread=second,
        position=1,
        author_kind=Author.WRITER,
        body="The new on-call handbook made my first week on call much calmer. Thanks to whoever wrote it.",
        created_on=second.created_on,
        released_on=second.released_on,
    )
    return 5
