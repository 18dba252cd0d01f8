import pytest
from django.core.cache import cache

from accountability.models import Role

from ..factories import MembershipFactory


@pytest.fixture(autouse=True)
def empty_cache():
    """The daily limit and the wrong-code counters live in the cache: every test starts clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def crowd(team, member, teammate):
    """Three more members: with `member` and `teammate`, `team` reaches its anonymity
    threshold (5), so anonymous feedback to it goes to its managers."""
    return [MembershipFactory(team=team, role=Role.MEMBER).user for _ in range(3)]
