"""A real SMTP server on loopback (aiosmtpd) for tests that exercise Django's SMTP backend.

`LoopbackSMTP()` accepts every message; `LoopbackSMTP(reply="451 4.3.0 Try again later")` refuses
each one at DATA with that reply. Use either as a context manager, point Django at it with
`use_smtp_server(settings, server)`, and wait for deliveries with `server.wait_for(count)`.
"""

import email
import socket
import threading
import time
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on (at the moment of asking)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class _Handler:
    def __init__(self, reply: str):
        self.reply = reply
        self.envelopes = []
        self.attempts = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        with self.lock:
            self.attempts += 1
            if self.reply.startswith("250"):
                self.envelopes.append(envelope)
        return self.reply


class LoopbackSMTP:
    def __init__(self, *, reply: str = "250 Message accepted for delivery"):
        self.host = HOST
        self.port = free_port()
        self._handler = _Handler(reply)
        self._controller = Controller(self._handler, hostname=self.host, port=self.port, ready_timeout=5)

    def __enter__(self) -> "LoopbackSMTP":
        self._controller.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._controller.stop()

    @property
    def attempts(self) -> int:
        """How many messages reached DATA, accepted or not."""
        with self._handler.lock:
            return self._handler.attempts

    @property
    def envelopes(self) -> list:
        with self._handler.lock:
            return list(self._handler.envelopes)

    @property
    def messages(self) -> list[EmailMessage]:
        return [email.message_from_bytes(e.original_content, policy=policy.default) for e in self.envelopes]

    def wait_for(self, count: int, *, timeout: float = 10) -> list[EmailMessage]:
        """Poll until at least `count` messages were accepted, or fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while len(self.envelopes) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} message(s), the server received {len(self.envelopes)}")
            time.sleep(0.05)
        return self.messages


def use_smtp_server(settings, server: LoopbackSMTP) -> None:
    """Point Django's SMTP backend at `server` (`settings` is pytest-django's fixture)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
