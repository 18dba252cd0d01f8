"""End to end with a real Celery worker (the tests' Redis): a manager's update commits its
channel's outbox row, the commit asks the broker, the worker posts it to a loopback receiver."""

import logging

import pytest

from accountability.models import EmailStatus, OutboundEmail, Transport
from integrations import services
from integrations.models import ChannelKind
from updates import services as update_services

from ..accountability.test_outbox_worker import wait_until
from .receiver import verify

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _root_log_level_kept():
    root = logging.getLogger()
    level = root.level
    yield
    root.setLevel(level)


def test_a_worker_posts_a_committed_event_to_the_channel(test_redis, celery_worker, receiver, team, manager):
    channel = services.channel_connect(
        actor=manager, team=team, kind=ChannelKind.JSON, name="#platform", url=receiver.url
    )

    update_services.update_post(author=manager, team=team, title="Worker news", body="Delivered by a worker.")

    [request] = receiver.wait_for(1)
    assert request.json["data"]["update"]["title"] == "Worker news"
    assert verify(channel.secret, request.headers["X-Checkins-Signature"], request.body)
    row = wait_until(
        lambda: OutboundEmail.objects.filter(transport=Transport.HTTP, status=EmailStatus.SENT).first(),
        what="the row marked sent",
    )
    assert (row.attempts, row.last_error) == (1, "")
    assert len(receiver.requests) == 1
