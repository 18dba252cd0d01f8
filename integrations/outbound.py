"""Outbound HTTP, safely: where a webhook may point, and the POST itself.

* Only https, to a host whose every address is public: private, loopback, link-local
  (cloud metadata at 169.254.169.254), shared, multicast, reserved and unspecified addresses are
  refused (`ipaddress`), IPv4-mapped IPv6 included. A host listed in WEBHOOK_ALLOWED_HOSTS is
  the admin's to vouch for: any address, and plain http (a receiver on loopback in the tests,
  an internal service without a certificate).
* The address checked is the address connected to (no second DNS look-up a rebinding name
  could answer differently); TLS still verifies the certificate for the host's name (SNI).
* No redirect is followed (a 3xx fails the delivery: the next hop was never checked);
  timeouts on connect and read; at most WEBHOOK_MAX_RESPONSE_BYTES of the answer are read.
"""

import hashlib
import hmac
import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings

from accountability.registry import DeliveryRefused

SIGNATURE_HEADER = "X-Checkins-Signature"
EVENT_ID_HEADER = "X-Checkins-Event-Id"
EVENT_TYPE_HEADER = "X-Checkins-Event"
USER_AGENT = "Checkins-Webhooks/1.0"


class UnsafeURL(DeliveryRefused):
    """The URL may not be posted to; the message says why, in words an admin can act on."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP address to connect to


def _allowed(host: str) -> bool:
    return host.lower() in {h.lower() for h in settings.WEBHOOK_ALLOWED_HOSTS}


def address_refusal(address: str) -> str | None:
    """Why this IP address may not be posted to, or None when it is a public one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for flag, why in (
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_private", "a private address"),
        ("is_multicast", "a multicast address"),
        ("is_reserved", "a reserved address"),
        ("is_unspecified", "an unspecified address"),
    ):
        if getattr(ip, flag):
            return why
    if not ip.is_global:
        return "an address that is not public"
    return None


def url_check(url: str, *, resolve: bool = True) -> Target:
    """The target of `url` once it passes the rules above (resolving its host), else
    `UnsafeURL` saying why."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise UnsafeURL("This isn't a valid URL.") from None
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if scheme not in ("https", "http") or not host:
        raise UnsafeURL("Use an https:// URL.")
    allowed = _allowed(host)
    if scheme == "http" and not allowed:
        raise UnsafeURL("Use https: deliveries are signed, but their content should not travel in the clear.")
    if parts.username or parts.password:
        raise UnsafeURL("Leave user names and passwords out of the URL.")
    port = port or (443 if scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not resolve:
        return Target(scheme, host, port, path, "")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeURL(f"The host {host} can't be found.") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise UnsafeURL(f"The host {host} can't be found.")
    if not allowed:
        for address in addresses:
            why = address_refusal(address)
            if why:
                raise UnsafeURL(
                    f"{host} points to {why} ({address}). Webhooks go to public addresses only; "
                    "an administrator can allow an internal host with WEBHOOK_ALLOWED_HOSTS."
                )
    return Target(scheme, host, port, path, addresses[0])


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Checkins-Signature` value: `t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


class ReceiverError(Exception):
    """The receiver answered, but not with 2xx (retried)."""


def post(*, url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST `body` to `url` (checked as above, connecting to the checked address); returns the
    status. 2xx: done. 408, 429, 5xx, timeouts, refused connections: `ReceiverError` or the
    connection error (retried). Any other answer, a redirect included: `DeliveryRefused`."""
    target = url_check(url)
    timeout = urllib3.Timeout(connect=settings.WEBHOOK_CONNECT_TIMEOUT, read=settings.WEBHOOK_READ_TIMEOUT)
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            cert_reqs="CERT_REQUIRED",
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    else:
        pool = urllib3.HTTPConnectionPool(target.address, target.port, timeout=timeout, retries=False, maxsize=1)
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={**headers, "Host": host_header, "User-Agent": USER_AGENT},
            redirect=False,
            retries=False,
            preload_content=False,
        )
        try:
            # Read no more than the limit: a receiver cannot make the worker swallow gigabytes.
            response.read(settings.WEBHOOK_MAX_RESPONSE_BYTES, decode_content=False)
        finally:
            response.release_conn()
    finally:
        pool.close()
    status = response.status
    if 200 <= status < 300:
        return status
    if 300 <= status < 400:
        raise DeliveryRefused(f"The receiver answered {status} (a redirect); redirects are not followed.")
    if status in (408, 429) or status >= 500:
        raise ReceiverError(f"The receiver answered {status}; will retry.")
    raise DeliveryRefused(f"The receiver answered {status}; not retried (check the URL and the receiver).")


def now_timestamp() -> int:
    return int(time.time())
