"""VIGIL_HTTPS: the one production switch for cookies, HSTS and the redirect to HTTPS."""

import importlib.util
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings

PROXY = "10.0.0.5"


def load_settings(monkeypatch, **env):
    """A fresh copy of vigil_site.settings read from this environment (no database is opened)."""
    for name in ("VIGIL_HTTPS", "VIGIL_HSTS_SECONDS", "VIGIL_SECURE_COOKIES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgres://vigil@localhost/vigil")
    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 50)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    path = django_settings.BASE_DIR / "vigil_site" / "settings.py"
    spec = importlib.util.spec_from_file_location("vigil_settings_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_it_is_off_by_default(monkeypatch):
    loaded = load_settings(monkeypatch)
    assert loaded.SESSION_COOKIE_SECURE is False
    assert loaded.CSRF_COOKIE_SECURE is False
    assert loaded.SECURE_HSTS_SECONDS == 0
    assert loaded.SECURE_SSL_REDIRECT is False


def test_it_switches_on_secure_cookies_hsts_and_the_redirect(monkeypatch):
    loaded = load_settings(monkeypatch, VIGIL_HTTPS="1")
    assert loaded.SESSION_COOKIE_SECURE is True
    assert loaded.CSRF_COOKIE_SECURE is True
    assert loaded.SECURE_HSTS_SECONDS == 31_536_000
    assert loaded.SECURE_SSL_REDIRECT is True


def test_the_hsts_lifetime_can_start_short(monkeypatch):
    loaded = load_settings(monkeypatch, VIGIL_HTTPS="true", VIGIL_HSTS_SECONDS="300")
    assert loaded.SECURE_HSTS_SECONDS == 300


def test_the_old_cookie_switch_is_refused_with_its_replacement_named(monkeypatch):
    with pytest.raises(ValueError, match="VIGIL_HTTPS"):
        load_settings(monkeypatch, VIGIL_SECURE_COOKIES="true")
    # Copied from an old .env.example, switched off: nothing to warn about.
    assert load_settings(monkeypatch, VIGIL_SECURE_COOKIES="false").VIGIL_HTTPS is False


# Django's deployment checks for HSTS, the redirect, and the two cookies.
HTTPS_CHECKS = ("security.W004", "security.W008", "security.W012", "security.W016")


def deploy_check(**env):
    inherited = {
        k: v for k, v in os.environ.items() if k not in ("VIGIL_HTTPS", "VIGIL_HSTS_SECONDS")
    }
    environment = {
        **inherited,
        "DATABASE_URL": "postgres://vigil@localhost/vigil",
        "DJANGO_SECRET_KEY": "deploy-check-" + "k" * 50,
        "DJANGO_SETTINGS_MODULE": "vigil_site.settings",
        **env,
    }
    command = [sys.executable, "manage.py", "check", "--deploy"]
    result = subprocess.run(  # noqa: S603
        command,
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    return result.stdout + result.stderr


def test_djangos_deployment_check_passes_with_it():
    without = deploy_check()
    assert all(check in without for check in HTTPS_CHECKS)
    with_https = deploy_check(VIGIL_HTTPS="1")
    assert not [check for check in HTTPS_CHECKS if check in with_https]


@pytest.fixture
def https_on(settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_SSL_REDIRECT = True
    settings.VIGIL_TRUSTED_PROXIES = [PROXY]


def test_plain_http_is_redirected_to_https(client, https_on, db):
    response = client.get("/login/")
    assert response.status_code == 301
    assert response.url == "https://testserver/login/"


def test_https_from_the_trusted_proxy_gets_hsts_and_secure_cookies(client, https_on, db):
    response = client.get("/login/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert response.cookies["csrftoken"]["secure"] is True


def test_a_client_cannot_claim_https_itself(client, https_on, db):
    response = client.get("/login/", REMOTE_ADDR="203.0.113.8", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301
    assert "Strict-Transport-Security" not in response.headers
