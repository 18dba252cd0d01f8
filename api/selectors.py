"""Reads for the profile panel and the calendar feed."""

from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accountability import selectors as core_selectors
from accountability.models import Commitment, CommitmentStatus, Team, User

from .forms import AccessTokenForm
from .models import AccessToken, CalendarFeed
from .services import calendar_feed_token

# Tokens listed on the profile page: the newest, active or not.
TOKENS_SHOWN = 20


def calendar_feed_url(feed: CalendarFeed) -> str:
    return settings.SITE_URL + reverse("calendar_feed", args=[calendar_feed_token(feed)])


def profile_panel(*, user: User) -> dict:
    """The API panel of the profile page: tokens (never their values) and the calendar feed."""
    now = timezone.now()
    tokens = list(AccessToken.objects.filter(user=user)[:TOKENS_SHOWN])
    for token in tokens:
        token.active = token.is_active(now)
    feed = CalendarFeed.objects.filter(user=user).first()
    return {
        "tokens": tokens,
        "form": AccessTokenForm(),
        "feed_url": calendar_feed_url(feed) if feed else None,
    }


def open_commitments_for_calendar(*, user: User, since) -> list[Commitment]:
    """The person's own commitments still to do (open or proposed to them) due on or after
    `since`: their due dates go in the calendar feed."""
    return list(
        Commitment.objects.filter(
            owner=user, status__in=[CommitmentStatus.OPEN, CommitmentStatus.PROPOSED], due_date__gte=since
        )
        .select_related("team")
        .order_by("due_date", "pk")
    )


def teams_for_calendar(user: User) -> list[Team]:
    return list(core_selectors.teams_for_user(user, member_only=True))


def feed_window(now: datetime, *, back: timedelta, ahead: timedelta) -> tuple[datetime, datetime]:
    return now - back, now + ahead
