"""Twelve weeks of believable history for the demo organisation (see `manage.py seed_demo`).

Rows are written directly with back-dated timestamps: the services stamp "now", and a demo
needs a past. The mix is seeded, so every fresh demo looks the same. Managers' review comes
last: most check-ins acknowledged, older support requests answered, a few replies on check-ins
and on commitments that slipped; last week's still partly waiting, so "Needs you" has something
in it. Written straight to the tables, so the demo queues no emails.
"""

import random
from datetime import datetime, time, timedelta

from accountability.models import Commitment, CommitmentEvent, CommitmentSource, CommitmentStatus, Membership, Role
from accountability.weeks import Week, local_instant

from . import services
from .models import Answer, CheckIn, Comment, Question, QuestionKind
from .question_sets import BUILTIN_TEMPLATES
from .selectors import questions_for_week

HISTORY_WEEKS = 12

TITLES = [
    "Ship the billing retry fix",
    "Write the onboarding checklist",
    "Pair with a new teammate on the deploy pipeline",
    "Review the open pull requests by Wednesday",
    "Draft the Q1 roadmap notes",
    "Call three customers about the export feature",
    "Clean up the flaky integration tests",
    "Prepare the incident review",
    "Update the runbook for on-call",
    "Answer the support backlog older than a week",
    "Sketch the new settings page",
    "Migrate the reports job to the new queue",
    "Run the team retro",
    "Document the API rate limits",
    "Book a 1:1 with each new hire",
]
HIGHLIGHTS = [
    "Finally closed the long-running migration.",
    "Great pairing session on Tuesday.",
    "Customer call went well; they liked the new export.",
    "Learned a lot from the incident review.",
    "",
]
BLOCKERS = ["Waiting on access to the staging database.", "Too many meetings this week.", "Unclear priorities.", ""]
SUPPORT = ["Could we talk about priorities for next week?", "A review on my design doc would help.", ""]
OBSTACLES = ["An urgent incident took two days.", "I underestimated it.", "Waiting on another team."]
HELPS = ["Splitting it into smaller pieces.", "A second pair of eyes.", "Protected focus time."]
LESSONS = ["It wasn't the most important thing after all.", "Next time I'll check dependencies first."]
# A manager's replies, by what the check-in asked for.
SUPPORT_REPLIES = [
    "Yes, let's talk. I've put thirty minutes in both our calendars for Monday.",
    "Happy to. Send me the doc and I'll review it by Thursday.",
]
BLOCKER_REPLIES = [
    "Thanks for flagging it early. I'll chase it today and let you know.",
    "That's on me to unblock: I've raised it with the other team's lead.",
]
THANKS_REPLIES = [
    "Thank you for the honest update. Good to see the pairing paying off.",
    "Nice work this week. Anything you'd like to do differently next week?",
]
MEMBER_ANSWERS = ["Thank you, that helps a lot.", "Great, see you then."]
COMMITMENT_REPLIES = [
    "Thanks for saying what got in the way. Shall we split it into smaller pieces together?",
    "That's useful to know. I'll protect Thursday afternoon for focus time.",
]
# The teams' own questions: each demo team starts from a built-in template; Platform changes
# its set halfway through the history (a scale reworded, a number added), so the demo shows
# past weeks as they were asked and a rewording's figures kept apart.
DEMO_TEMPLATES = {"platform": "engineering-weekly", "customer-success": "one-to-one-prep"}
TEXT_ANSWERS = {
    QuestionKind.SHORT_TEXT: ["A quiet Friday", "Good coffee with the team", "A thoughtful review"],
    QuestionKind.LONG_TEXT: [
        "The retry fix and its tests; the runbook is half done.",
        "How we split on-call next quarter.",
        "Reviewed three pull requests and paired on the importer.",
    ],
}
# Hours from a check-in to its acknowledgement: mostly the same or the next working day.
ACK_DELAYS = [1, 2, 3, 5, 20, 26, 48]

OUTCOMES = [
    (CommitmentStatus.DONE, 55),
    (CommitmentStatus.PARTLY_DONE, 14),
    (CommitmentStatus.NOT_DONE, 9),
    (CommitmentStatus.RENEGOTIATED, 14),
    (CommitmentStatus.LET_GO, 8),
]


def _at(week: Week, weekday: int, hour: int, tz) -> datetime:
    return local_instant(week.day(weekday), time(hour, 0), tz)


def seed_history(*, teams, now: datetime) -> int:
    """Add history for every member of the given teams who has none yet; returns rows added."""
    rng = random.Random(2026)  # noqa: S311 - demo data only
    # The review has a generator of its own: adding it left the history above unchanged.
    review_rng = random.Random(4)  # noqa: S311 - demo data only
    # Answers to the teams' own questions have a generator of their own too.
    answer_rng = random.Random(14)  # noqa: S311 - demo data only
    added = 0
    for team in teams:
        tz = team.tz
        current = team.current_week(now)
        today = team.today(now)
        added += _seed_questions(team, current)
        people = list(Membership.objects.filter(team=team).select_related("user").order_by("user__email"))
        managers = [m.user for m in people if m.role == Role.MANAGER]
        for membership in people:
            if membership.role != Role.MEMBER:
                continue
            user = membership.user
            # They were in the team for all of their history: otherwise the figures would
            # expect no check-in before today and participation would always read 100%.
            history_starts = _at(Week(current.start - timedelta(weeks=HISTORY_WEEKS)), 0, 9, tz)
            Membership.objects.filter(pk=membership.pk, joined_at__gt=history_starts).update(joined_at=history_starts)
            # Each part is skipped once it exists: a second run adds nothing.
            if not Commitment.objects.filter(owner=user, team=team).exists():
                for back in range(HISTORY_WEEKS, 0, -1):
                    week = Week(current.start - timedelta(days=7 * back))
                    # Last week's first commitment stays open: "This week" shows it carried over.
                    added += _seed_week(
                        rng, team, user, managers, week, tz, today, leave_first_open=back == 1, answer_rng=answer_rng
                    )
                added += _seed_current_week(rng, team, user, current, tz, now)
            if managers and not _reviewed(team, user):
                added += _seed_review(review_rng, team, user, managers[0], current, now)
    return added


def _seed_questions(team, current: Week) -> int:
    """The team's questions over the history (once: a team with questions keeps them)."""
    template = next((t for t in BUILTIN_TEMPLATES if t["slug"] == DEMO_TEMPLATES.get(team.slug)), None)
    if template is None or Question.objects.filter(team=team).exists():
        return 0
    first = Week(current.start - timedelta(weeks=HISTORY_WEEKS))
    # Chosen the week before the history starts: a change applies from the next week.
    services.question_set_replace(team=team, questions=template["questions"], now=_at(first.previous(), 2, 12, team.tz))
    if team.slug == "platform":
        halfway = _at(Week(current.start - timedelta(weeks=HISTORY_WEEKS // 2 + 1)), 2, 12, team.tz)
        focus = Question.objects.filter(team=team, kind=QuestionKind.SCALE).get()
        services.question_update(
            team=team,
            key=focus.key,
            label="How much uninterrupted focus time did you get?",
            help_text="Blocks of an hour or more without meetings or pings.",
            visibility=focus.visibility,
            low_label=focus.low_label,
            high_label=focus.high_label,
            now=halfway,
        )
        services.question_add(team=team, kind=QuestionKind.NUMBER, label="Hours in meetings, roughly", now=halfway)
    return Question.objects.filter(team=team).count()


def _seed_answers(rng, checkin: CheckIn, questions: list[Question]) -> int:
    """Answers to the week's own questions; what the check-in stores itself is kept only when
    that week asked it."""
    asked = {q.special for q in questions if q.special}
    for name in ("highlights", "blockers", "support_requested"):
        if name not in asked:
            setattr(checkin, name, "")
    checkin.save(update_fields=["highlights", "blockers", "support_requested"])
    answers = []
    for question in questions:
        if question.special or rng.random() < 0.1:
            continue
        number, text = None, ""
        if question.kind == QuestionKind.SCALE:
            number = rng.choices([1, 2, 3, 4, 5], weights=[2, 8, 30, 40, 20])[0]
        elif question.kind == QuestionKind.NUMBER:
            number = rng.choice([3, 5, 6, 8, 10, 12])
        elif question.kind == QuestionKind.YES_NO:
            number = 1 if rng.random() < 0.3 else 0
        elif question.kind == QuestionKind.CHOICE:
            text = rng.choice(question.choices)
        else:
            text = rng.choice(TEXT_ANSWERS[question.kind])
        answers.append(Answer(checkin=checkin, question=question, number=number, text=text))
    Answer.objects.bulk_create(answers)
    return len(answers)


def _seed_week(
    rng, team, user, managers, week: Week, tz, today, leave_first_open: bool = False, answer_rng=None
) -> int:
    added = 0
    monday = _at(week, 0, 9, tz)
    for index in range(rng.randint(2, 4)):
        proposed = managers and rng.random() < 0.1
        due = week.day(rng.choice([2, 3, 4, 6]))
        commitment = Commitment.objects.create(
            owner=user,
            team=team,
            week=week.start,
            title=rng.choice(TITLES),
            due_date=due,
            status=CommitmentStatus.OPEN,
            source=CommitmentSource.MANAGER if proposed else CommitmentSource.SELF,
            created_by=managers[0] if proposed else user,
            created_at=monday,
        )
        CommitmentEvent.objects.create(
            commitment=commitment, from_status="", to_status=CommitmentStatus.OPEN, actor=user, created_at=monday
        )
        added += 2
        if leave_first_open and index == 0:
            continue
        outcome = rng.choices([o for o, _ in OUTCOMES], weights=[w for _, w in OUTCOMES])[0]
        # Most outcomes are recorded by the due date; some a little late.
        late_days = rng.choice([0, 0, 0, 1, 2])
        resolved_on = min(due + timedelta(days=late_days), week.end)
        if outcome == CommitmentStatus.RENEGOTIATED:
            resolved_on = due - timedelta(days=rng.choice([0, 1])) if rng.random() < 0.75 else resolved_on
            resolved_on = max(resolved_on, week.start)
        resolved_at = _at(Week.containing(resolved_on), resolved_on.weekday(), 17, tz)
        commitment.status = outcome
        commitment.resolved_on = resolved_on
        commitment.resolved_at = resolved_at
        note = ""
        if outcome in (CommitmentStatus.PARTLY_DONE, CommitmentStatus.NOT_DONE):
            commitment.obstacle = rng.choice(OBSTACLES)
            commitment.help_wanted = rng.choice(HELPS)
        elif outcome == CommitmentStatus.LET_GO:
            commitment.lesson = note = rng.choice(LESSONS)
        elif outcome == CommitmentStatus.RENEGOTIATED:
            note = "Priorities shifted; agreed a new date."
        commitment.save()
        event = CommitmentEvent.objects.create(
            commitment=commitment,
            from_status=CommitmentStatus.OPEN,
            to_status=outcome,
            actor=user,
            note=note,
            created_at=resolved_at,
        )
        added += 1
        if outcome == CommitmentStatus.RENEGOTIATED:
            new_due = due + timedelta(days=7)
            still_open = new_due >= today  # nothing is resolved in the future
            event.old_due_date, event.new_due_date = due, new_due
            event.save(update_fields=["old_due_date", "new_due_date"])
            successor = Commitment.objects.create(
                owner=user,
                team=team,
                week=Week.containing(resolved_on).start,
                title=commitment.title,
                due_date=new_due,
                status=CommitmentStatus.OPEN if still_open else CommitmentStatus.DONE,
                source=commitment.source,
                created_by=user,
                renegotiated_from=commitment,
                chain_root=commitment,
                created_at=resolved_at,
                resolved_on=None if still_open else new_due,
                resolved_at=None if still_open else _at(Week.containing(new_due), new_due.weekday(), 16, tz),
            )
            events = [
                CommitmentEvent(
                    commitment=successor,
                    from_status="",
                    to_status=CommitmentStatus.OPEN,
                    actor=user,
                    note=note,
                    old_due_date=due,
                    new_due_date=new_due,
                    created_at=resolved_at,
                ),
            ]
            if not still_open:
                events.append(
                    CommitmentEvent(
                        commitment=successor,
                        from_status=CommitmentStatus.OPEN,
                        to_status=CommitmentStatus.DONE,
                        actor=user,
                        created_at=successor.resolved_at,
                    )
                )
            CommitmentEvent.objects.bulk_create(events)
            added += 1 + len(events)
    if rng.random() < 0.88:
        due_at = team.checkin_due_at(week)
        late = rng.random() < 0.2
        submitted = (
            due_at + timedelta(hours=rng.choice([20, 44])) if late else due_at - timedelta(hours=rng.randint(1, 6))
        )
        checkin = CheckIn.objects.create(
            member=user,
            team=team,
            week=week.start,
            mood=rng.choices([1, 2, 3, 4, 5], weights=[3, 10, 30, 40, 17])[0],
            highlights=rng.choice(HIGHLIGHTS),
            blockers=rng.choice(BLOCKERS) if rng.random() < 0.35 else "",
            support_requested=rng.choice(SUPPORT) if rng.random() < 0.2 else "",
            submitted_at=submitted,
            updated_at=submitted,
            is_late=late,
        )
        added += 1
        if answer_rng is not None:
            added += _seed_answers(answer_rng, checkin, questions_for_week(team=team, week=week))
    return added


def _seed_current_week(rng, team, user, week: Week, tz, now: datetime) -> int:
    """This week: a couple of open commitments, so "This week" has something to review."""
    created = min(_at(week, 0, 9, tz), now)
    for _ in range(2):
        commitment = Commitment.objects.create(
            owner=user,
            team=team,
            week=week.start,
            title=rng.choice(TITLES),
            due_date=week.day(rng.choice([3, 4, 6])),
            created_by=user,
            created_at=created,
        )
        CommitmentEvent.objects.create(
            commitment=commitment, from_status="", to_status=CommitmentStatus.OPEN, actor=user, created_at=created
        )
    return 4


def _reviewed(team, user) -> bool:
    """The oldest check-in is always acknowledged, so this says the review was seeded."""
    return CheckIn.objects.filter(team=team, member=user, acknowledged_at__isnull=False).exists()


def _seed_review(rng, team, user, manager, current: Week, now: datetime) -> int:
    """A manager's review of a member's past weeks. Nothing later than a few minutes ago."""
    latest = now - timedelta(minutes=5)
    last_week = current.previous().start
    added = 0
    checkins = list(CheckIn.objects.filter(team=team, member=user, week__lt=current.start).order_by("week"))
    for index, checkin in enumerate(checkins):
        recent = checkin.week >= last_week
        # Older weeks are mostly acknowledged; last week's partly still wait in "Needs you".
        if index and rng.random() > (0.4 if recent else 0.85):
            continue
        acknowledged_at = min(checkin.submitted_at + timedelta(hours=rng.choice(ACK_DELAYS)), latest)
        if acknowledged_at <= checkin.submitted_at:
            continue
        checkin.acknowledged_at, checkin.acknowledged_by = acknowledged_at, manager
        fields = ["acknowledged_at", "acknowledged_by"]
        if checkin.support_requested and (not recent or rng.random() < 0.3):
            answered_at = min(acknowledged_at + timedelta(hours=rng.choice([2, 6, 24])), latest)
            checkin.support_answered_at, checkin.support_answered_by = answered_at, manager
            fields += ["support_answered_at", "support_answered_by"]
        checkin.save(update_fields=fields)
        added += 1
        if checkin.support_requested:
            body = rng.choice(SUPPORT_REPLIES)
        elif checkin.blockers:
            body = rng.choice(BLOCKER_REPLIES)
        else:
            body = rng.choice(THANKS_REPLIES)
        if checkin.support_requested or checkin.blockers or rng.random() < 0.2:
            # A manager's reply acknowledges: written at the acknowledgement. Last week's
            # replies are still unread, so "This week" shows them as new.
            seen_at = None if recent else min(acknowledged_at + timedelta(hours=18), latest)
            added += _comment(checkin=checkin, author=manager, body=body, at=acknowledged_at, seen_at=seen_at)
            answered = acknowledged_at + timedelta(hours=3)
            if seen_at is not None and answered <= latest and rng.random() < 0.4:
                added += _comment(checkin=checkin, author=user, body=rng.choice(MEMBER_ANSWERS), at=answered)
    slipped = Commitment.objects.filter(
        team=team,
        owner=user,
        week__lt=last_week,
        status__in=[CommitmentStatus.PARTLY_DONE, CommitmentStatus.NOT_DONE],
        resolved_at__isnull=False,
    ).order_by("week", "pk")
    for commitment in slipped:
        if rng.random() > 0.35:
            continue
        at = min(commitment.resolved_at + timedelta(hours=4), latest)
        added += _comment(
            commitment=commitment,
            author=manager,
            body=rng.choice(COMMITMENT_REPLIES),
            at=at,
            seen_at=min(at + timedelta(hours=18), latest),
        )
    return added


def _comment(*, author, body: str, at: datetime, seen_at=None, checkin=None, commitment=None) -> int:
    target = checkin or commitment
    Comment.objects.create(
        checkin=checkin,
        commitment=commitment,
        team_id=target.team_id,
        member_id=checkin.member_id if checkin else commitment.owner_id,
        author=author,
        body=body,
        created_at=at,
        seen_at=seen_at,
    )
    return 1
