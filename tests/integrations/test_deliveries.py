"""Deliveries end to end through the outbox (in-process sweeps; tests/integrations/test_worker.py
runs a real worker): each chat platform's payload as received by a loopback server, signatures
a receiver can verify, retries with back-off on 500 without a storm, failing for good after
the limit, and de-duplication by event id."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from accountability.models import EmailStatus, OutboundEmail, Transport
from accountability.outbox import outbox_sweep
from accountability.registry import event_emit
from checkins.services import checkin_submit
from integrations import services
from integrations.models import ChannelKind, Event, WebhookEndpoint
from updates import services as update_services
from updates.models import Value

from .receiver import LoopbackReceiver, verify

pytestmark = pytest.mark.django_db


def connect(team, manager, url, kind=ChannelKind.SLACK, **switches):
    return services.channel_connect(actor=manager, team=team, kind=kind, name=f"#{kind}", url=url, **switches)


def post_update(team, manager, title="On-call rota changes"):
    return update_services.update_post(author=manager, team=team, title=title, body="From May it is **weekly**.")


def test_slack_gets_block_kit_with_a_deep_link(receiver, team, manager):
    connect(team, manager, receiver.url, ChannelKind.SLACK)
    update = post_update(team, manager, title="Rota <changes> & more")

    assert outbox_sweep() == 1
    [request] = receiver.wait_for(1)
    body = request.json
    assert body["text"] == "Team update: Rota <changes> & more"
    blocks = body["blocks"]
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "Team update: Rota <changes> & more"}}
    assert blocks[1]["type"] == "section" and blocks[1]["text"]["type"] == "mrkdwn"
    [button] = blocks[-1]["elements"]
    assert button["type"] == "button"
    assert button["url"] == f"http://testserver/updates/{update.pk}/"
    assert request.headers["Content-Type"] == "application/json"


def test_teams_gets_an_adaptive_card_in_a_message_envelope(receiver, team, manager):
    connect(team, manager, receiver.url, ChannelKind.TEAMS)
    update = post_update(team, manager)

    outbox_sweep()
    [request] = receiver.wait_for(1)
    body = request.json
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert card["body"][0]["text"] == "Team update: On-call rota changes"
    assert card["actions"] == [
        {"type": "Action.OpenUrl", "title": "Open in Check-ins", "url": f"http://testserver/updates/{update.pk}/"}
    ]


def test_mattermost_gets_markdown_text(receiver, team, manager):
    connect(team, manager, receiver.url, ChannelKind.MATTERMOST)
    update = post_update(team, manager)

    outbox_sweep()
    [request] = receiver.wait_for(1)
    assert set(request.json) == {"text"}
    text = request.json["text"]
    assert text.startswith("#### Team update: On-call rota changes")
    assert f"[Open in Check-ins](http://testserver/updates/{update.pk}/)" in text


def test_a_generic_json_channel_gets_the_signed_event_envelope(receiver, team, manager):
    channel = connect(team, manager, receiver.url, ChannelKind.JSON)
    update = post_update(team, manager)

    outbox_sweep()
    [request] = receiver.wait_for(1)
    body = request.json
    assert body["type"] == "update.posted"
    assert body["team"] == {"id": team.pk, "name": team.name, "slug": team.slug}
    assert body["data"]["update"] == {"id": update.pk, "title": "On-call rota changes", "author": manager.name}
    assert body["id"] == request.headers["X-Checkins-Event-Id"]
    assert verify(channel.secret, request.headers["X-Checkins-Signature"], request.body)


def test_a_channel_posts_only_what_it_chose(receiver, team, manager):
    connect(team, manager, receiver.url, post_updates=False)
    post_update(team, manager)
    assert not OutboundEmail.objects.filter(transport=Transport.HTTP).exists()


def test_thanks_go_to_the_channels_of_the_teams_of_the_people_thanked(
    receiver, team, other_team, manager, other_manager, member
):
    ours = connect(team, manager, receiver.url, ChannelKind.MATTERMOST)
    connect(other_team, other_manager, receiver.url, ChannelKind.MATTERMOST)  # Mia is not in it
    value = Value.objects.create(name="Candour", meaning="We say the hard thing kindly.")

    update_services.recognition_give(giver=manager, recipients=[member], values=[value], message="Great pairing!")

    rows = OutboundEmail.objects.filter(transport=Transport.HTTP)
    assert [row.target_ref for row in rows] == [ours.ref]
    outbox_sweep()
    [request] = receiver.wait_for(1)
    assert "thanked Mia Member" in request.json["text"]
    assert "Great pairing!" in request.json["text"]


# --- Signed webhooks ----------------------------------------------------------------------------


def endpoint(org_admin, url, events=(Event.CHECKIN_SUBMITTED,), team=None):
    return services.endpoint_create(actor=org_admin, name="Warehouse", url=url, events=list(events), team=team)


def test_a_webhook_is_signed_over_timestamp_and_body(receiver, team, member, org_admin):
    hook, secret = endpoint(org_admin, receiver.url)
    assert secret.startswith("whsec_") and hook.secret == secret

    result = checkin_submit(member=member, team=team, week=team.current_week(), mood=2, highlights="PRIVATE-HIGHLIGHT")

    outbox_sweep()
    [request] = receiver.wait_for(1)
    header = request.headers["X-Checkins-Signature"]
    assert verify(secret, header, request.body)
    assert not verify("whsec_wrong", header, request.body)
    assert not verify(secret, header, request.body + b" ")  # the body is what is signed
    assert request.headers["X-Checkins-Event"] == "checkin.submitted"
    data = request.json["data"]
    assert data["checkin"]["id"] == result.checkin.pk
    assert data["member"] == {"id": member.pk, "name": member.name}
    # Who and which week; never the answers nor the mood.
    assert "PRIVATE-HIGHLIGHT" not in request.body.decode()
    assert "mood" not in request.body.decode()


def test_retry_on_500_backs_off_without_a_storm_then_delivers(team, member, org_admin, allow_loopback, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    with LoopbackReceiver(statuses=[500, 503]) as server:
        hook, secret = endpoint(org_admin, server.url)
        checkin_submit(member=member, team=team, week=team.current_week(), mood=4)
        row = OutboundEmail.objects.get(target_ref=hook.ref)

        outbox_sweep()
        row.refresh_from_db()
        assert (row.status, row.attempts) == (EmailStatus.QUEUED, 1)
        assert "500" in row.last_error
        first_retry = row.next_attempt_at
        assert first_retry == timezone.now() + timedelta(seconds=60)

        # Sweeping again and again before the back-off ends sends nothing more.
        for _ in range(5):
            assert outbox_sweep() == 0
        assert len(server.requests) == 1

        time_machine.move_to(first_retry + timedelta(seconds=1), tick=False)
        outbox_sweep()
        row.refresh_from_db()
        assert (row.status, row.attempts) == (EmailStatus.QUEUED, 2)
        assert row.next_attempt_at - timezone.now() == timedelta(seconds=120)  # it doubles

        time_machine.move_to(row.next_attempt_at + timedelta(seconds=1), tick=False)
        outbox_sweep()
        row.refresh_from_db()
        assert (row.status, row.attempts) == (EmailStatus.SENT, 3)
        requests = server.wait_for(3)
    # Every attempt carried the same event id, and a fresh signature.
    assert len({r.headers["X-Checkins-Event-Id"] for r in requests}) == 1
    assert all(verify(secret, r.headers["X-Checkins-Signature"], r.body) for r in requests)


def test_a_receiver_that_always_fails_is_tried_a_bounded_number_of_times(
    team, member, org_admin, allow_loopback, settings, time_machine
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    time_machine.move_to(timezone.now(), tick=False)
    with LoopbackReceiver(statuses=[500] * 10) as server:
        hook, _ = endpoint(org_admin, server.url)
        checkin_submit(member=member, team=team, week=team.current_week(), mood=4)
        for _ in range(6):
            outbox_sweep()
            time_machine.shift(timedelta(hours=1))
        assert len(server.requests) == 3
    row = OutboundEmail.objects.get(target_ref=hook.ref)
    assert (row.status, row.attempts) == (EmailStatus.FAILED, 3)


def test_a_4xx_answer_fails_at_once(team, member, org_admin, allow_loopback):
    with LoopbackReceiver(statuses=[404]) as server:
        hook, _ = endpoint(org_admin, server.url)
        checkin_submit(member=member, team=team, week=team.current_week(), mood=4)
        outbox_sweep()
        assert len(server.requests) == 1
    row = OutboundEmail.objects.get(target_ref=hook.ref)
    assert (row.status, row.attempts) == (EmailStatus.FAILED, 1)
    assert "404" in row.last_error


def test_the_same_event_told_twice_is_queued_once(receiver, team, org_admin):
    hook, _ = endpoint(org_admin, receiver.url, events=[Event.UPDATE_POSTED])
    payload = {"update": 1, "title": "Same", "author": "Mona"}
    event_emit(name=Event.UPDATE_POSTED, team=team, payload=payload, key="1")
    event_emit(name=Event.UPDATE_POSTED, team=team, payload=payload, key="1")
    assert OutboundEmail.objects.filter(target_ref=hook.ref).count() == 1


def test_a_redelivery_carries_the_same_event_id_so_the_receiver_drops_it(receiver, team, member, org_admin):
    """A worker that dies after the receiver took the POST but before marking it sent: once its
    lease runs out the row is sent again, with the same event id, and the receiver acts once."""
    hook, _ = endpoint(org_admin, receiver.url)
    checkin_submit(member=member, team=team, week=team.current_week(), mood=4)
    outbox_sweep()
    OutboundEmail.objects.filter(target_ref=hook.ref).update(
        status=EmailStatus.SENDING, claimed_until=timezone.now() - timedelta(seconds=1)
    )
    outbox_sweep()
    first, second = receiver.wait_for(2)
    assert first.headers["X-Checkins-Event-Id"] == second.headers["X-Checkins-Event-Id"]
    assert receiver.duplicates == 1
    assert len(receiver.seen_event_ids) == 1


def test_an_endpoint_for_one_team_hears_only_that_team(receiver, team, other_team, member, org_admin):
    hook, _ = endpoint(org_admin, receiver.url, team=other_team)
    checkin_submit(member=member, team=team, week=team.current_week(), mood=4)
    assert not OutboundEmail.objects.filter(target_ref=hook.ref).exists()


def test_a_removed_endpoint_fails_its_queued_deliveries(receiver, team, member, org_admin):
    hook, _ = endpoint(org_admin, receiver.url)
    checkin_submit(member=member, team=team, week=team.current_week(), mood=4)
    ref = hook.ref
    services.endpoint_delete(actor=org_admin, endpoint=hook)
    outbox_sweep()
    assert receiver.requests == []
    assert OutboundEmail.objects.get(target_ref=ref).status == EmailStatus.FAILED


def test_the_test_event_button_sends_a_ping(receiver, org_admin):
    hook, secret = endpoint(org_admin, receiver.url)
    services.endpoint_send_test(actor=org_admin, endpoint=hook)
    outbox_sweep()
    [request] = receiver.wait_for(1)
    assert request.json["type"] == "ping"
    assert verify(secret, request.headers["X-Checkins-Signature"], request.body)


def test_the_body_and_url_are_sealed_at_rest(receiver, team, member, org_admin):
    from django.db import connection

    endpoint(org_admin, receiver.url)
    checkin_submit(member=member, team=team, week=team.current_week(), mood=4)
    with connection.cursor() as cursor:
        cursor.execute("SELECT body_text, target_url FROM accountability_outboundemail")
        body, url = cursor.fetchone()
    assert body.startswith("sealed:") and url.startswith("sealed:")
    assert json.loads(OutboundEmail.objects.get().body_text)["type"] == "checkin.submitted"
    assert WebhookEndpoint.objects.values_list("secret", flat=True).get().startswith("whsec_")  # read unsealed
