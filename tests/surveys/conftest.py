import logging

import pytest
from django.core.cache import cache

from accountability.models import Role

from ..factories import MembershipFactory


@pytest.fixture(autouse=True)
def empty_cache():
    """Throttles and single-use pages live in the cache: every test starts clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def crowd(team, member, teammate):
    """Three more members: with `member` and `teammate`, `team` reaches its anonymity
    threshold (5), so its survey results can be shown."""
    return [MembershipFactory(team=team, role=Role.MEMBER).user for _ in range(3)]


@pytest.fixture
def all_loggers_at_debug(caplog):
    """Every logger, including those configured with a level of their own, at DEBUG."""
    caplog.set_level(logging.DEBUG)
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            caplog.set_level(logging.DEBUG, logger=name)
    return caplog
