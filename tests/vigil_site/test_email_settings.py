"""Email settings read from the environment: SMTP, a django-anymail provider's keys."""

from tests.vigil_site.test_https_setting import load_settings


def test_smtp_comes_from_the_environment(monkeypatch):
    loaded = load_settings(
        monkeypatch,
        VIGIL_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        VIGIL_EMAIL_HOST="smtp.example.com",
        VIGIL_EMAIL_PORT="587",
        VIGIL_EMAIL_USE_TLS="true",
        VIGIL_FROM_EMAIL="Support <help@desk.example.com>",
    )
    assert loaded.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
    assert (loaded.EMAIL_HOST, loaded.EMAIL_PORT, loaded.EMAIL_USE_TLS) == (
        "smtp.example.com",
        587,
        True,
    )
    # Message-IDs are made on the sender's own domain unless told otherwise.
    assert loaded.VIGIL_EMAIL_DOMAIN == "desk.example.com"


def test_anymail_keys_come_from_anymail_variables(monkeypatch):
    loaded = load_settings(monkeypatch, ANYMAIL_POSTMARK_SERVER_TOKEN="pm-token")
    assert loaded.ANYMAIL["POSTMARK_SERVER_TOKEN"] == "pm-token"
