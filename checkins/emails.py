"""One function per email kind of the check-ins app (see accountability/outbox/)."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from django.conf import settings
from django.urls import reverse

from accountability.models import OutboundEmail, Team, User
from accountability.outbox import outbox_enqueue
from accountability.weeks import Week


def _names(people: list[User]) -> str:
    """ "Mona", "Mona and Sam", "Mona, Sam and Lee"."""
    names = [person.name for person in people]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def replies(*, team: Team, member: User, authors: list[User], dedupe_key: str) -> OutboundEmail | None:
    """ "You have replies": one per member, team and batch window, naming everyone who replied
    and linking to the week page; the replies themselves stay in the app."""
    return outbox_enqueue(
        kind="replies",
        dedupe_key=dedupe_key,
        to_email=member.email,
        recipient=member,
        context={
            "team": team,
            "member": member,
            "authors": authors,
            "authors_named": _names(authors),
            "url": settings.SITE_URL + reverse("this_week", args=[team.slug]),
        },
    )


@dataclass(frozen=True)
class Thread:
    """A thread someone wrote in: a check-in (and its week) or a commitment (and its title)."""

    # The values a Comment query gives for it, in this order.
    FIELDS: ClassVar[tuple[str, ...]] = ("checkin_id", "checkin__week", "commitment_id", "commitment__title")

    checkin_id: int | None
    week: date | None
    commitment_id: int | None
    title: str | None

    @property
    def label(self) -> str:
        if self.checkin_id is not None:
            return f"the check-in for week {Week.containing(self.week).number}"
        return f"“{self.title}”"

    @property
    def url(self) -> str:
        if self.checkin_id is not None:
            path = reverse("checkin_detail", args=[self.checkin_id])
        else:
            path = reverse("commitment_detail", args=[self.commitment_id])
        return f"{settings.SITE_URL}{path}#replies"


def replies_from_members(
    *, team: Team, manager: User, answers: list[tuple[User, list[Thread]]], dedupe_key: str
) -> OutboundEmail | None:
    """To one of a team's managers: the members who answered in their threads during a batch
    window, each with a link to where they wrote. The answers themselves stay in the app."""
    return outbox_enqueue(
        kind="replies_from_members",
        dedupe_key=dedupe_key,
        to_email=manager.email,
        recipient=manager,
        context={
            "team": team,
            "manager": manager,
            "answers": answers,
            "members_named": _names([member for member, _ in answers]),
        },
    )


def checkin_reminder(
    *, kind: str, team: Team, member: User, week: Week, due_at: datetime, closes_at: datetime, dedupe_key: str
) -> OutboundEmail | None:
    """The check-in reminder (at the team's check-in time) or the nudge (before the week
    closes), to a member who hasn't checked in. Times read in the member's own zone."""
    return outbox_enqueue(
        kind=kind,
        dedupe_key=dedupe_key,
        to_email=member.email,
        recipient=member,
        context={
            "team": team,
            "member": member,
            "week": week,
            "due_at": due_at,
            "closes_at": closes_at,
            "url": settings.SITE_URL + reverse("this_week", args=[team.slug]),
        },
    )
