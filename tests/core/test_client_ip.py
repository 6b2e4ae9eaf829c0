import pytest
from django.test import RequestFactory

from core.client_ip import client_ip

PROXY = "10.0.0.5"


def request_from(remote, forwarded=None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_it_is_the_peer_when_no_proxy_is_trusted(settings):
    settings.VIGIL_TRUSTED_PROXIES = []
    assert client_ip(request_from("203.0.113.8", "198.51.100.1")) == "203.0.113.8"


def test_it_is_the_peer_when_the_peer_is_not_a_trusted_proxy(settings):
    settings.VIGIL_TRUSTED_PROXIES = [PROXY]
    assert client_ip(request_from("203.0.113.8", "198.51.100.1")) == "203.0.113.8"


def test_it_is_the_forwarded_client_behind_a_trusted_proxy(settings):
    settings.VIGIL_TRUSTED_PROXIES = [PROXY]
    assert client_ip(request_from(PROXY, "203.0.113.8")) == "203.0.113.8"


def test_it_reads_from_the_right_past_every_trusted_proxy(settings):
    settings.VIGIL_TRUSTED_PROXIES = ["10.0.0.0/8"]
    forwarded = "198.51.100.1, 203.0.113.8, 10.1.2.3"
    assert client_ip(request_from(PROXY, forwarded)) == "203.0.113.8"


def test_it_stops_at_the_proxy_when_the_header_is_missing_or_not_an_address(settings):
    settings.VIGIL_TRUSTED_PROXIES = [PROXY]
    assert client_ip(request_from(PROXY)) == PROXY
    assert client_ip(request_from(PROXY, "unknown")) == PROXY


def test_it_understands_ipv6(settings):
    settings.VIGIL_TRUSTED_PROXIES = ["fd00::/8"]
    assert client_ip(request_from("fd00::1", "2001:db8::7")) == "2001:db8::7"


def test_a_bad_proxy_entry_is_named(settings):
    settings.VIGIL_TRUSTED_PROXIES = ["proxy.example"]
    with pytest.raises(ValueError, match=r"proxy\.example"):
        client_ip(request_from(PROXY))
