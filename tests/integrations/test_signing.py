import time

import pytest

from integrations import signing

BODY = b'{"hello": "world"}'


def test_a_signature_made_with_the_secret_verifies():
    headers = signing.signed_headers("s3cret", BODY)
    signing.verify(
        "s3cret",
        BODY,
        signature_header=headers[signing.SIGNATURE_HEADER],
        timestamp_header=headers[signing.TIMESTAMP_HEADER],
        tolerance=300,
    )


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body():
    # The documented recipe, written out independently of the module.
    import hashlib
    import hmac

    expected = hmac.new(b"k", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert signing.signature("k", "1700000000", BODY) == f"sha256={expected}"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"secret": "other"}, "does not match"),
        ({"body": BODY + b" "}, "does not match"),
        ({"timestamp_header": None}, "X-Vigil-Timestamp header is missing"),
        ({"signature_header": ""}, "X-Vigil-Signature header is missing"),
        ({"timestamp_header": "yesterday"}, "must be a Unix time"),
        ({"now": 301}, "at most 300 s"),
        ({"now": -301}, "at most 300 s"),
    ],
)
def test_it_refuses_what_was_not_signed_now_with_the_secret(change, error):
    now = time.time()
    headers = signing.signed_headers("s3cret", BODY, now=now)
    arguments = {
        "secret": "s3cret",
        "body": BODY,
        "signature_header": headers[signing.SIGNATURE_HEADER],
        "timestamp_header": headers[signing.TIMESTAMP_HEADER],
        **change,
    }
    # "now" is an offset from the signing time: parameters are made when tests are collected.
    arguments["now"] = now + arguments.get("now", 0)
    with pytest.raises(signing.SignatureError, match=error):
        signing.verify(
            arguments["secret"],
            arguments["body"],
            signature_header=arguments["signature_header"],
            timestamp_header=arguments["timestamp_header"],
            tolerance=300,
            now=arguments["now"],
        )


def test_a_fresh_timestamp_does_not_revive_an_old_signature():
    old = signing.signed_headers("s3cret", BODY, now=time.time() - 3600)
    with pytest.raises(signing.SignatureError, match="does not match"):
        signing.verify(
            "s3cret",
            BODY,
            signature_header=old[signing.SIGNATURE_HEADER],
            timestamp_header=str(int(time.time())),
            tolerance=300,
        )
