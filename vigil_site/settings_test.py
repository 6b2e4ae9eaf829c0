"""Test settings: only what tests need differs from the real ones."""

from vigil_site.settings import *  # noqa: F403
from vigil_site.settings import Q_CLUSTER

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_AUTOREFRESH = True

# Named explicitly so the live-server process of browser tests finds the same database.
DATABASES["default"]["TEST"] = {"NAME": "test_" + DATABASES["default"]["NAME"]}  # noqa: F405
