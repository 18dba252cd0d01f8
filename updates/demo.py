"""Demo history for the updates app: the organisation's values, a few months of team updates
(most read), thanks between people, and one manager change (a departure) in Customer Success."""

from datetime import datetime, timedelta

from accountability.models import LeadershipEvent, Membership, Role, Team, User

from .markdown import render_markdown
from .models import Recognition, RecognitionRecipient, Update, UpdateRead, Value

VALUES = [
    ("Candour, kindly", "We say the hard thing early, and with care."),
    ("Ownership", "We choose our commitments and keep them, or renegotiate in time."),
    ("Curiosity", "When something slips we ask what got in the way, not who is to blame."),
    ("Craft", "We leave the work better than we found it."),
]

UPDATES = [
    (
        "Quarterly priorities are set",
        "We decided to **focus on reliability** this quarter.\n\n- fewer pages\n- faster deploys",
    ),
    ("On-call rota changes", "From next month the rota is *weekly*, not daily. Why: fewer hand-offs."),
    ("Hiring update", "We are hiring two engineers. See the [job page](https://example.org/jobs)."),
    ("Roadmap review moved", "The review moves to Thursdays so everyone's time zone gets a sensible hour."),
]

THANKS = [
    ("priya@demo.example", ["tom@demo.example"], [0], "Tom walked me through the deploy pipeline twice, patiently."),
    ("tom@demo.example", ["ines@demo.example", "ravi@demo.example"], [1, 3], "The flaky test hunt: thank you both."),
    ("lee@demo.example", ["kwame@demo.example"], [2], "Kwame asked the question nobody else did in the retro."),
    ("sofia@demo.example", ["lee@demo.example"], [1], "Lee took the customer escalation on a Friday evening."),
]


def seed_history(*, teams: list[Team], now: datetime) -> int:
    if Value.objects.exists():
        return 0
    added = 0
    values = []
    for order, (name, meaning) in enumerate(VALUES, start=1):
        values.append(Value.objects.create(name=name, meaning=meaning, order=order))
        added += 1
    people = {user.email: user for user in User.objects.filter(email__endswith="@demo.example")}
    for team in teams:
        managers = list(Membership.objects.filter(team=team, role=Role.MANAGER).select_related("user"))
        members = list(Membership.objects.filter(team=team, role=Role.MEMBER).values_list("user_id", flat=True))
        if not managers:
            continue
        for i in range(12):
            title, body = UPDATES[i % len(UPDATES)]
            posted = now - timedelta(days=7 * i + 2)
            update = Update.objects.create(
                team=team,
                author=managers[0].user,
                title=title,
                body=body,
                body_html=render_markdown(body),
                created_at=posted,
            )
            added += 1
            readers = members[: max(0, len(members) - (i % 3))] if i else members[:1]
            UpdateRead.objects.bulk_create(
                [
                    UpdateRead(update=update, user_id=uid, read_at=posted + timedelta(days=1 + (i % 9)))
                    for uid in readers
                ]
            )
    for weeks_ago in range(0, 12, 3):
        for giver, recipients, value_idx, message in THANKS:
            if giver not in people or any(r not in people for r in recipients):
                continue
            recognition = Recognition.objects.create(
                giver=people[giver], message=message, created_at=now - timedelta(days=7 * weeks_ago + 1)
            )
            recognition.values.set([values[i] for i in value_idx])
            RecognitionRecipient.objects.bulk_create(
                [RecognitionRecipient(recognition=recognition, user=people[r]) for r in recipients]
            )
            added += 1
    # The demo's people "joined" when the seed ran: their leadership history starts a year ago.
    LeadershipEvent.objects.filter(team__in=teams, at__gte=now - timedelta(hours=1)).update(
        at=now - timedelta(weeks=52)
    )
    # One manager change: Customer Success's former manager (whose account is gone) left eight
    # weeks ago and Sam took over.
    team = next((t for t in teams if t.slug == "customer-success"), None)
    if team is not None:
        LeadershipEvent.objects.filter(team=team, to_role=Role.MANAGER, from_role="").update(
            at=now - timedelta(weeks=8)
        )
        LeadershipEvent.objects.create(
            team=team,
            user=None,
            person_name="Jordan Avery",
            from_role=Role.MANAGER,
            to_role="",
            manager_change=True,
            at=now - timedelta(weeks=8),
        )
        added += 1
    return added
