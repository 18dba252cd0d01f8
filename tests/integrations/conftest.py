import pytest

from .receiver import LoopbackReceiver


@pytest.fixture
def allow_loopback(settings):
    """The admin setting the tests' receiver needs: 127.0.0.1 is allowed (and so is http to it)."""
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_READ_TIMEOUT = 3.0


@pytest.fixture
def receiver(allow_loopback):
    with LoopbackReceiver() as server:
        yield server
