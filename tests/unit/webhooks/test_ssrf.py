"""The SSRF policy: which webhook targets are refused, at registration and at delivery."""

from __future__ import annotations

import ipaddress

import pytest

from maitre.webhooks import ssrf


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "100.64.0.1",
        "169.254.1.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "64:ff9b::a00:1",
    ],
)
def test_private_addresses_refused_unless_allowed(address: str) -> None:
    ip = ipaddress.ip_address(address)
    assert ssrf.refusal(ip, allow_private=False) is not None
    assert ssrf.refusal(ip, allow_private=True) is None


@pytest.mark.parametrize(
    "address", ["169.254.169.254", "fd00:ec2::254", "::ffff:169.254.169.254", "100.100.100.200"]
)
def test_metadata_addresses_always_refused(address: str) -> None:
    ip = ipaddress.ip_address(address)
    assert "metadata" in (ssrf.refusal(ip, allow_private=True) or "")


@pytest.mark.parametrize("address", ["0.0.0.0", "::", "224.0.0.1", "ff02::1"])
def test_non_unicast_always_refused(address: str) -> None:
    assert ssrf.refusal(ipaddress.ip_address(address), allow_private=True) is not None


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1::1", "8.8.8.8"])
def test_public_addresses_allowed(address: str) -> None:
    assert ssrf.refusal(ipaddress.ip_address(address), allow_private=False) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/", "only http"),
        ("file:///etc/passwd", "only http"),
        ("https://", "no host"),
        ("https://user:pw@example.com/", "credentials"),
        ("http://metadata.google.internal/computeMetadata/v1/", "metadata"),
        ("http://METADATA.google.internal./", "metadata"),
        ("http://169.254.169.254/latest/", "metadata"),
        ("http://[fd00:ec2::254]/", "metadata"),
        ("http://localhost:8000/", "loopback"),
        ("http://127.1/", "loopback"),
        ("http://2130706433/", "loopback"),
        ("http://0x7f.0.0.1/", "loopback"),
        ("http://10.0.0.8/", "private"),
        ("http://[fe80::1%25eth0]/", "link-local"),
        ("http://example.com:99999/", "not a valid URL"),
        ("http://exa mple.com/", "not a valid host name"),
        ("http://-bad-.example.com/", "not a valid host name"),
        ("https://example.com/" + "a" * 2000, "longer than"),
    ],
)
def test_check_url_refuses(url: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        ssrf.check_url(url, allow_private=False)


def test_check_url_accepts_public_and_allowed_private() -> None:
    assert ssrf.check_url("https://hooks.example.com/x?y=1", allow_private=False).hostname
    assert ssrf.check_url("http://127.0.0.1:9000/hook", allow_private=True).port == 9000
    assert ssrf.check_url("https://bücher.example/hook", allow_private=False).hostname
    with pytest.raises(ValueError, match="metadata"):
        ssrf.check_url("http://169.254.169.254/", allow_private=True)


def test_resolve_checks_every_address() -> None:
    assert ssrf.resolve("127.0.0.1", 80, allow_private=True) == ["127.0.0.1"]
    with pytest.raises(ssrf.TargetRefused, match="loopback"):
        ssrf.resolve("localhost", 80, allow_private=False)
    with pytest.raises(ssrf.TargetRefused, match="metadata"):
        ssrf.resolve("metadata.google.internal", 80, allow_private=True)
    with pytest.raises(ssrf.ResolutionFailed):
        ssrf.resolve("does-not-exist.invalid", 80, allow_private=False)
