import pytest
from rest_framework.test import APIClient

from api import services
from api.models import Scope


def token_for(user, *, scope: str = Scope.READ_WRITE, days: int = 30) -> str:
    return services.access_token_create(user=user, name="tests", scope=scope, lifetime_days=days).raw


def client_for(user, *, scope: str = Scope.READ_WRITE) -> APIClient:
    """An API client sending a fresh token of `user`'s (no client at all for None)."""
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user, scope=scope)}")
    return client


@pytest.fixture
def api_for():
    return client_for
