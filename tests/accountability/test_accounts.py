"""Signing in and out, resetting and changing a password, and the profile.

Sign-in and passwords are django-allauth's views since issue 12 (its field names: `login`,
`password`; `password1`/`password2` for new passwords; `oldpassword`)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from accountability.models import OutboundEmail

from ..factories import TEST_PASSWORD

NEW_PASSWORD = "a-brand-new-passphrase"
RESET_LINK = re.compile(r"http://testserver(/accounts/password/reset/key/[^/\s]+/)")


def _sign_in(client, email, password, **extra):
    return client.post(reverse("login"), {"login": email, "password": password, **extra})


# --- Signing in and out ------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["member@example.org", "MEMBER@Example.ORG", "Member@example.org"])
def test_sign_in_with_email_is_case_insensitive(client, member, typed):
    response = _sign_in(client, typed, TEST_PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.session[SESSION_KEY] == str(member.pk)


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("member@example.org", "wrong-password"),
        ("nobody@example.org", TEST_PASSWORD),
        ("member@example.org", ""),
        ("", ""),
        ("member@example.org" + "x" * 300, TEST_PASSWORD),
    ],
)
def test_a_failed_sign_in_is_a_form_error_not_a_500(client, member, email, password):
    response = _sign_in(client, email, password)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert SESSION_KEY not in client.session


def test_wrong_password_says_so(client, member):
    response = _sign_in(client, "member@example.org", "wrong-password")
    assert "That email and password don&#x27;t match an account" in response.content.decode()


def test_an_inactive_account_cannot_sign_in(client, member):
    member.is_active = False
    member.save()
    response = _sign_in(client, "member@example.org", TEST_PASSWORD)
    # allauth says so on a page of its own (only to someone who knows the password).
    assert response.status_code == 302
    assert response.url == reverse("account_inactive")
    assert SESSION_KEY not in client.session


def test_sign_in_returns_to_next(client, member, team):
    url = reverse("team_detail", args=[team.slug])
    response = _sign_in(client, "member@example.org", TEST_PASSWORD, next=url)
    assert response.url == url


def test_sign_in_ignores_a_next_on_another_site(client, member):
    response = _sign_in(client, "member@example.org", TEST_PASSWORD, next="https://evil.example/steal")
    assert response.url == reverse("home")


@pytest.mark.parametrize(
    "next_url", ["/accounts/login/", "/accounts/login/?next=/accounts/login/", "/accounts/signup/"]
)
def test_signed_in_with_next_pointing_at_sign_in_goes_home_not_round_in_circles(client, member, next_url):
    """Django's own view answered this with a 500 ("redirection loop"); allauth's would loop."""
    client.force_login(member)
    response = client.get(reverse("login"), {"next": next_url})
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_a_next_pointing_at_sign_in_is_ignored_after_signing_in(client, member):
    response = _sign_in(client, "member@example.org", TEST_PASSWORD, next="/accounts/login/")
    assert response.url == reverse("home")


def test_sign_out_with_post(client, member):
    client.force_login(member)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response.url == reverse("login")
    assert SESSION_KEY not in client.session
    assert client.get(reverse("home")).status_code == 302


def test_sign_out_on_get_only_asks(client, member):
    # allauth answers a GET with a "Sign out?" page whose button posts: a link elsewhere
    # cannot sign anyone out.
    client.force_login(member)
    response = client.get(reverse("logout"))
    assert response.status_code == 200
    assert "Sign out?" in response.content.decode()
    assert client.session[SESSION_KEY] == str(member.pk)


# --- Password reset ----------------------------------------------------------------------


def _request_reset(client, email):
    return client.post(reverse("account_reset_password"), {"email": email})


def _set_password_url(client, link):
    """allauth swaps the key in the link for a session value and redirects to a form URL."""
    response = client.get(link, follow=True)
    assert not response.context.get("token_fail")
    return response.redirect_chain[-1][0]


def test_password_reset_queues_one_email_with_a_working_link(client, member):
    response = _request_reset(client, "Member@Example.org")

    assert response.url == reverse("account_reset_password_done")
    row = OutboundEmail.objects.get()
    assert (row.kind, row.to_email, row.recipient) == ("password_reset", member.email, member)
    link = RESET_LINK.search(row.body_text).group(1)
    assert link in row.body_html

    set_password_url = _set_password_url(client, link)
    done = client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.url == reverse("account_reset_password_from_key_done")

    client.logout()
    assert _sign_in(client, "member@example.org", TEST_PASSWORD).status_code == 200
    assert _sign_in(client, "member@example.org", NEW_PASSWORD).status_code == 302
    assert client.session[SESSION_KEY] == str(member.pk)
    # The link works once.
    client.logout()
    assert client.get(link, follow=True).context["token_fail"] is True


def test_password_reset_rejects_a_weak_new_password(client, member):
    _request_reset(client, "member@example.org")
    link = RESET_LINK.search(OutboundEmail.objects.get().body_text).group(1)
    set_password_url = _set_password_url(client, link)

    response = client.post(set_password_url, {"password1": "12345678", "password2": "12345678"})

    assert response.status_code == 200
    assert response.context["form"].errors["password1"]
    member.refresh_from_db()
    assert member.check_password(TEST_PASSWORD)


def test_a_tampered_reset_link_is_invalid_not_500(client, member):
    _request_reset(client, "member@example.org")
    link = RESET_LINK.search(OutboundEmail.objects.get().body_text).group(1)
    response = client.get(link[:-3] + "xx/", follow=True)
    assert response.status_code == 200
    assert response.context["token_fail"] is True


def test_two_reset_requests_within_five_minutes_send_one_email(client, member):
    # 12:04:50 and 12:05:10 fall on either side of a five-minute boundary.
    with time_machine.travel(datetime(2026, 3, 10, 12, 4, 50, tzinfo=UTC), tick=False) as traveller:
        _request_reset(client, "member@example.org")
        traveller.shift(timedelta(seconds=20))
        second = _request_reset(client, "member@example.org")
        assert second.url == reverse("account_reset_password_done")
        assert OutboundEmail.objects.filter(kind="password_reset").count() == 1

        traveller.shift(timedelta(minutes=5))
        _request_reset(client, "member@example.org")
        assert OutboundEmail.objects.filter(kind="password_reset").count() == 2


@pytest.mark.parametrize("email", ["nobody@example.org", "inactive@example.org", "not-an-address"])
def test_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client, member, outsider, email):
    outsider.email, outsider.is_active = "inactive@example.org", False
    outsider.save()
    known = _request_reset(client, "member@example.org")
    OutboundEmail.objects.all().delete()

    response = _request_reset(client, email)

    if email == "not-an-address":
        assert response.status_code == 200
        assert response.context["form"].errors["email"]
    else:
        assert response.status_code == known.status_code == 302
        assert response.url == known.url
        assert "Check your email" in client.get(response.url).content.decode()
    assert not OutboundEmail.objects.exists()


# --- Password change ---------------------------------------------------------------------


def test_password_change_works_and_keeps_you_signed_in(client, member):
    client.force_login(member)

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": TEST_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert client.get(reverse("profile")).status_code == 200  # still signed in


def test_password_change_needs_the_old_password(client, member):
    client.force_login(member)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "not-it", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["oldpassword"]
    member.refresh_from_db()
    assert member.check_password(TEST_PASSWORD)


# --- Profile -----------------------------------------------------------------------------


def test_profile_update(client, member):
    client.force_login(member)

    response = client.post(
        reverse("profile"), {"display_name": "  Mia Müller ", "time_zone": "America/Sao_Paulo"}, follow=True
    )

    assert response.redirect_chain == [(reverse("profile"), 302)]
    assert "Profile saved." in response.content.decode()
    member.refresh_from_db()
    assert (member.display_name, member.time_zone) == ("Mia Müller", "America/Sao_Paulo")


def test_profile_time_zone_may_be_left_empty(client, member):
    member.time_zone = "Europe/Paris"
    member.save()
    client.force_login(member)
    client.post(reverse("profile"), {"display_name": "Mia", "time_zone": ""})
    member.refresh_from_db()
    assert member.time_zone == ""


@pytest.mark.parametrize("time_zone", ["Mars/Olympus_Mons", "utc ", "../../etc/passwd"])
def test_profile_rejects_an_unknown_time_zone(client, member, time_zone):
    client.force_login(member)

    response = client.post(reverse("profile"), {"display_name": "Renamed", "time_zone": time_zone})

    assert response.status_code == 200
    assert response.context["form"].errors["time_zone"]
    member.refresh_from_db()
    assert (member.display_name, member.time_zone) == ("Mia Member", "")


def test_profile_rejects_a_name_that_is_too_long(client, member):
    client.force_login(member)
    response = client.post(reverse("profile"), {"display_name": "x" * 151, "time_zone": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["display_name"]
