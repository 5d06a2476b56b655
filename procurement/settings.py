"""The one settings module, read from the environment.

Embedded default (nothing set): DEBUG on, SQLite in the project folder, Celery on local folders (a worker
started by `make serve` runs the forecasts).
Production sets at least DJANGO_DEBUG=false, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL and
CELERY_BROKER_URL, and then `manage.py check --deploy` passes. A malformed value stops the start with
ImproperlyConfigured instead of being guessed at.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)

_LOCAL_SECRET_KEY = "local-development-only-key-never-used-when-DJANGO_DEBUG-is-false"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
# Django's own deploy check warns below 50 characters (security.W009); with DEBUG off a short key stops
# the start instead of only warning.
MIN_SECRET_KEY_CHARS = 50
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false.")
    SECRET_KEY = _LOCAL_SECRET_KEY
elif not DEBUG and (len(SECRET_KEY) < MIN_SECRET_KEY_CHARS or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured(
        f"DJANGO_SECRET_KEY must be at least {MIN_SECRET_KEY_CHARS} random characters when DJANGO_DEBUG is "
        f"false (it has {len(SECRET_KEY)})."
    )

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "procurement",
    "forecasting",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files (admin, API docs) from STATIC_ROOT under gunicorn: nothing else serves them in the image.
    # With DEBUG on, runserver's staticfiles handler serves them from the apps.
    *([] if DEBUG else ["whitenoise.middleware.WhiteNoiseMiddleware"]),
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "procurement.security.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "procurement.urls"
WSGI_APPLICATION = "procurement.wsgi.application"

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

# --- Database -----------------------------------------------------------------------------------------
# DATABASE_URL selects PostgreSQL in production (postgres://user:pass@host:5432/name); unset means SQLite.
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
_ENGINE = DATABASES["default"]["ENGINE"]
if _ENGINE not in ("django.db.backends.sqlite3", "django.db.backends.postgresql"):
    raise ImproperlyConfigured(f"DATABASE_URL must point at PostgreSQL or SQLite, not {_ENGINE}.")
if _ENGINE == "django.db.backends.sqlite3":
    # select_for_update() is a no-op on SQLite; IMMEDIATE transactions take the write lock up front so
    # conditional updates do not fail with "database is locked" halfway through
    # (docs/operations.md#reliability-and-security).
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
# Persistent connections: opening one per request costs ~2.5 ms on SQLite
# (measured by benchmarks/load_api.py).
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")

# --- Request limits (docs/operations.md#reliability-and-security) -------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=10 * 1024 * 1024)
# Usage files (ccusage, Admin API reports) larger than this are refused with a 413 (docs/usage-import.md).
USAGE_IMPORT_MAX_BYTES = env.int("USAGE_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)

# --- Celery ---------------------------------------------------------------------------------------------
# Production: CELERY_BROKER_URL is redis:// or amqp://. Unset (the embedded default): kombu's filesystem
# transport on local folders, with Celery's file result backend beside it, so `make serve` runs forecasts
# on a real worker started next to the web server and a request never waits for a simulation. Tests that
# want tasks in-process turn on eager execution themselves (tests/conftest.py); CELERY_TASK_ALWAYS_EAGER
# does the same for a process that should run without any worker.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
if CELERY_BROKER_URL and not CELERY_BROKER_URL.startswith(("redis://", "rediss://", "amqp://", "amqps://")):
    raise ImproperlyConfigured("CELERY_BROKER_URL must be a redis:// or amqp:// URL, or unset.")
CELERY_EMBEDDED = not CELERY_BROKER_URL
CELERY_EMBEDDED_DIR = Path(env.path("CELERY_EMBEDDED_DIR", default=BASE_DIR / "var" / "celery"))
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
# Redis redelivers an unacknowledged task after this many seconds (Celery's default, 1 hour). Runs are
# claimed in the database, so an early redelivery of a long task is a no-op, never a second result. Workers
# look for such tasks every 10 s and scan on every 10th look (kombu's defaults: up to ~100 s late);
# CELERY_UNACKED_RESTORE_SECONDS=N scans on every look, every N s. Without the reaper, a killed worker's
# run waits that long (README, operations).
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT_SECONDS", default=3600),
}
if _restore_seconds := env.int("CELERY_UNACKED_RESTORE_SECONDS", default=0):
    CELERY_BROKER_TRANSPORT_OPTIONS |= {
        "unacked_restore_interval": _restore_seconds,
        "unacked_restore_throttle": 1,
    }
if CELERY_EMBEDDED:
    CELERY_BROKER_URL = "filesystem://"
    _queue = CELERY_EMBEDDED_DIR / "queue"
    # One folder is both the in- and the out-box: every process reads the messages every process writes.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "control_folder": str(CELERY_EMBEDDED_DIR / "control"),
    }
    CELERY_RESULT_BACKEND = CELERY_RESULT_BACKEND or f"file://{CELERY_EMBEDDED_DIR / 'results'}"
    CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_EMBEDDED_DIR / "beat-schedule")
    for _folder in (_queue, CELERY_EMBEDDED_DIR / "control", CELERY_EMBEDDED_DIR / "results"):
        _folder.mkdir(parents=True, exist_ok=True)  # the transport lists them before anything is sent
# The queue tasks go to and workers read: one broker can serve separate deployments (or test stacks).
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Forecast runs (docs/operations.md) -----------------------------------------------------------
# Work bound per run: trials x months x (teams + features). 2e9 admits the reference large scenario
# (benchmarks/scenarios/large.json: 100,000 x 36 x 300 = 1.08e9) with headroom for a longer term.
FORECAST_COMPUTE_BUDGET = env.float("FORECAST_COMPUTE_BUDGET", default=2e9)
# Trials per block: 5,000 is forecasting.scenario_inputs.BLOCK_TRIALS. Each run stores the value it started
# with, so changing it never mixes block sizes inside one run; tests set a small one to stay fast.
FORECAST_BLOCK_TRIALS = env.int("FORECAST_BLOCK_TRIALS", default=5_000)
# Blocks per chunk task. A run with more blocks fans out as a Celery chord of chunks (needs a broker and a
# result backend); 4 blocks keeps the default 20,000-trial scenario one task, the large scenario's 20
# blocks become 5 chunks.
FORECAST_CHUNK_BLOCKS = env.int("FORECAST_CHUNK_BLOCKS", default=4)
# A working process touches its run every HEARTBEAT seconds from a background thread; a run silent for
# STALE seconds (10 missed heartbeats) belongs to a dead worker and the reaper hands it to another.
FORECAST_HEARTBEAT_SECONDS = env.float("FORECAST_HEARTBEAT_SECONDS", default=30.0)
FORECAST_STALE_SECONDS = env.float("FORECAST_STALE_SECONDS", default=300.0)
# docs/operations.md#reliability-and-security: reject_on_worker_lost requeues a task that kills its worker
# forever; stop after 3 attempts.
FORECAST_MAX_ATTEMPTS = 3
# How often Celery beat runs the reaper (stale runs, runs whose publish after commit failed).
FORECAST_REAPER_SECONDS = env.float("FORECAST_REAPER_SECONDS", default=60.0)
if not 0 < FORECAST_HEARTBEAT_SECONDS < FORECAST_STALE_SECONDS:
    raise ImproperlyConfigured("Need 0 < FORECAST_HEARTBEAT_SECONDS < FORECAST_STALE_SECONDS.")
if FORECAST_BLOCK_TRIALS < 1 or FORECAST_CHUNK_BLOCKS < 1 or FORECAST_REAPER_SECONDS <= 0:
    raise ImproperlyConfigured("FORECAST_BLOCK_TRIALS, _CHUNK_BLOCKS and _REAPER_SECONDS must be positive.")
CELERY_BEAT_SCHEDULE = {
    "reap-forecast-runs": {"task": "forecasting.tasks.reap_runs_task", "schedule": FORECAST_REAPER_SECONDS},
}

# --- REST framework -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # `Authorization: Token <secret>` for planning tools; the session for the browsable API and admin users.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "procurement.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Strict JSON in, JSON out, one error shape (procurement/api/errors.py) and never an HTML 500.
    "DEFAULT_PARSER_CLASSES": ["procurement.api.parsers.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "procurement.api.errors.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "procurement.api.pagination.ApiPagination",
    "PAGE_SIZE": 50,
    # Forecast starts per organization (forecasting/api/throttles.py). Not a security control
    # (docs/operations.md#reliability-and-security): the trials cap, the compute budget and the
    # per-organization active-run limit bound the work.
    "DEFAULT_THROTTLE_RATES": {"forecast_start": env.str("API_FORECAST_START_RATE", default="30/minute")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Claude commitment sizing API",
    "DESCRIPTION": (
        "Forecast Claude Code seat and Claude API spend by Monte Carlo and size the commitment.\n\n"
        "Authenticate with `Authorization: Token <secret>` (`manage.py create_api_token`). Every error "
        'is JSON `{"detail": "...", "code": "...", "errors": {"<field path>": ["..."]}}`: `errors` names '
        "each field at fault with the scenario validator's paths (`teams[2].usage_p90_usd`; `document` for "
        "the whole body) and is empty when no field is. Another organization's objects answer 404, "
        "exactly like objects that do not exist."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Swagger UI and Redoc from drf-spectacular-sidecar's static files: the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"ForecastRunStatusEnum": "forecasting.models.ForecastRun.Status"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "procurement.api.schema.add_components",
        "forecasting.api.schema.add_components",
    ],
}

# --- Security (production) ------------------------------------------------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}
