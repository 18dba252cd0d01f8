"""Personal access tokens on the profile page: made, shown once, stored as a hash, revoked by
their owner only; the API's own pages for every persona; throttled per token."""

import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accountability.models import AuditAction, AuditEvent
from api import services
from api.models import AccessToken, CalendarFeed

from .conftest import client_for

PERSONAS = ["anonymous", "member", "teammate", "manager", "other_manager", "outsider", "org_admin"]


def _sign_in(client, user):
    if user is not None:
        client.force_login(user)
    return client


def test_a_token_is_made_on_the_profile_page_and_shown_once(client, member):
    client.force_login(member)
    profile = client.get(reverse("profile")).content.decode()
    assert "Access tokens for the API" in profile and 'action="/api/tokens/new/"' in profile
    response = client.post(
        reverse("api_token_create"), {"name": "weekly report", "scope": "read", "lifetime_days": "30"}
    )
    assert response.status_code == 200
    raw = response.context["raw"]
    assert raw.startswith("acc_") and raw in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    token = AccessToken.objects.get(user=member)
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.scope == "read" and token.name == "weekly report"
    # Nowhere else: not in any column, not on the profile page afterwards.
    assert raw not in {str(getattr(token, f.attname)) for f in AccessToken._meta.fields}
    again = client.get(reverse("profile")).content.decode()
    assert raw not in again and token.prefix in again and "weekly report" in again
    api = client_for(None)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get(reverse("api_me")).json()["email"] == member.email
    # The audit trail has who made which token, what it may do and until when; never its value.
    event = AuditEvent.objects.get(action=AuditAction.API_TOKEN_CREATED)
    assert (event.actor, event.target_label, event.after["scope"]) == (member, "weekly report", "read")
    assert raw not in str(event.after) and raw not in event.target_label


def test_deleting_a_person_removes_their_tokens_and_feed_and_deactivating_stops_them(member, teammate, org_admin):
    from accountability.services import person_deactivate, person_delete

    made = {
        user: services.access_token_create(user=user, name="script", scope="read", lifetime_days=30).raw
        for user in (member, teammate)
    }
    services.calendar_feed_regenerate(user=member)
    person_deactivate(user=teammate, actor=org_admin)
    api = client_for(None)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {made[teammate]}")
    assert api.get(reverse("api_me")).status_code == 401
    person_delete(user=member, actor=org_admin)
    assert not AccessToken.objects.filter(user=member).exists()
    assert not CalendarFeed.objects.filter(user=member).exists()


def test_a_token_without_a_name_is_refused_and_what_was_typed_is_kept(client, member):
    client.force_login(member)
    response = client.post(reverse("api_token_create"), {"name": "  ", "scope": "read-write", "lifetime_days": "7"})
    assert response.status_code == 422
    assert "Give the token a name" in response.content.decode() or "This field is required" in response.content.decode()
    assert 'value="read-write" selected' in response.content.decode()
    assert not AccessToken.objects.exists()


def test_someone_cannot_revoke_another_person_s_token(client, member, teammate):
    token = services.access_token_create(user=member, name="mine", scope="read", lifetime_days=7).token
    _sign_in(client, teammate)
    assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    _sign_in(client, member)
    assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_person_has_at_most_twenty_live_tokens(member):
    for n in range(services.TOKENS_PER_PERSON):
        services.access_token_create(user=member, name=f"t{n}", scope="read", lifetime_days=7)
    with pytest.raises(Exception, match="revoke one"):
        services.access_token_create(user=member, name="one more", scope="read", lifetime_days=7)


def test_requests_are_throttled_per_token(settings, member, teammate):
    settings.API_RATE_LIMIT = "3/minute"
    client = client_for(member)
    assert [client.get(reverse("api_me")).status_code for _ in range(4)] == [200, 200, 200, 429]
    refused = client.get(reverse("api_me"))
    assert int(refused["Retry-After"]) > 0 and "detail" in refused.json()
    # Another token (another person's) has its own count.
    assert client_for(teammate).get(reverse("api_me")).status_code == 200


def test_last_used_is_written_at_most_every_few_minutes(member):
    client = client_for(member)
    client.get(reverse("api_me"))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("api_me"))
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert AccessToken.objects.get(user=member).last_used_at is not None


@pytest.fixture
def member_token(member):
    return services.access_token_create(user=member, name="mine", scope="read", lifetime_days=7).token


@pytest.fixture
def member_feed(member):
    return services.calendar_feed_regenerate(user=member)


# name -> (method, url(ctx), expected per persona): "login" is the sign-in redirect, "done" a 302.
PAGES = {
    "api_schema": ("get", lambda c: reverse("api_schema"), dict.fromkeys(PERSONAS, 200)),
    "api_docs": ("get", lambda c: reverse("api_docs"), dict.fromkeys(PERSONAS, 200)),
    "api_token_create": (
        "post",
        lambda c: reverse("api_token_create"),
        {**dict.fromkeys(PERSONAS, 200), "anonymous": "login"},
    ),
    "api_token_revoke": (
        "post",
        lambda c: reverse("api_token_revoke", args=[c["token"].pk]),
        {**dict.fromkeys(PERSONAS, 404), "anonymous": "login", "member": "done"},
    ),
    "calendar_regenerate": (
        "post",
        lambda c: reverse("calendar_regenerate"),
        {**dict.fromkeys(PERSONAS, "done"), "anonymous": "login"},
    ),
    "calendar_revoke": (
        "post",
        lambda c: reverse("calendar_revoke"),
        {**dict.fromkeys(PERSONAS, "done"), "anonymous": "login"},
    ),
    # The address is the key (calendar apps send no cookies): whoever holds it reads it.
    "calendar_feed": (
        "get",
        lambda c: reverse("calendar_feed", args=[services.calendar_feed_token(c["feed"])]),
        dict.fromkeys(PERSONAS, 200),
    ),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_api_pages_for_every_persona(client, personas, member, member_token, member_feed, name, persona):
    method, url, expected = PAGES[name]
    _sign_in(client, personas[persona])
    ctx = {"token": member_token, "feed": member_feed}
    data = {"name": "script", "scope": "read", "lifetime_days": "30"} if name == "api_token_create" else {}
    response = getattr(client, method)(url(ctx), data)
    want = expected[persona]
    if want == "login":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif want == "done":
        assert response.status_code == 302 and response["Location"] == reverse("profile")
    else:
        assert response.status_code == want, (name, persona)
    assert "no-store" in response.get("Cache-Control", "")
    if name == "api_token_revoke":
        member_token.refresh_from_db()
        assert (member_token.revoked_at is not None) == (want == "done")
    if name == "calendar_regenerate" and want == "done":
        assert CalendarFeed.objects.filter(user=personas[persona]).exists()


@pytest.mark.parametrize("name", ["api_token_create", "api_token_revoke", "calendar_regenerate", "calendar_revoke"])
def test_the_panel_s_actions_refuse_get(client, member, member_token, name):
    client.force_login(member)
    url = reverse(name, args=[member_token.pk]) if name == "api_token_revoke" else reverse(name)
    assert client.get(url).status_code == 405


def test_the_schema_and_reference_write_nothing(client, member):
    client.force_login(member)
    for name in ("api_schema", "api_docs"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(name)).status_code == 200
        assert not [q for q in queries.captured_queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
