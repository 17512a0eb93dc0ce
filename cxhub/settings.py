"""CX Hub settings, read from the environment.

With nothing set the app runs embedded: SQLite, Celery tasks eager in-process, local-memory cache and
e-mail to the console. DATABASE_URL switches to PostgreSQL, REDIS_URL to a Redis broker and cache.
DEBUG=0 is production mode: it refuses to start without SECRET_KEY and ALLOWED_HOSTS and turns on the
secure defaults that `manage.py check --deploy` asks for.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no), not {raw!r}")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", True)

SECRET_KEY = envstr("SECRET_KEY")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS")
if DEBUG:
    # A development key only: production (DEBUG=0) refuses to start without a real one.
    SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production-0123456789"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]
else:
    missing = [name for name, value in (("SECRET_KEY", SECRET_KEY), ("ALLOWED_HOSTS", ALLOWED_HOSTS))
               if not value]
    if missing:
        raise ImproperlyConfigured(
            f"Production mode (DEBUG=0) needs {' and '.join(missing)} in the environment."
        )
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "auditlog",
    "cxhub",
    "journeys",
    "tickets",
    "feedback",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A database outage raised by a view is answered 503 with Retry-After (JSON under /api/), not 500.
    "cxhub.health.DatabaseOutageMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: an Idempotency-Key belongs to the session's user or the token's.
    "cxhub.idempotency.IdempotencyMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # After authentication: a signed-in person's profile language over the cookie and the browser's.
    "cxhub.middleware_i18n.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: answers a locked-out login with the lockout page
]

ROOT_URLCONF = "cxhub.urls"
WSGI_APPLICATION = "cxhub.wsgi.application"

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
                "cxhub.context_processors.roles",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------------------
DATABASE_URL = envstr("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
    # The health check drops a persistent connection the server closed (a restart) and opens a new one;
    # the connect timeout makes a server that is down or unreachable cost seconds (a 503), never a hang.
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", envint("DB_CONNECT_TIMEOUT_SECONDS", 3))
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": envstr("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            # Several web threads and the eager rollup write to one file: wait for the lock.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery ------------------------------------------------------------------------------
REDIS_URL = envstr("REDIS_URL")
# Redis holds messages and cached counts, never a record: while it is away writes go on (see
# cxhub/resilience.py). Every connection gives up within these bounds instead of holding a request.
REDIS_CONNECT_TIMEOUT_SECONDS = envint("REDIS_CONNECT_TIMEOUT_SECONDS", 2)
REDIS_SOCKET_TIMEOUT_SECONDS = envint("REDIS_SOCKET_TIMEOUT_SECONDS", 3)
# After a failure to reach Redis, a process skips it (queues nothing, caches nothing) for this long.
REDIS_OUTAGE_PAUSE_SECONDS = envint("REDIS_OUTAGE_PAUSE_SECONDS", 5)
if REDIS_URL:
    CACHES = {
        "default": {
            # Answers as an empty cache while Redis is unreachable, instead of failing the request.
            "BACKEND": "cxhub.resilience.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "cxhub",
            "OPTIONS": {
                "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", REDIS_URL) or "memory://"
# Without a broker every task runs in-process at once, so the embedded app needs no worker.
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", not (REDIS_URL or
                                                                   envstr("CELERY_BROKER_URL")))
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True  # a task whose worker dies is delivered again: tasks are idempotent
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", 300)
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", 360)
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Workers and beat wait out a broker outage of any length and reconnect by themselves.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Publishing from a request: bounded connects and reads, and one quick retry (it reconnects a pooled
# connection a Redis restart closed). A broker still unreachable is the caller's warning, not its error.
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT_SECONDS
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_SECONDS,
    "socket_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,  # above the 1 s a worker's BRPOP waits for
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0.2, "interval_step": 0.2,
                                    "interval_max": 0.2}
CELERY_TIMEZONE = "UTC"
CELERY_IMPORTS = ["cxhub.imports.tasks"]  # task modules outside the apps' tasks.py
CELERY_BEAT_SCHEDULE = {
    "rollup-scores": {
        "task": "journeys.tasks.rollup_scores",
        "schedule": envint("ROLLUP_INTERVAL_SECONDS", 60),
        # A missed tick is covered by the next one: never let a queue of stale ones build up.
        "options": {"expires": envint("ROLLUP_INTERVAL_SECONDS", 60)},
    },
    # SLA status (ok / at risk / breached) of open tickets; due times change with every service call.
    "update-sla-statuses": {
        "task": "tickets.tasks.update_sla_statuses",
        "schedule": envint("SLA_INTERVAL_SECONDS", 60),
        "options": {"expires": envint("SLA_INTERVAL_SECONDS", 60)},
    },
    "close-resolved-tickets": {
        "task": "tickets.tasks.close_resolved_tickets",
        "schedule": 3600,
        "options": {"expires": 3600},
    },
    "remind-pending-customers": {
        "task": "tickets.tasks.remind_pending_customers",
        "schedule": 900,
        "options": {"expires": 900},
    },
    # Survey invitations whose time has come (a resolved ticket's delay, an event, a batch).
    # Alerts: below target or a drop beyond noise; de-duplicated, so an hourly run mails once.
    "evaluate-alerts": {
        "task": "journeys.tasks.evaluate_alerts",
        "schedule": envint("ALERTS_INTERVAL_SECONDS", 3600),
        "options": {"expires": envint("ALERTS_INTERVAL_SECONDS", 3600)},
    },
    # Customer health moves with open tickets and days since the last contact.
    "recompute-customer-health": {
        "task": "journeys.tasks.recompute_customer_health",
        "schedule": envint("HEALTH_INTERVAL_SECONDS", 3600),
        "options": {"expires": envint("HEALTH_INTERVAL_SECONDS", 3600)},
    },
    # Service impact and key drivers: heavy reads over the ledger, stored for the pages.
    "refresh-analyses": {
        "task": "journeys.tasks.refresh_analyses",
        "schedule": envint("ANALYSIS_INTERVAL_SECONDS", 86400),
        "options": {"expires": envint("ANALYSIS_INTERVAL_SECONDS", 86400)},
    },
    "send-due-invitations": {
        "task": "feedback.tasks.send_due_invitations",
        "schedule": envint("INVITATION_INTERVAL_SECONDS", 60),
        "options": {"expires": envint("INVITATION_INTERVAL_SECONDS", 60)},
    },
    # Idempotency-Key records past their lifetime (docs/api.md); expired keys already act as new.
    "purge-idempotency-records": {
        "task": "cxhub.tasks.purge_idempotency_records",
        "schedule": envint("IDEMPOTENCY_PURGE_INTERVAL_SECONDS", 86400),
        "options": {"expires": envint("IDEMPOTENCY_PURGE_INTERVAL_SECONDS", 86400)},
    },
    # Webhook deliveries the broker missed and retries that are due; stale ones abandoned.
    "retry-webhook-deliveries": {
        "task": "cxhub.tasks.retry_webhook_deliveries",
        "schedule": envint("WEBHOOK_SWEEP_INTERVAL_SECONDS", 30),
        "options": {"expires": envint("WEBHOOK_SWEEP_INTERVAL_SECONDS", 30)},
    },
}

# --- E-mail ----------------------------------------------------------------------------------------
EMAIL_HOST = envstr("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = envint("EMAIL_PORT", 587)
    EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "CX Hub <cxhub@localhost>")
# The public address customers reach the survey pages at; links in invitation e-mails start with it.
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000")

# --- Auth ------------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Audit log of configuration changes: who changed what, when, from where (auditlog.LogEntry rows,
# shown to managers at /audit/). Operational records (tickets, answers, signals) are not listed here:
# they keep their own event history.
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    "journeys.Program", "journeys.Journey", "journeys.Stage", "journeys.Touchpoint",
    "journeys.Goal", "journeys.Persona", "journeys.Initiative",
    {"model": "cxhub.Team", "m2m_fields": {"members"}},
    {"model": "auth.User", "exclude_fields": ["password", "last_login"], "m2m_fields": {"groups"}},
    {"model": "auth.Group", "m2m_fields": {"permissions"}},
    # Who may see every team's tickets (the People page); the interface language is a personal choice.
    {"model": "cxhub.Profile", "exclude_fields": ["language", "updated_at"]},
    "tickets.SlaPolicy", "tickets.BusinessCalendar", "tickets.BusinessHours", "tickets.Holiday",
    "tickets.RoutingRule", "tickets.TeamRouting", "tickets.Category", "tickets.ResolutionCode",
    "tickets.CustomField", "tickets.CannedResponse",
    "feedback.Survey", "feedback.FeedbackSettings", "feedback.TicketSurveyRule",
)
AUDITLOG_STORE_JSON_CHANGES = True

AUTHENTICATION_BACKENDS = [
    # Counts failed logins and refuses further tries once locked out, then hands over.
    "axes.backends.AxesStandaloneBackend",
    # Django's model backend, reading permissions in one query instead of two.
    "cxhub.auth_backend.RoleBackend",
]
# Lockout: after AXES_FAILURE_LIMIT failures for one username, or from one address, further tries are
# refused for the cool-off period (a successful login resets the count).
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Languages and time ----------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("el", "Ελληνικά"), ("vi", "Tiếng Việt"), ("fa", "فارسی")]
LOCALE_PATHS = [BASE_DIR / "locale"]  # .po files; the .mo files are compiled by the build
# The language switcher's cookie (anyone, signed in or not) lasts a year; a signed-in person's profile
# language comes first (cxhub.languages has the order).
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
# Daily score components are cut at midnight in this zone.
TIME_ZONE = envstr("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Long lists ------------------------------------------------------------------------------------
# The ticket queue and the answer list count at most this many matching rows (cxhub/pagination.py).
LIST_COUNT_CAP = envint("LIST_COUNT_CAP", 2000)

# --- Static files ----------------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploaded attachments; served only through a permission-checked download view, never directly.
MEDIA_ROOT = envstr("MEDIA_ROOT", str(BASE_DIR / "media"))
MEDIA_URL = "/media/"
ATTACHMENT_MAX_BYTES = envint("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # form fields other than files

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security (production defaults; each can be relaxed explicitly behind a TLS proxy) -------------
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not DEBUG)
if envbool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # the container healthcheck speaks plain HTTP
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response: scripts only from our own static files (no inline script,
# no eval), nothing framed, forms post only to us. Inline style attributes stay allowed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- REST API --------------------------------------------------------------------------------------
def envrate(name: str, default: str) -> str | None:
    """A throttle rate such as 1200/min (/s, /min, /hour, /day); "off" for no limit."""
    import re  # only here: the one helper that needs it

    raw = envstr(name, default).strip()
    if raw.lower() == "off":
        return None
    if not re.fullmatch(r"\d+/(s|sec|second|m|min|minute|h|hour|d|day)", raw):
        raise ImproperlyConfigured(f"{name} must look like 1200/min (or off), not {raw!r}")
    return raw


REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cxhub.auth.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["cxhub.api.RolePermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "cxhub.api.DefaultPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "cxhub.api.exception_handler",
    "DEFAULT_METADATA_CLASS": "cxhub.api_metadata.SafeMetadata",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Counted per user (so per token) and per address for the few token-free endpoints, in the default
    # cache: local memory when embedded, Redis with REDIS_URL, shared by every web process.
    "DEFAULT_THROTTLE_CLASSES": ["cxhub.api.UserThrottle", "cxhub.api.AnonThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user": envrate("API_THROTTLE_USER", "1200/min"),
        "anon": envrate("API_THROTTLE_ANON", "60/min"),
    },
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")

# Idempotency-Key on POST (docs/api.md): the first answer is replayed to repeats for this long; an
# older key acts as new.
IDEMPOTENCY_KEY_TTL = timedelta(hours=envint("IDEMPOTENCY_KEY_TTL_HOURS", 24))
# A key whose first request is still unanswered after this long is taken over by the next request with
# it (that request's worker died). Longer than any request may run: gunicorn's timeout is 30 s.
IDEMPOTENCY_STALE_AFTER = timedelta(seconds=envint("IDEMPOTENCY_STALE_SECONDS", 300))

SPECTACULAR_SETTINGS = {
    "TITLE": "CX Hub API",
    "DESCRIPTION": "Customers, journeys, touchpoints, tickets, survey responses and experience scores.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cxhub.api_schema.add_error_responses",  # every operation documents its error answers
    ],
}

# --- Scores ----------------------------------------------------------------------------------------
# Signals handled by one rollup transaction: each costs one index-range read of its touchpoint-day.
ROLLUP_BATCH_SIZE = envint("ROLLUP_BATCH_SIZE", 5000)
# New signals queue one rollup per burst, this many seconds after the burst's first commit.
ROLLUP_DEBOUNCE_SECONDS = envint("ROLLUP_DEBOUNCE_SECONDS", 5)

# --- Service desk automations ----------------------------------------------------------------------
# Open tickets recomputed per SLA run: each costs a row lock and one read of its history.
SLA_BATCH_SIZE = envint("SLA_BATCH_SIZE", 500)
# Tickets closed or reminded per automation run: each is one short transaction (and maybe one e-mail).
AUTOMATION_BATCH_SIZE = envint("AUTOMATION_BATCH_SIZE", 200)
TICKET_AUTO_CLOSE_DAYS = envint("TICKET_AUTO_CLOSE_DAYS", 7)
PENDING_REMINDER_HOURS = envint("PENDING_REMINDER_HOURS", 48)

# --- Survey invitations ----------------------------------------------------------------------------
# Invitations sent per sender run: each is one short transaction and one e-mail.
INVITATION_BATCH_SIZE = envint("INVITATION_BATCH_SIZE", 200)
# Customers invited per transaction of a segment batch: each costs a customer row lock and a fatigue query.
INVITE_BATCH_SIZE = envint("INVITE_BATCH_SIZE", 500)

# --- Outgoing webhooks (docs/webhooks.md) ----------------------------------------------------------
WEBHOOK_TIMEOUT_SECONDS = envint("WEBHOOK_TIMEOUT_SECONDS", 5)
# Seconds to wait after the 1st, 2nd, ... failed attempt; the last step repeats until the window ends.
WEBHOOK_RETRY_SCHEDULE = [int(step) for step in envlist("WEBHOOK_RETRY_SCHEDULE",
                                                        "30,120,600,1800,3600,7200,14400")]
WEBHOOK_RETRY_WINDOW_HOURS = envint("WEBHOOK_RETRY_WINDOW_HOURS", 24)
# A subscription is switched off after this many failed attempts in a row spanning this many hours.
WEBHOOK_DISABLE_AFTER_FAILURES = envint("WEBHOOK_DISABLE_AFTER_FAILURES", 20)
WEBHOOK_DISABLE_AFTER_HOURS = envint("WEBHOOK_DISABLE_AFTER_HOURS", 24)
# Deliveries queued per sweep run: each costs one claim, one HTTP request of at most the timeout.
WEBHOOK_BATCH_SIZE = envint("WEBHOOK_BATCH_SIZE", 200)
WEBHOOK_EVENT_RETENTION_DAYS = envint("WEBHOOK_EVENT_RETENTION_DAYS", 30)

# --- CSV import (docs/import.md) ---------------------------------------------------------------------
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", 20 * 1024 * 1024)
# Rows per transaction: each costs its importer's queries (a few for a customer, a few dozen for a ticket).
IMPORT_BATCH_SIZE = envint("IMPORT_BATCH_SIZE", 500)
# A task run starts no new batch after this many seconds and queues the rest, inside the time limits.
IMPORT_TASK_SECONDS = envint("IMPORT_TASK_SECONDS", 120)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
}
