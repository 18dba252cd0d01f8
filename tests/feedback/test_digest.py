"""Managers hear of new anonymous feedback once a day, through the outbox: how many, never what
was written, never the moment it arrived. The daily release queues the digest (see
test_release.py), so it tells exactly what was released."""

from datetime import UTC, datetime, timedelta

import pytest

from accountability.models import OutboundEmail, Role
from feedback import services

from ..factories import MembershipFactory
from .factories import FeedbackThreadFactory

# 09:00 in London (the team's zone): past the digest's hour.
MORNING = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
TODAY = MORNING.date()
YESTERDAY = TODAY - timedelta(days=1)


@pytest.fixture
def managers(team, manager, crowd):
    return [manager, MembershipFactory(team=team, role=Role.MANAGER, user__display_name="Max Second").user]


def _digests():
    return OutboundEmail.objects.filter(kind="feedback_digest")


def _waiting(**kwargs):
    """Feedback still waiting for the daily release."""
    return FeedbackThreadFactory(released_on=None, **kwargs)


def test_one_email_per_manager_with_the_count_only(team, managers):
    for body in ("Secret worry one", "Secret worry two"):
        _waiting(team=team, created_on=YESTERDAY, body=body)

    assert services.feedback_release(now=MORNING).digests == 2

    emails = list(_digests())
    assert sorted(email.to_email for email in emails) == sorted(m.email for m in managers)
    for email in emails:
        assert "2 pieces of anonymous feedback" in email.body_text
        assert "Platform" in email.subject
        for text in (email.subject, email.body_text, email.body_html):
            assert "Secret worry" not in text
        assert "/feedback/inbox/" in email.body_text


def test_running_it_twice_sends_each_email_once(team, managers):
    _waiting(team=team, created_on=YESTERDAY)

    services.feedback_release(now=MORNING)
    assert services.feedback_release(now=MORNING + timedelta(hours=3)).digests == 0

    assert _digests().count() == len(managers)


def test_today_s_threads_wait_for_tomorrow(team, managers):
    _waiting(team=team, created_on=TODAY)

    assert services.feedback_release(now=MORNING).digests == 0
    assert not _digests().exists()

    assert services.feedback_release(now=MORNING + timedelta(days=1)).digests == len(managers)


def test_not_before_the_morning(team, managers):
    _waiting(team=team, created_on=YESTERDAY)

    assert services.feedback_release(now=MORNING.replace(hour=2)).digests == 0


def test_what_went_to_the_admins_is_told_to_the_admins_only(other_team, other_manager, org_admin):
    _waiting(team=other_team, created_on=YESTERDAY, to_admins=True)

    services.feedback_release(now=MORNING + timedelta(hours=5))  # 09:00 in New York

    assert [email.to_email for email in _digests()] == [org_admin.email]
    assert "too small" in _digests().get().body_text
