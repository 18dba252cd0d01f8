"""Outbound safety (SSRF): where a webhook may point, checked when it is registered and again
at every delivery, against the address actually connected to."""

import time

import pytest
from django.core.exceptions import ValidationError

from accountability.models import EmailStatus, OutboundEmail
from accountability.outbox import outbox_sweep
from integrations import outbound, services
from integrations.models import ChannelKind, TeamChannel

from .receiver import LoopbackReceiver

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://127.0.0.1/hook", "loopback"),
        ("https://10.0.0.8/hook", "private"),
        ("https://192.168.1.1/hook", "private"),
        ("https://172.16.5.4/hook", "private"),
        ("https://169.254.169.254/latest/meta-data/", "link-local"),  # cloud metadata
        ("https://[::1]/hook", "loopback"),
        ("https://[::ffff:127.0.0.1]/hook", "loopback"),  # IPv4-mapped IPv6
        ("https://[fe80::1]/hook", "link-local"),
        ("https://[fd00::1]/hook", "private"),
        ("https://224.0.0.1/hook", "multicast"),
        ("https://0.0.0.0/hook", "address"),
        ("https://100.64.0.1/hook", "not public"),  # carrier-grade NAT
        ("https://localhost/hook", "loopback"),  # a DNS name resolving to loopback
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(url, why):
    with pytest.raises(outbound.UnsafeURL) as refused:
        outbound.url_check(url)
    assert why in str(refused.value)


@pytest.mark.parametrize(
    "url",
    ["http://example.org/hook", "ftp://example.org/", "file:///etc/passwd", "https://user:pw@example.org/", "nonsense"],
)
def test_only_https_urls_without_credentials(url):
    with pytest.raises(outbound.UnsafeURL):
        outbound.url_check(url, resolve=False)


def test_a_public_address_passes():
    assert outbound.address_refusal("93.184.215.14") is None
    assert outbound.address_refusal("2606:4700::6810:84e5") is None


def test_an_allowed_host_may_be_loopback_and_http(settings):
    with pytest.raises(outbound.UnsafeURL):
        outbound.url_check("http://127.0.0.1:9/hook")
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    target = outbound.url_check("http://127.0.0.1:9/hook?x=1")
    assert (target.address, target.port, target.path) == ("127.0.0.1", 9, "/hook?x=1")
    # Allowing one host allows no other.
    with pytest.raises(outbound.UnsafeURL):
        outbound.url_check("https://localhost/hook")


def test_the_address_checked_is_the_one_connected_to(settings, monkeypatch):
    """DNS rebinding: a name that answers a public address to the check and loopback later
    gets nowhere, because the POST connects to the address the check returned."""
    answers = iter(["93.184.215.14", "127.0.0.1"])
    looked_up = []

    def rebinding(host, port, *args, **kwargs):
        address = next(answers)
        looked_up.append(address)
        return [(2, 1, 6, "", (address, port))]

    monkeypatch.setattr(outbound.socket, "getaddrinfo", rebinding)
    target = outbound.url_check("https://rebind.example/hook")
    assert target.address == "93.184.215.14"
    assert looked_up == ["93.184.215.14"]  # one look-up; the connection uses its answer


def test_connecting_a_channel_to_a_private_address_is_refused_with_a_reason(team, manager):
    with pytest.raises(ValidationError) as refused:
        services.channel_connect(
            actor=manager, team=team, kind=ChannelKind.SLACK, name="#x", url="https://169.254.169.254/"
        )
    assert "link-local" in refused.value.message_dict["url"][0]
    assert not TeamChannel.objects.exists()


def _channel(team, manager, url):
    return services.channel_connect(actor=manager, team=team, kind=ChannelKind.JSON, name="#x", url=url)


def test_a_redirect_is_not_followed_and_fails_the_delivery(settings, team, manager):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    with LoopbackReceiver() as target, LoopbackReceiver(redirect_to="") as hop:
        hop.redirect_to = target.url  # even to an allowed host: the next hop is never taken
        channel = _channel(team, manager, hop.url)
        services.channel_send_test(actor=manager, channel=channel)
        outbox_sweep()
        row = OutboundEmail.objects.get()
        assert row.status == EmailStatus.FAILED  # at once: retrying cannot change the answer
        assert "redirect" in row.last_error
        assert len(hop.requests) == 1
        assert target.requests == []


def test_an_address_that_turned_private_is_refused_at_delivery(settings, team, manager):
    """Registered while allowed; the admin then removes the allowance: the queued delivery is
    refused when its turn comes, not sent."""
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    with LoopbackReceiver() as server:
        channel = _channel(team, manager, server.url)
        services.channel_send_test(actor=manager, channel=channel)
        settings.WEBHOOK_ALLOWED_HOSTS = []
        outbox_sweep()
        assert server.requests == []
    row = OutboundEmail.objects.get()
    assert row.status == EmailStatus.FAILED
    assert row.last_error.startswith("UnsafeURL: Use https")  # plain http was the allowance's too


def test_an_endless_answer_is_read_only_up_to_the_limit(settings, team, manager):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_READ_TIMEOUT = 3.0
    settings.WEBHOOK_MAX_RESPONSE_BYTES = 1024
    with LoopbackReceiver(stream_forever=True) as server:
        channel = _channel(team, manager, server.url)
        services.channel_send_test(actor=manager, channel=channel)
        started = time.monotonic()
        outbox_sweep()
        assert time.monotonic() - started < 3.0  # not waiting for the end that never comes
    assert OutboundEmail.objects.get().status == EmailStatus.SENT


def test_a_receiver_too_slow_to_answer_times_out_and_is_retried(settings, team, manager):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_READ_TIMEOUT = 0.5
    with LoopbackReceiver(delay=2.0) as server:
        channel = _channel(team, manager, server.url)
        services.channel_send_test(actor=manager, channel=channel)
        outbox_sweep()
        server.wait_for(1)
    row = OutboundEmail.objects.get()
    assert (row.status, row.attempts) == (EmailStatus.QUEUED, 1)
    assert "timed out" in row.last_error.lower()
