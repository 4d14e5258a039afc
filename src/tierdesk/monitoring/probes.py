"""The probes a check runs, and the address rule that keeps them off the desk's own network.

Plain Python (no Django): each probe takes its settings as arguments and returns a `ProbeResult`.

Address rule: a host name is resolved once, every address it resolves to is vetted, and the probe
then connects to the vetted address itself (with the name kept for the Host header and TLS), so a
name that resolves to a public address when vetted cannot be re-resolved to 127.0.0.1 for the
connection (DNS rebinding). Loopback, link-local, private, shared, multicast, unspecified and
reserved addresses are refused unless they fall in a network the configuration allows.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
BODY_LIMIT = 1024 * 1024  # read at most 1 MiB of a page to look for the expected text


class AddressRefused(ValueError):
    """The target resolves to an address the checker may not reach."""


class TargetError(ValueError):
    """The target is malformed (not a URL, no port…)."""


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    message: str
    duration_ms: int = 0


def _category(ip: IPAddress) -> str | None:
    """Why an address is off limits, in words, or None when it is a public unicast address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for attribute, words in (
        ("is_unspecified", "unspecified"),
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_private", "private"),
        ("is_reserved", "reserved"),
    ):
        if getattr(ip, attribute):
            return words
    if not ip.is_global:
        return "non-public"
    return None


def networks_parse(values: Iterable[str]) -> list[Network]:
    return [ipaddress.ip_network(v, strict=False) for v in values]


def address_vet(ip: str, allowed: list[Network]) -> None:
    address = ipaddress.ip_address(ip.split("%", 1)[0])
    if any(address in network for network in allowed):
        return
    category = _category(address)
    if category is not None:
        raise AddressRefused(f"{ip} is a {category} address, which monitoring checks may not reach")


def host_resolve(host: str, port: int, allowed: list[Network]) -> str:
    """The address to connect to for `host`: every address it resolves to must be allowed (one bad
    answer refuses the host, so round-robin DNS cannot slip an internal address in)."""
    if not host:
        raise TargetError("no host given")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetError(f"cannot resolve {host}: {exc}") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise TargetError(f"cannot resolve {host}")
    for address in addresses:
        address_vet(address, allowed)
    return addresses[0]


def url_split(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an http(s) URL, or TargetError."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise TargetError(f"not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise TargetError("the URL must start with http:// or https://")
    if not parts.hostname:
        raise TargetError("the URL names no host")
    if parts.username or parts.password:
        raise TargetError("the URL must not carry a user name or password")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def hostport_split(target: str) -> tuple[str, int]:
    host, sep, port = target.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise TargetError("give the target as host:port, e.g. mail.example.com:25")
    return host, int(port)


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, ip: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._ip = ip

    def connect(self) -> None:
        self.sock = socket.create_connection((self._ip, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, ip: str, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._ip = ip

    def connect(self) -> None:
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def tls_context(ca_file: str = "") -> ssl.SSLContext:
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def connection_open(
    url: str, *, timeout: float, allowed: list[Network], ca_file: str = ""
) -> tuple[http.client.HTTPConnection, str]:
    """A connection to the URL's vetted address, not yet connected, and the path to request."""
    scheme, host, port, path = url_split(url)
    ip = host_resolve(host, port, allowed)
    if scheme == "https":
        return _PinnedHTTPS(host, port, ip=ip, timeout=timeout, context=tls_context(ca_file)), path
    return _PinnedHTTP(host, port, ip=ip, timeout=timeout), path


def _elapsed(start: float) -> int:
    return int((time.monotonic() - start) * 1000)


def probe_http(
    url: str,
    *,
    timeout: float,
    allowed: list[Network],
    now: datetime,
    expected_status: int | None = None,
    expected_text: str = "",
    cert_expiry_days: int = 0,
    ca_file: str = "",
) -> ProbeResult:
    """GET the URL (no redirects followed): up when the status is the expected one (any below 400
    when none is set), the expected text is in the page, and the certificate, if checked, is valid
    for more than `cert_expiry_days` days."""
    start = time.monotonic()
    try:
        connection, path = connection_open(url, timeout=timeout, allowed=allowed, ca_file=ca_file)
    except (AddressRefused, TargetError) as exc:
        return ProbeResult(False, str(exc), _elapsed(start))
    try:
        connection.connect()
        expiry_note = ""
        if cert_expiry_days and isinstance(connection, http.client.HTTPSConnection):
            cert = connection.sock.getpeercert()  # type: ignore[union-attr]
            not_after = ssl.cert_time_to_seconds(cert["notAfter"])
            days = (not_after - now.timestamp()) / 86400
            if days < cert_expiry_days:
                return ProbeResult(
                    False,
                    f"the certificate expires in {max(days, 0):.0f} days ({cert['notAfter']})",
                    _elapsed(start),
                )
            expiry_note = f", certificate valid {days:.0f} more days"
        connection.request("GET", path, headers={"User-Agent": "Tierdesk-monitoring/1", "Accept": "*/*"})
        response = connection.getresponse()
        body = response.read(BODY_LIMIT) if expected_text else b""
        status = response.status
    except ssl.SSLCertVerificationError as exc:
        return ProbeResult(False, f"TLS: {exc.verify_message or exc.reason}", _elapsed(start))
    except ssl.SSLError as exc:
        return ProbeResult(False, f"TLS: {exc.reason or exc}", _elapsed(start))
    except TimeoutError:
        return ProbeResult(False, f"no answer within {timeout:g} s", _elapsed(start))
    except (OSError, http.client.HTTPException) as exc:
        return ProbeResult(False, f"{type(exc).__name__}: {exc}"[:300], _elapsed(start))
    finally:
        connection.close()
    if expected_status is not None and status != expected_status:
        return ProbeResult(False, f"HTTP {status}, expected {expected_status}", _elapsed(start))
    if expected_status is None and status >= 400:
        return ProbeResult(False, f"HTTP {status}", _elapsed(start))
    if expected_text and expected_text not in body.decode("utf-8", errors="replace"):
        return ProbeResult(False, f"HTTP {status}, but the page lacks “{expected_text}”", _elapsed(start))
    return ProbeResult(True, f"HTTP {status}{expiry_note}", _elapsed(start))


def probe_tcp(target: str, *, timeout: float, allowed: list[Network]) -> ProbeResult:
    """Up when a TCP connection to host:port opens within the timeout."""
    start = time.monotonic()
    try:
        host, port = hostport_split(target)
        ip = host_resolve(host, port, allowed)
    except (AddressRefused, TargetError) as exc:
        return ProbeResult(False, str(exc), _elapsed(start))
    try:
        with socket.create_connection((ip, port), timeout):
            pass
    except TimeoutError:
        return ProbeResult(False, f"no answer on port {port} within {timeout:g} s", _elapsed(start))
    except OSError as exc:
        return ProbeResult(False, f"port {port}: {exc.strerror or exc}", _elapsed(start))
    return ProbeResult(True, f"port {port} open", _elapsed(start))
