"""Keep webhooks away from internal networks (server-side request forgery).

Two checks: ``check_url`` at registration refuses bad schemes and literal bad addresses with a
clear message; ``resolve`` at delivery time resolves the host and refuses it if *any* address is
off-limits. The sender connects only to the addresses ``resolve`` returned, so a DNS answer that
changes between the check and the connection (DNS rebinding) cannot slip through.

Loopback, private, shared (CGNAT) and link-local addresses are allowed only when
``allow_private`` is set (``MAITRE_ALLOW_PRIVATE_WEBHOOK_TARGETS``). Cloud metadata endpoints are
refused even then: no webhook has a reason to call them and they hand out credentials.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import SplitResult, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_HOSTS = frozenset(
    {
        "metadata.google.internal",
        "metadata.goog",
        "metadata",
        "instance-data",
        "instance-data.ec2.internal",
    }
)
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean …
        "169.254.170.2",  # AWS ECS task metadata
        "169.254.169.253",  # AWS DNS / metadata helpers
        "100.100.100.200",  # Alibaba Cloud
        "fd00:ec2::254",  # AWS IMDS over IPv6
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NUMERIC_HOST = re.compile(r"^[0-9a-fx.]+$", re.IGNORECASE)
_HOST_NAME = re.compile(
    r"^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$"
)
MAX_URL_LENGTH = 2000


class TargetRefused(Exception):
    """The target address is off-limits for webhooks."""


class ResolutionFailed(Exception):
    """The target host name does not resolve (possibly a temporary DNS failure)."""


def _unwrap(ip: IPAddress) -> IPAddress:
    """See through IPv6 forms that embed an IPv4 address (mapped, NAT64)."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def refusal(ip: IPAddress, *, allow_private: bool) -> str | None:
    """Say why ``ip`` may not receive webhooks, or return None if it may."""
    ip = _unwrap(ip)
    if ip in METADATA_ADDRESSES:
        return f"{ip} is a cloud metadata address"
    if ip.is_unspecified or ip.is_multicast:
        return f"{ip} is not a unicast host address"
    if ip.is_loopback:
        kind = "loopback"
    elif ip.is_link_local:
        kind = "link-local"
    elif ip.is_private or not ip.is_global:
        kind = "private-network"
    else:
        return None
    if allow_private:
        return None
    return (
        f"{ip} is a {kind} address; set MAITRE_ALLOW_PRIVATE_WEBHOOK_TARGETS=true to allow "
        "private targets"
    )


def _literal_ip(host: str) -> IPAddress | None:
    """Parse ``host`` as an IP literal, including the legacy IPv4 forms resolvers accept."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _NUMERIC_HOST.match(host):
        try:  # "127.1", "2130706433", "0x7f.0.0.1" all reach 127.0.0.1
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _normalise_host(host: str) -> str:
    return host.strip("[]").rstrip(".").lower()


def check_url(url: str, *, allow_private: bool) -> SplitResult:
    """Validate a webhook URL at registration; raise ``ValueError`` with a readable reason."""
    if len(url) > MAX_URL_LENGTH:
        raise ValueError(f"URL is longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError("only http:// and https:// URLs are allowed")
    if not parts.hostname:
        raise ValueError("URL has no host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("credentials in the URL are not supported; verify the signature instead")
    if port == 0:
        raise ValueError("port 0 is not a valid target port")
    host = _normalise_host(parts.hostname)
    if host in METADATA_HOSTS:
        raise ValueError(f"{host} is a cloud metadata host")
    if (host == "localhost" or host.endswith(".localhost")) and not allow_private:
        raise ValueError(
            f"{host} is a loopback host; set MAITRE_ALLOW_PRIVATE_WEBHOOK_TARGETS=true to allow "
            "private targets"
        )
    ip = _literal_ip(host.split("%", 1)[0])
    if ip is not None:
        reason = refusal(ip, allow_private=allow_private)
        if reason:
            raise ValueError(reason)
    elif not _HOST_NAME.match(_ascii_host(host)):
        raise ValueError(f"{host!r} is not a valid host name")
    return parts


def _ascii_host(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return ""


def resolve(host: str, port: int, *, allow_private: bool) -> list[str]:
    """Resolve ``host`` and return its addresses, refusing the host if any address is off-limits."""
    name = _normalise_host(host)
    if name in METADATA_HOSTS:
        raise TargetRefused(f"{name} is a cloud metadata host")
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ResolutionFailed(f"cannot resolve {name}: {exc}") from None
    addresses: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        text = str(sockaddr[0])
        ip = ipaddress.ip_address(text.split("%", 1)[0])
        reason = refusal(ip, allow_private=allow_private)
        if reason:
            raise TargetRefused(f"{name} resolves to a refused address: {reason}")
        if text not in addresses:
            addresses.append(text)
    if not addresses:
        raise ResolutionFailed(f"{name} has no addresses")
    return addresses
