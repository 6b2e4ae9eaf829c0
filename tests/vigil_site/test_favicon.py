"""Browsers ask for /favicon.ico on pages that name no icon (the admin): no 404, no log line."""

import logging


def test_the_icon_is_found_where_browsers_look_for_it(client, caplog, settings):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        answer = client.get("/favicon.ico")
    assert answer.status_code == 301
    assert answer["Location"] == f"{settings.STATIC_URL}vigil/favicon.svg"
    assert not caplog.records
