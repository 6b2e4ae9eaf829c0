"""The anonymous limit counts per client address, and only configured proxies may name it."""

from tests.api.conftest import error_of

LIST = "/api/v1/tickets/"
PROXY = "10.0.0.5"


def use_up_the_anonymous_limit(anonymous, **headers):
    assert [anonymous.get(LIST, **headers).status_code for _ in range(2)] == [401, 401]
    assert anonymous.get(LIST, **headers).status_code == 429


def test_it_ignores_a_forged_forwarded_for_by_default(anonymous, settings, db):
    settings.VIGIL_API_RATE_ANON = "2/hour"
    use_up_the_anonymous_limit(anonymous)
    forged = anonymous.get(LIST, HTTP_X_FORWARDED_FOR="198.51.100.23")
    assert forged.status_code == 429
    assert error_of(forged)["code"] == "throttled"


def test_it_ignores_forwarded_for_from_an_address_that_is_not_a_proxy(anonymous, settings, db):
    settings.VIGIL_API_RATE_ANON = "2/hour"
    settings.VIGIL_TRUSTED_PROXIES = [PROXY]
    use_up_the_anonymous_limit(anonymous, REMOTE_ADDR="203.0.113.8")
    forged = anonymous.get(LIST, REMOTE_ADDR="203.0.113.8", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert forged.status_code == 429


def test_it_counts_per_forwarded_client_behind_a_configured_proxy(anonymous, settings, db):
    settings.VIGIL_API_RATE_ANON = "2/hour"
    settings.VIGIL_TRUSTED_PROXIES = [PROXY]
    use_up_the_anonymous_limit(anonymous, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.8")
    other = anonymous.get(LIST, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert other.status_code == 401


def test_a_client_cannot_prepend_addresses_to_the_proxys_header(anonymous, settings, db):
    settings.VIGIL_API_RATE_ANON = "2/hour"
    settings.VIGIL_TRUSTED_PROXIES = [PROXY]
    use_up_the_anonymous_limit(anonymous, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.8")
    # The proxy appends the address it saw; whatever the client wrote stays to the left.
    forged = anonymous.get(
        LIST, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.8"
    )
    assert forged.status_code == 429
