"""Sign-in that resists guessing (issue 12): failed sign-ins lock the account and the client's
address for a while, with a message saying until when; the Django admin signs in the same way;
password resets and invitations are throttled; a locked-out person can still reset their
password; the client's address comes from the proxy only when the app is told it is behind one.

Counts live in the shared cache (Redis): test_signin_throttle_processes.py shows two separate
server processes sharing them.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accountability.models import Invitation, OutboundEmail

from ..factories import TEST_PASSWORD, UserFactory

ATTACKER = "203.0.113.7"
ELSEWHERE = "198.51.100.20"
LOCKED = "Too many failed sign-in attempts"
RESET_LINK = re.compile(r"http://testserver(/accounts/password/reset/key/[^/\s]+/)")


def _client(address: str = ATTACKER, **extra) -> Client:
    return Client(REMOTE_ADDR=address, **extra)


def _sign_in(client, email, password):
    return client.post(reverse("login"), {"login": email, "password": password})


def _locked(response) -> bool:
    return response.status_code == 200 and LOCKED in response.content.decode()


def _fail(client, email, times):
    for attempt in range(times):
        response = _sign_in(client, email, f"wrong-{attempt}")
        assert response.status_code == 200
        assert SESSION_KEY not in client.session


@pytest.fixture
def victim(db):
    return UserFactory(email="victim@example.org", display_name="Vic Tim")


@pytest.fixture
def bystander(db):
    return UserFactory(email="bystander@example.org", display_name="By Stander")


def test_thirty_wrong_passwords_lock_the_account_and_the_address(victim, bystander):
    attacker = _client()
    _fail(attacker, "victim@example.org", 30)

    # The right password is refused now, with a message saying until when.
    response = _sign_in(attacker, "victim@example.org", TEST_PASSWORD)
    assert _locked(response)
    assert SESSION_KEY not in attacker.session
    body = response.content.decode()
    assert re.search(r"Try again after \d\d:\d\d \(UTC\), in about 1[0-5] minutes", body), body
    assert "Forgot your password?" in body

    # The account is locked from any address...
    assert _locked(_sign_in(_client(ELSEWHERE), "victim@example.org", TEST_PASSWORD))
    # ...and the address is locked for any account.
    assert _locked(_sign_in(attacker, "bystander@example.org", TEST_PASSWORD))
    # Someone else, elsewhere, signs in as usual.
    other = _client(ELSEWHERE)
    assert _sign_in(other, "bystander@example.org", TEST_PASSWORD).status_code == 302
    assert other.session[SESSION_KEY] == str(bystander.pk)


def test_the_account_locks_after_ten_failures_whatever_the_addresses(victim):
    for attempt in range(10):
        _fail(_client(f"192.0.2.{attempt + 1}"), "victim@example.org", 1)
    assert _locked(_sign_in(_client("192.0.2.200"), "victim@example.org", TEST_PASSWORD))


def test_nine_failures_then_the_right_password_signs_in(victim):
    client = _client()
    _fail(client, "victim@example.org", 9)
    assert _sign_in(client, "victim@example.org", TEST_PASSWORD).status_code == 302
    assert client.session[SESSION_KEY] == str(victim.pk)


def test_the_lock_lifts_once_the_failures_age_out(victim):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client = _client()
        _fail(client, "victim@example.org", 10)
        assert _locked(_sign_in(client, "victim@example.org", TEST_PASSWORD))

        traveller.shift(timedelta(minutes=14))
        assert _locked(_sign_in(client, "victim@example.org", TEST_PASSWORD))

        traveller.shift(timedelta(minutes=1, seconds=1))
        assert _sign_in(client, "victim@example.org", TEST_PASSWORD).status_code == 302


def test_case_or_host_tricks_count_against_the_same_account(victim, settings):
    settings.ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
    for attempt, (typed, host) in enumerate(
        [("VICTIM@example.org", "testserver"), ("victim@EXAMPLE.org", "localhost"), ("Victim@example.org", "127.0.0.1")]
        * 4
    ):
        _sign_in(_client(f"192.0.2.{attempt + 1}", HTTP_HOST=host), typed, "wrong")
    assert _locked(_sign_in(_client("192.0.2.99"), "victim@example.org", TEST_PASSWORD))


def test_a_locked_out_person_resets_their_password_and_signs_in(victim):
    attacker = _client()
    _fail(attacker, "victim@example.org", 30)
    assert _locked(_sign_in(_client(ELSEWHERE), "victim@example.org", TEST_PASSWORD))

    owner = _client(ELSEWHERE)
    assert owner.post(reverse("account_reset_password"), {"email": "victim@example.org"}).status_code == 302
    link = RESET_LINK.search(OutboundEmail.objects.get(kind="password_reset").body_text).group(1)
    form_url = owner.get(link, follow=True).redirect_chain[-1][0]
    done = owner.post(form_url, {"password1": "a-fresh-start-2031", "password2": "a-fresh-start-2031"})
    assert done.url == reverse("account_reset_password_from_key_done")

    # The reset proved the mailbox: the account's lock is lifted at once...
    assert _sign_in(owner, "victim@example.org", "a-fresh-start-2031").status_code == 302
    assert owner.session[SESSION_KEY] == str(victim.pk)
    # ...but not the attacker's address.
    assert _locked(_sign_in(attacker, "victim@example.org", "a-fresh-start-2031"))


def test_the_admin_sign_in_is_the_throttled_one(victim):
    victim.is_staff = True
    victim.save()
    client = _client()
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login") + "?next=")

    # The admin's own form is never shown or accepted: a POST there signs no one in.
    posted = client.post(reverse("admin:login"), {"username": "victim@example.org", "password": TEST_PASSWORD})
    assert posted.status_code == 302
    assert SESSION_KEY not in client.session

    _fail(client, "victim@example.org", 10)
    assert _locked(_sign_in(client, "victim@example.org", TEST_PASSWORD))


def test_throttle_counts_are_in_the_shared_cache_not_in_the_process(victim):
    _fail(_client(), "victim@example.org", 3)
    keys = [key.decode() for key in cache._cache.get_client().keys("*allauth:rl:allauth.account:login_failed*")]
    assert len(keys) == 2  # one for the address, one for the account
    cache.clear()  # what another process would see after a Redis flush: nothing
    assert _sign_in(_client(), "victim@example.org", TEST_PASSWORD).status_code == 302


# --- The client's address -----------------------------------------------------------------------


def test_a_forwarded_for_header_is_ignored_unless_behind_a_proxy(victim, bystander):
    """Directly reachable, the app counts REMOTE_ADDR: a client cannot dodge the address lock by
    writing a new X-Forwarded-For on each try."""
    for attempt in range(30):
        _sign_in(_client(HTTP_X_FORWARDED_FOR=f"10.9.8.{attempt}"), f"nobody{attempt}@example.org", "x")
    assert _locked(_sign_in(_client(HTTP_X_FORWARDED_FOR="10.9.9.9"), "bystander@example.org", TEST_PASSWORD))


def test_behind_a_proxy_the_address_the_proxy_saw_counts(victim, bystander, settings):
    """Behind our proxy every request comes from the proxy; the entry it appended (the last) is
    the client, whatever the client wrote before it."""
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for attempt in range(30):
        client = _client(proxy, HTTP_X_FORWARDED_FOR=f"1.2.3.{attempt}, {ATTACKER}")
        _sign_in(client, f"nobody{attempt}@example.org", "x")

    locked_out = _client(proxy, HTTP_X_FORWARDED_FOR=f"9.9.9.9, {ATTACKER}")
    assert _locked(_sign_in(locked_out, "bystander@example.org", TEST_PASSWORD))
    # Another client through the same proxy is not locked out.
    neighbour = _client(proxy, HTTP_X_FORWARDED_FOR=ELSEWHERE)
    assert _sign_in(neighbour, "bystander@example.org", TEST_PASSWORD).status_code == 302


# --- Password reset requests -------------------------------------------------------------------


def test_reset_requests_are_limited_per_address(db):
    client = _client()
    for attempt in range(20):
        assert client.post(reverse("account_reset_password"), {"email": f"n{attempt}@example.org"}).status_code == 302
    assert client.post(reverse("account_reset_password"), {"email": "n99@example.org"}).status_code == 429
    assert _client(ELSEWHERE).post(reverse("account_reset_password"), {"email": "n99@example.org"}).status_code == 302


def test_reset_requests_are_limited_per_account(victim):
    for attempt in range(5):
        response = _client(f"192.0.2.{attempt + 1}").post(
            reverse("account_reset_password"), {"email": "victim@example.org"}
        )
        assert response.status_code == 302
    refused = _client("192.0.2.50").post(reverse("account_reset_password"), {"email": "victim@example.org"})
    assert refused.status_code == 429
    # One email all the same: the outbox keeps one per account in five minutes.
    assert OutboundEmail.objects.filter(kind="password_reset").count() == 1


# --- Invitations -----------------------------------------------------------------------------------


def _invite(client, team, email):
    return client.post(reverse("team_invite", args=[team.slug]), {"email": email, "role": "member"})


def test_a_manager_sends_at_most_the_daily_number_of_invitations(client, team, manager, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "invite": "5/d/user,3/d/key"}
    client.force_login(manager)
    for n in range(5):
        assert _invite(client, team, f"new{n}@example.org").status_code == 302

    refused = _invite(client, team, "new5@example.org")

    assert refused.status_code == 429
    assert "as many invitations as we send in a day" in refused.content.decode()
    assert "Try again after" in refused.content.decode()
    assert not Invitation.objects.filter(email="new5@example.org").exists()
    assert OutboundEmail.objects.filter(kind="invitation").count() == 5


def test_invite_and_withdraw_cycles_stop_mailing_the_same_address(client, team, manager):
    client.force_login(manager)
    for _ in range(3):
        assert _invite(client, team, "target@example.org").status_code == 302
        invitation = Invitation.objects.get(email="target@example.org")
        client.post(reverse("invitation_revoke", args=[team.slug, invitation.pk]))

    refused = _invite(client, team, "TARGET@example.org")

    assert refused.status_code == 429
    assert OutboundEmail.objects.filter(kind="invitation", to_email="target@example.org").count() == 3


def test_the_invitation_limit_is_per_sender(client, team, manager, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "invite": "2/d/user"}
    colleague = UserFactory(email="colleague.manager@example.org")
    team.memberships.create(user=colleague, role="manager")
    client.force_login(manager)
    _invite(client, team, "a@example.org")
    _invite(client, team, "b@example.org")
    assert _invite(client, team, "c@example.org").status_code == 429

    client.force_login(colleague)
    assert _invite(client, team, "c@example.org").status_code == 302


def test_a_new_team_s_first_manager_invitation_counts_too(client, org_admin, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "invite": "1/d/user"}
    client.force_login(org_admin)
    data = {"name": "One", "time_zone": "UTC", "first_manager_email": "first@example.org"}
    assert client.post(reverse("team_create"), data).status_code == 302
    refused = client.post(reverse("team_create"), {**data, "name": "Two", "first_manager_email": "second@example.org"})
    assert refused.status_code == 200
    assert "as many invitations as we send in a day" in refused.content.decode()
    assert not Invitation.objects.filter(email="second@example.org").exists()
