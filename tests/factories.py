from datetime import timedelta

import factory
from factory.django import DjangoModelFactory

from accountability.models import (
    Commitment,
    CommitmentEvent,
    CommitmentSource,
    CommitmentStatus,
    Membership,
    Role,
    Team,
    User,
)
from checkins.models import CheckIn, Mood

TEST_PASSWORD = "correct-horse-battery"  # noqa: S105


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Faker("name")
    password = factory.django.Password(TEST_PASSWORD)


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")
    time_zone = "Europe/London"


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = Role.MEMBER


class CommitmentFactory(DjangoModelFactory):
    """A commitment written straight to the database (any week, past ones included), with the
    history row the service would have written when it was made. Outcomes, renegotiations and
    their rows are the test's to add: pass `status=...` and write the events it needs.

    The owner is not made a member of the team: the persona fixtures already are."""

    class Meta:
        model = Commitment
        skip_postgeneration_save = True

    owner = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    week = factory.LazyAttribute(lambda o: o.team.current_week().start)
    title = factory.Sequence(lambda n: f"Commitment {n}")
    due_date = factory.LazyAttribute(lambda o: o.week + timedelta(days=6))  # the week's Sunday
    status = CommitmentStatus.OPEN
    source = factory.LazyAttribute(
        lambda o: CommitmentSource.MANAGER if o.status == CommitmentStatus.PROPOSED else CommitmentSource.SELF
    )
    created_by = factory.SelfAttribute("owner")

    @factory.post_generation
    def created_event(obj, create, extracted, **kwargs):
        if create:
            first = CommitmentStatus.PROPOSED if obj.source == CommitmentSource.MANAGER else CommitmentStatus.OPEN
            CommitmentEvent.objects.create(
                commitment=obj, from_status="", to_status=first, actor=obj.created_by, created_at=obj.created_at
            )


class CheckInFactory(DjangoModelFactory):
    class Meta:
        model = CheckIn

    member = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    week = factory.LazyAttribute(lambda o: o.team.current_week().start)
    mood = Mood.GOOD
    highlights = factory.Faker("sentence")
