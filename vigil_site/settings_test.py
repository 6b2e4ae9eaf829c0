"""Test settings: only what tests need differs from the real ones."""

import os

from vigil_site.settings import *  # noqa: F403
from vigil_site.settings import Q_CLUSTER

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Inline, and every result kept: tests read tasks' results.
Q_CLUSTER = {**Q_CLUSTER, "sync": True, "save_limit": 0}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_AUTOREFRESH = True

# Named explicitly so the live-server process of browser tests (forked from this one) finds the
# same database, and per process so that two test runs on one server never share one.
DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}  # noqa: F405

# The copilot's answerability model in tests says plainly what a close match is, so that tests
# of the pipeline do not hang on the coefficients fitted on real conversations (those have
# tests of their own).
VIGIL_FITTED_MODELS_DIR = str(BASE_DIR / "tests" / "fixtures" / "fitted")  # noqa: F405

# Tests deliver webhooks to receivers they start on this machine; the guard's own tests empty it.
VIGIL_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]
