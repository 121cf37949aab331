"""The one settings module, read from the environment (django-environ).

Local defaults need no server: SQLite under ``var/`` and Celery's filesystem broker. Production
sets ``DATABASE_URL``, ``CELERY_BROKER_URL``, ``DJANGO_SECRET_KEY``, ``DJANGO_ALLOWED_HOSTS``, …
(see the README's configuration table). Nothing exists only in production.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

VAR_DIR = Path(env.str("DJANGO_VAR_DIR", default=str(BASE_DIR / "var")))

# The test suite runs on ``config.settings_test``: these settings, on the machine's PostgreSQL
# and Redis.

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set (or DJANGO_DEBUG=true for local development)."
        )
    SECRET_KEY = "django-insecure-local-development-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "config.admin_site.CoachingAdminConfig",  # django.contrib.admin, with the trainers' home
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "axes",
    # ours: exercises <- coaching <- triage (data flows one way)
    "exercises",
    "coaching",
    "triage",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.api.middleware.BodySizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # last, as django-axes asks: turns a lockout into its response
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # web, worker and beat share the file: WAL and immediate transactions avoid "locked" errors
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "coaching.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked-out logins first
    "coaching.accounts.auth.ModelBackend",  # Django's, reading the profile too
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"

# Brute-force lockout (django-axes): portal login, admin login and the API token endpoint.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "config.api.errors.lockout_response"
AXES_VERBOSE = False

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS: list[Path | tuple[str, Path]] = [BASE_DIR / "static"]
# Chart.js for the portal's history page, installed from the npm registry by `npm ci`
# (package-lock.json; `make run` and `make test` run it) and served as static/vendor/chartjs/.
CHARTJS_DIST = BASE_DIR / "node_modules" / "chart.js" / "dist"
if CHARTJS_DIST.is_dir():
    STATICFILES_DIRS.append(("vendor/chartjs", CHARTJS_DIST))
# --- Uploads (editors' exercise pictures and videos) ----------------------------------------
# On the local disk under the var dir by default (``make run``; Django serves them when DEBUG is
# on, a reverse proxy in production); in an S3-compatible bucket when MEDIA_S3_BUCKET is set
# (django-storages; credentials from the usual AWS_* variables or the machine's role).
MEDIA_URL = env.str("DJANGO_MEDIA_URL", default="/media/")
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_S3_BUCKET = env.str("MEDIA_S3_BUCKET", default="")
EXERCISE_IMAGE_MAX_MB = env.int("EXERCISE_IMAGE_MAX_MB", default=5)
EXERCISE_VIDEO_MAX_MB = env.int("EXERCISE_VIDEO_MAX_MB", default=25)
DEFAULT_STORAGE: dict[str, object] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if MEDIA_S3_BUCKET:
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": env.str("MEDIA_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("MEDIA_S3_REGION", default="") or None,
            "custom_domain": env.str("MEDIA_S3_CUSTOM_DOMAIN", default="") or None,
            "location": env.str("MEDIA_S3_PREFIX", default="media"),
            "file_overwrite": False,
            "default_acl": None,
            # links that expire unless the bucket is served publicly through a custom domain
            "querystring_auth": not env.str("MEDIA_S3_CUSTOM_DOMAIN", default=""),
            "querystring_expire": 3600,
        },
    }
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": env.str(
            "DJANGO_STATICFILES_STORAGE",
            default=(
                "django.contrib.staticfiles.storage.StaticFilesStorage"
                if DEBUG
                else "whitenoise.storage.CompressedManifestStaticFilesStorage"
            ),
        )
    },
}

# --- Security (production values are the defaults whenever DEBUG is off) ----------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
# Preloading HSTS is a commitment the operator makes for the whole domain (README), so it is
# opt-in, and its reminder (security.W021) is not an error.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Request bodies: nothing a client sends legitimately comes near this.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_MAX_BODY_BYTES", default=256 * 1024)

# --- Email ----------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="coaching@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "coaching.accounts.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "config.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "PAGE_SIZE": 50,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
DRF_STANDARDIZED_ERRORS = {
    "EXCEPTION_HANDLER_CLASS": "config.api.errors.ExceptionHandler",
    # the envelope also for unexpected errors when DEBUG is on: one shape for the mobile apps
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
}
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=30)),
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_LIMIT_PER_USER": None,
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Coaching platform API",
    "DESCRIPTION": (
        "The API the client and trainer mobile apps are written against (v1). "
        "Sign in with POST /api/v1/auth/token/ and send `Authorization: Token <token>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "FlagStatusEnum": "triage.models.FlagStatus",
        "ProgramStatusEnum": "coaching.programs.models.ProgramStatus",
        "InvitationStatusEnum": "coaching.accounts.models.Invitation.Status",
        "WeekdayEnum": "coaching.programs.schedule.CHOICES",
        "ValidationErrorEnum": "drf_standardized_errors.openapi_serializers.ValidationErrorEnum.choices",
        "ClientErrorEnum": "drf_standardized_errors.openapi_serializers.ClientErrorEnum.choices",
        "ServerErrorEnum": "drf_standardized_errors.openapi_serializers.ServerErrorEnum.choices",
        "ErrorCode401Enum": "drf_standardized_errors.openapi_serializers.ErrorCode401Enum.choices",
        "ErrorCode403Enum": "drf_standardized_errors.openapi_serializers.ErrorCode403Enum.choices",
        "ErrorCode404Enum": "drf_standardized_errors.openapi_serializers.ErrorCode404Enum.choices",
        "ErrorCode405Enum": "drf_standardized_errors.openapi_serializers.ErrorCode405Enum.choices",
        "ErrorCode406Enum": "drf_standardized_errors.openapi_serializers.ErrorCode406Enum.choices",
        "ErrorCode415Enum": "drf_standardized_errors.openapi_serializers.ErrorCode415Enum.choices",
        "ErrorCode429Enum": "drf_standardized_errors.openapi_serializers.ErrorCode429Enum.choices",
        "ErrorCode500Enum": "drf_standardized_errors.openapi_serializers.ErrorCode500Enum.choices",
        "ParseErrorCodeEnum": "drf_standardized_errors.openapi_serializers.ParseErrorCodeEnum.choices",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        "config.api.schema.truthful_schema",
    ],
}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")


def broker_transport_options(url: str) -> dict[str, object]:
    """The filesystem broker's folders under ``var/``, or Redis's timeouts."""
    if url.startswith("filesystem://"):
        queue_dir = VAR_DIR / "celery-broker"
        return {
            "data_folder_in": str(queue_dir / "queue"),
            "data_folder_out": str(queue_dir / "queue"),
            "processed_folder": str(queue_dir / "processed"),
            "control_folder": str(queue_dir / "control"),  # kombu's default is ./control
            "store_processed": False,
            # kombu's virtual transports look for new messages every second by default: with
            # the demo data's reviews queued, a new log waited behind them for minutes
            "polling_interval": 0.1,
        }
    # Redis redelivers an unacknowledged task after this; no countdown may exceed it.
    return {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        # A web request that enqueues a review must not hang when Redis is down: give up
        # within about a second (the log is already saved, pending; the sweeper catches up).
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.2,
        "socket_connect_timeout": 1,
        "socket_timeout": 5,
    }


CELERY_BROKER_TRANSPORT_OPTIONS = broker_transport_options(CELERY_BROKER_URL)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = False
# A publish while the broker is down must not hang a web request: the row records that it is
# pending, and the sweeper enqueues it again later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule")
)
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "triage.tasks.record_heartbeat", "schedule": 60.0},
    # a log pending for more than a minute (saved while the broker was down) is reviewed
    "triage-sweeper": {
        "task": "triage.tasks.sweep_pending",
        "schedule": env.float("TRIAGE_SWEEP_EVERY_SECONDS", default=60.0),
    },
    # the time-based rules (persisting pain, adherence, weekly trends) for every active client
    "triage-nightly": {
        "task": "triage.tasks.review_all_clients",
        "schedule": crontab(hour=env.int("TRIAGE_NIGHTLY_HOUR", default=2), minute=0),
    },
    # expired API tokens (refused when presented; this keeps the table small)
    # clients' reminders: what is due is sent once (a row per client, day and kind)
    "reminders": {
        "task": "coaching.reminders.tasks.send_reminders",
        "schedule": env.float("REMINDERS_EVERY_SECONDS", default=300.0),
    },
    "token-sweep": {
        "task": "coaching.accounts.tasks.sweep_expired_tokens",
        "schedule": crontab(hour=3, minute=30),
    },
    "triage-digest": {
        "task": "triage.tasks.send_digests",
        "schedule": crontab(hour=env.int("TRIAGE_DIGEST_HOUR", default=7), minute=0),
    },
}
HEARTBEAT_STALE_AFTER = timedelta(minutes=5)

# --- Triage ---------------------------------------------------------------------------------
TRIAGE_SWEEP_AFTER_SECONDS = env.int("TRIAGE_SWEEP_AFTER_SECONDS", default=60)
TRIAGE_NIGHTLY_BATCH = env.int("TRIAGE_NIGHTLY_BATCH", default=200)
# a review task also reviews up to this many clients in all whose logs wait (one pass for logs
# that arrive together; 1: each task its own client only)
TRIAGE_REVIEW_BATCH = env.int("TRIAGE_REVIEW_BATCH", default=20)
# where links in emails point (the admin's flag pages)
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# Web Push (coaching.reminders.push): the VAPID private key (32 bytes, base64url; `manage.py
# push_key` makes one) and the contact the push services may write to. With no key, push
# reminders are recorded as skipped. In development (DJANGO_DEBUG) the key `make run` wrote to
# var/vapid-private-key is used when the environment gives none.
DEV_VAPID_FILE = VAR_DIR / "vapid-private-key"
VAPID_PRIVATE_KEY = env.str(
    "VAPID_PRIVATE_KEY",
    default=DEV_VAPID_FILE.read_text().strip() if DEBUG and DEV_VAPID_FILE.exists() else "",
)
VAPID_SUBJECT = env.str("VAPID_SUBJECT", default=f"mailto:{DEFAULT_FROM_EMAIL}")
# how long an invitation link works (coaching.accounts.services.invitation_send)
INVITATION_DAYS = env.int("INVITATION_DAYS", default=7)

# --- Catalogue ------------------------------------------------------------------------------
CATALOGUE_FILE = BASE_DIR / "exercises" / "catalogue" / "catalogue.yaml"
# Callables ``(exercise_ids) -> {id: reason}`` that say an exercise is in use (for instance
# prescribed in a program). Retiring or pruning such an exercise is refused. The catalogue app
# imports nothing of ours; the apps that use exercises register their checks here.
EXERCISE_IN_USE_CHECKS: list[str] = ["coaching.programs.selectors.exercises_prescribed"]

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},  # its INFO is a line per layout step
        "fontTools": {"level": "WARNING"},
    },
}
