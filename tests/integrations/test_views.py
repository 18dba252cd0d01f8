"""The pages: an admin registers a webhook (its secret shown once), sees its delivery log and
sends a test event; a manager connects a channel from the team's settings. Bad input is
explained and kept; the pages' queries do not grow with the data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accountability.models import OutboundEmail
from integrations import services
from integrations.models import ChannelKind, TeamChannel, WebhookEndpoint

pytestmark = pytest.mark.django_db


def test_an_admin_registers_a_webhook_and_sees_its_secret_once(client, org_admin, allow_loopback):
    client.force_login(org_admin)
    response = client.post(
        reverse("webhook_list"),
        {"name": "Warehouse", "url": "http://127.0.0.1:9/hook", "events": ["checkin.submitted", "meeting.held"]},
    )
    assert response.status_code == 201
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["checkin.submitted", "meeting.held"]
    assert endpoint.secret in response.content.decode()

    page = client.get(reverse("webhook_detail", args=[endpoint.pk])).content.decode()
    assert endpoint.secret not in page
    assert "Send test event" in page


def test_a_private_address_is_explained_and_what_was_typed_kept(client, org_admin):
    client.force_login(org_admin)
    response = client.post(
        reverse("webhook_list"),
        {"name": "Metadata", "url": "https://169.254.169.254/latest", "events": ["checkin.submitted"]},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "link-local address" in page
    assert 'value="Metadata"' in page
    assert "https://169.254.169.254/latest" in page
    assert not WebhookEndpoint.objects.exists()


def test_an_unknown_team_for_an_endpoint_is_a_form_error(client, org_admin):
    client.force_login(org_admin)
    response = client.post(
        reverse("webhook_list"),
        {"name": "x", "url": "https://93.184.215.14/", "events": ["checkin.submitted"], "team": "no-such-team"},
    )
    assert response.status_code == 422


def test_the_test_event_button_queues_a_ping_shown_in_the_log(client, org_admin, allow_loopback):
    endpoint, _ = services.endpoint_create(
        actor=org_admin, name="W", url="http://127.0.0.1:9/hook", events=["checkin.submitted"]
    )
    client.force_login(org_admin)
    response = client.post(reverse("webhook_test", args=[endpoint.pk]))
    assert response.status_code == 302
    row = OutboundEmail.objects.get(target_ref=endpoint.ref)
    assert row.subject == "ping"
    page = client.get(reverse("webhook_detail", args=[endpoint.pk])).content.decode()
    assert "Queued" in page and "ping" in page


def test_the_delivery_log_costs_the_same_queries_for_1_or_60_rows(client, org_admin, allow_loopback):
    endpoint, _ = services.endpoint_create(
        actor=org_admin, name="W", url="http://127.0.0.1:9/hook", events=["checkin.submitted"]
    )
    client.force_login(org_admin)
    url = reverse("webhook_detail", args=[endpoint.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    services.endpoint_send_test(actor=org_admin, endpoint=endpoint)
    few = count()
    for _ in range(59):
        services.endpoint_send_test(actor=org_admin, endpoint=endpoint)
    assert count() == few


def test_the_team_settings_page_links_to_the_channels(client, team, manager, member):
    client.force_login(manager)
    page = client.get(reverse("team_settings", args=[team.slug])).content.decode()
    assert reverse("team_channels", args=[team.slug]) in page


def test_a_manager_connects_a_channel(client, team, manager, allow_loopback):
    client.force_login(manager)
    response = client.post(
        reverse("team_channels", args=[team.slug]),
        {
            "kind": "slack",
            "name": "#platform",
            "url": "http://127.0.0.1:9/services/T000/B000/XXXX",
            "post_updates": "on",
        },
    )
    assert response.status_code == 302
    channel = TeamChannel.objects.get()
    assert (channel.kind, channel.post_updates, channel.post_week_summary) == ("slack", True, False)
    page = client.get(reverse("team_channels", args=[team.slug])).content.decode()
    assert "#platform" in page
    # The URL is a credential: only a hint of it is shown again.
    assert "XXXX" not in page


def test_a_channel_url_that_is_not_https_is_explained(client, team, manager):
    client.force_login(manager)
    response = client.post(
        reverse("team_channels", args=[team.slug]),
        {"kind": "mattermost", "name": "#ops", "url": "http://chat.example.org/hooks/abc"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Use https" in page
    assert 'value="#ops"' in page
    assert not TeamChannel.objects.exists()


def test_the_channels_page_costs_the_same_queries_for_1_or_5_channels(client, team, manager, allow_loopback):
    client.force_login(manager)
    url = reverse("team_channels", args=[team.slug])

    def add():
        channel = services.channel_connect(
            actor=manager, team=team, kind=ChannelKind.JSON, name="#c", url="http://127.0.0.1:9/h"
        )
        services.channel_send_test(actor=manager, channel=channel)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    add()
    one = count()
    for _ in range(4):
        add()
    assert count() == one
