"""The probes against real servers on the loopback address, and the address rule."""

from __future__ import annotations

import ipaddress

import pytest

from tierdesk import clock
from tierdesk.env import ConfigError, env_networks
from tierdesk.monitoring import probes

LOOPBACK = [ipaddress.ip_network("127.0.0.1/32")]


def http(url, **kwargs):
    return probes.probe_http(
        url, timeout=5, allowed=kwargs.pop("allowed", LOOPBACK), now=clock.now(), **kwargs
    )


def test_http_is_up_down_on_status_and_on_the_expected_text(web):
    assert http(web.url, expected_text="operational").ok
    web.status = 503
    result = http(web.url)
    assert not result.ok and result.message == "HTTP 503"
    web.status = 200
    result = http(web.url, expected_text="Welcome")
    assert not result.ok and "lacks “Welcome”" in result.message
    result = http(web.url, expected_status=204)
    assert not result.ok and result.message == "HTTP 200, expected 204"
    assert web.requests[0][2]["Host"] == f"127.0.0.1:{web.port}"


def test_tcp_open_and_closed_port(web, closed_port):
    assert probes.probe_tcp(f"127.0.0.1:{web.port}", timeout=5, allowed=LOOPBACK).ok
    result = probes.probe_tcp(f"127.0.0.1:{closed_port}", timeout=5, allowed=LOOPBACK)
    assert not result.ok and "refused" in result.message.lower()
    result = http(f"http://127.0.0.1:{closed_port}/")
    assert not result.ok and "ConnectionRefusedError" in result.message


def test_an_expired_certificate_is_a_fault(https_server, certificates):
    result = http(https_server("expired"), ca_file=str(certificates.ca))
    assert not result.ok
    assert result.message == "TLS: certificate has expired"


def test_a_certificate_about_to_expire_is_a_fault_when_asked(https_server, certificates):
    url = https_server("expiring")
    assert http(url, ca_file=str(certificates.ca)).ok  # not asked
    result = http(url, ca_file=str(certificates.ca), cert_expiry_days=14)
    assert not result.ok and result.message.startswith("the certificate expires in 5 days")
    result = http(https_server("good"), ca_file=str(certificates.ca), cert_expiry_days=14)
    assert result.ok and "certificate valid 36" in result.message


def test_an_unknown_certificate_authority_is_a_fault(https_server):
    result = http(https_server("good"))
    assert not result.ok and "unable to get local issuer certificate" in result.message


@pytest.mark.parametrize(
    ("address", "category"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fd00::1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("100.64.0.1", "non-public"),  # carrier-grade NAT
    ],
)
def test_internal_addresses_are_refused(address, category):
    with pytest.raises(probes.AddressRefused, match=f"is a {category} address"):
        probes.address_vet(address, [])


def test_public_and_allowed_addresses_pass():
    probes.address_vet("93.184.215.14", [])
    probes.address_vet("127.0.0.1", LOOPBACK)
    with pytest.raises(probes.AddressRefused):
        probes.address_vet("127.0.0.2", LOOPBACK)


def test_a_name_is_vetted_after_resolution_and_the_vetted_address_is_used(web):
    result = http(f"http://localhost:{web.port}/", allowed=[])
    assert not result.ok and "loopback address" in result.message
    # Every address a name resolves to must pass: localhost's ::1 is refused although 127.0.0.1 is allowed.
    both = [*LOOPBACK, ipaddress.ip_network("::1/128")]
    result = http(f"http://localhost:{web.port}/", allowed=both)
    if result.ok:  # the request went to the vetted address, naming the host the URL names
        assert web.requests[-1][2]["Host"] == f"localhost:{web.port}"


def test_malformed_targets():
    assert "http:// or https://" in http("ftp://example.com/").message
    assert "user name or password" in http("http://u:p@127.0.0.1/").message
    assert "host:port" in probes.probe_tcp("127.0.0.1", timeout=1, allowed=LOOPBACK).message


def test_allowed_networks_are_parsed_strictly():
    assert env_networks("N", [], environ={"N": "127.0.0.1, 10.0.0.0/8"}) == ["127.0.0.1/32", "10.0.0.0/8"]
    with pytest.raises(ConfigError, match=r"N: '10\.0\.0\.1/8' is not an IP network"):
        env_networks("N", [], environ={"N": "10.0.0.1/8"})
    with pytest.raises(ConfigError, match="not an IP network"):
        env_networks("N", [], environ={"N": "localhost"})
