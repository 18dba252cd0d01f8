"""A real HTTP server on loopback that receives webhooks: it records each request, answers from
a script of statuses (then 200), and verifies signatures the way the README tells receivers to."""

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST = "127.0.0.1"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


def verify(secret: str, header: str, body: bytes, *, tolerance: int = 300, now: float | None = None) -> bool:
    """The README's verification, verbatim in spirit: parse t and v1, recompute, compare in
    constant time, refuse an old timestamp."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp, given = int(parts["t"]), parts["v1"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    fresh = abs((now if now is not None else time.time()) - timestamp) <= tolerance
    return fresh and hmac.compare_digest(expected, given)


@dataclass
class LoopbackReceiver:
    """`statuses`: the answers to the first requests, in order (then 200). `redirect_to`: answer
    302 with this Location instead. `stream_forever`: answer 200 and a body that never ends.
    `delay`: seconds to wait before answering."""

    statuses: list[int] = field(default_factory=list)
    redirect_to: str = ""
    stream_forever: bool = False
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)
    seen_event_ids: set[str] = field(default_factory=set)
    duplicates: int = 0

    def __post_init__(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
                    event_id = self.headers.get("X-Checkins-Event-Id", "")
                    # A receiver de-duplicates by event id: a redelivery is acknowledged, not acted on.
                    if event_id in receiver.seen_event_ids:
                        receiver.duplicates += 1
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    if status < 300:
                        receiver.seen_event_ids.add(event_id)
                if receiver.delay:
                    time.sleep(receiver.delay)
                if receiver.redirect_to:
                    self.send_response(302)
                    self.send_header("Location", receiver.redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if receiver.stream_forever:
                    self.send_response(200)
                    self.end_headers()
                    try:
                        while True:
                            self.wfile.write(b"x" * 65536)
                    except OSError:
                        return
                payload = b"ok"
                self.send_response(status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/hook"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 20) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} requests, got {len(self.requests)}")
            time.sleep(0.02)
        return list(self.requests)
