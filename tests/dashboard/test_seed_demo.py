"""`python manage.py seed_demo`: a demo organisation, safe to run again."""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.urls import reverse

from accountability.models import Membership, OutboundEmail, Role, Team, User
from dashboard.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD

# The README documents this default; changing it means changing the README too.
DOCUMENTED_DEFAULT_PASSWORD = "demo-checkins-2026"


def _seed(**kwargs) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **kwargs)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.fixture
def no_demo_password(monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)


def test_running_it_twice_adds_no_rows(db, no_demo_password):
    _seed()
    first = _counts()
    assert first["accountability.User"] > 0

    output = _seed()

    assert _counts() == first
    assert "(0 new rows)" in output


def test_it_adds_back_only_what_is_missing(db, no_demo_password):
    _seed()
    before = _counts()
    lee = User.objects.get(email="lee@demo.example")
    Membership.objects.filter(user=lee, team__slug="platform").delete()

    output = _seed()

    # Lee joining Platform again is a new leadership event (history is kept, not rewritten).
    before["accountability.LeadershipEvent"] += 1
    assert _counts() == before
    assert "(1 new rows)" in output


def test_two_teams_in_different_time_zones_each_with_a_manager(db, no_demo_password):
    _seed()
    teams = list(Team.objects.all())
    assert len(teams) == 2
    assert len({team.time_zone for team in teams}) == 2
    for team in teams:
        assert Membership.objects.filter(team=team, role=Role.MANAGER).exists()
        assert team.slug != "new"


def test_one_person_is_in_both_teams(db, no_demo_password):
    _seed()
    in_both = [user for user in User.objects.all() if user.memberships.count() == 2]
    assert len(in_both) >= 1


def test_six_to_eight_members_and_an_org_admin(db, no_demo_password):
    _seed()
    members = User.objects.filter(is_staff=False).exclude(memberships__role=Role.MANAGER)
    assert 6 <= members.count() <= 8
    assert all(user.memberships.exists() for user in members)
    admin = User.objects.get(is_staff=True)
    assert admin.is_superuser  # the demo admin can use every page of the Django admin
    assert not admin.memberships.exists()


def test_seeding_sends_no_email(db, no_demo_password):
    _seed()
    assert not OutboundEmail.objects.exists()


def _signs_in(client, email: str, password: str) -> bool:
    client.logout()
    client.post(reverse("login"), {"login": email, "password": password})
    return SESSION_KEY in client.session


def test_every_account_signs_in_with_the_documented_default(client, db, no_demo_password):
    assert DEFAULT_DEMO_PASSWORD == DOCUMENTED_DEFAULT_PASSWORD
    _seed()
    for email in User.objects.values_list("email", flat=True):
        assert _signs_in(client, email, DOCUMENTED_DEFAULT_PASSWORD), email


def test_every_account_signs_in_with_demo_password_when_set(client, db, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "chosen-by-the-operator")
    _seed()
    for email in User.objects.values_list("email", flat=True):
        assert _signs_in(client, email, "chosen-by-the-operator"), email
        assert not _signs_in(client, email, DOCUMENTED_DEFAULT_PASSWORD), email


def test_the_output_lists_every_email_and_the_password(db, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "chosen-by-the-operator")

    output = _seed()

    for email in User.objects.values_list("email", flat=True):
        assert email in output
    assert "Password: chosen-by-the-operator" in output
    assert "/accounts/login/" in output
    assert "existed already" not in output


def test_a_second_run_says_existing_accounts_keep_their_password(client, db, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    _seed()
    monkeypatch.setenv("DEMO_PASSWORD", "another-one")

    output = _seed()

    assert f"{User.objects.count()} of these accounts existed already" in output
    assert _signs_in(client, "lee@demo.example", DOCUMENTED_DEFAULT_PASSWORD)
