"""The README's few lines of Python verify a real delivery's signature (and refuse a forged one)."""

import re
from pathlib import Path

import pytest

from accountability.outbox import outbox_sweep
from integrations import services

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_verify():
    text = README.read_text()
    section = text.split("### Verifying a webhook signature", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 (our own README)
    return namespace["verify"]


def test_the_readme_snippet_verifies_a_delivery(receiver, org_admin):
    verify = readme_verify()
    endpoint, secret = services.endpoint_create(
        actor=org_admin, name="W", url=receiver.url, events=["checkin.submitted"]
    )
    services.endpoint_send_test(actor=org_admin, endpoint=endpoint)
    outbox_sweep()
    [request] = receiver.wait_for(1)
    header = request.headers["X-Checkins-Signature"]
    assert verify(secret, header, request.body) is True
    assert verify(secret, header, request.body.replace(b"ping", b"pong")) is False
    assert verify("whsec_someone_else", header, request.body) is False
