import pytest

from updates.models import Value


@pytest.fixture
def values(db):
    return [
        Value.objects.create(name="Candour", meaning="We say the hard thing kindly.", order=1),
        Value.objects.create(name="Ownership", meaning="We keep our word or renegotiate in time.", order=2),
    ]
