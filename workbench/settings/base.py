"""Every setting of the workbench, read from the environment (12-factor).

`local.py`, `production.py` and `test.py` only adjust defaults. Each variable read here is listed
in docs/configuration.md; add it there when you add one here.

Two run modes fall out of the environment:
- embedded (no DATABASE_URL, no REDIS_URL): SQLite in var/, Celery tasks run by a worker thread
  inside the web process, in-memory channel layer and cache. Needs nothing but Python.
- served (DATABASE_URL=postgres://..., REDIS_URL=redis://...): PostgreSQL, Redis-backed Celery,
  Channels and cache, with `celery -A workbench worker` as a separate process.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

# Only ever good enough for a developer's machine; production.py refuses to start with it.
INSECURE_SECRET_KEY = "django-insecure-workbench-local-only"  # noqa: S105

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    """The value of NAME, or the contents of the file named by NAME_FILE (Docker/K8s secrets)."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_path!r} cannot be read: {exc}") from exc
    return os.environ.get(name)


def env_str(name: str, default: str = "") -> str:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool = False) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true/false, 1/0)")


def env_int(name: str, default: int) -> int:
    value = _raw(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer") from exc


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    """A comma-separated list; blanks are dropped so `A,B,` and ` A, B` mean the same."""
    value = _raw(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


# --- Core ------------------------------------------------------------------------------------
SECRET_KEY = env_str("SECRET_KEY", INSECURE_SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # daphne first: its runserver replaces Django's, so `manage.py runserver` serves websockets.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles so runserver serves static files the way production does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "ninja",
    "apps.core",
    "apps.accounts",
    "apps.workspaces",  # workspaces/architectures helper: workspaces, memberships, API tokens
    "apps.architectures",  # workspaces/architectures helper: stored models and revisions
    "apps.imports",  # imports helper: importers, merge previews and drift
    "apps.editor",  # editor helper: workspace pages, the model editor, live websocket
    "apps.exports",  # exports helper: export jobs (bundles built by the exporters library)
    "apps.diagrams",  # diagrams helper: Graphviz views with findings (the render task)
    "apps.rules",  # the rule catalog and engine, the CI API and the catalog pages
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "apps.core.http.RequestGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "workbench.urls"
WSGI_APPLICATION = "workbench.wsgi.application"
ASGI_APPLICATION = "workbench.asgi.application"

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
                "apps.core.context_processors.workbench",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------------
# SQLite: IMMEDIATE transactions take the write lock up front, so concurrent writers (web
# requests and the embedded worker thread) queue on `timeout` instead of failing with
# "database is locked" halfway through a transaction. WAL lets readers run during a write.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            # Persistent connections do not mix with ASGI's per-request threads; 0 by default.
            conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "db.sqlite3"),
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: one URL feeds Celery, Channels and the cache ---------------------------------------
REDIS_URL = env_str("REDIS_URL")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Fail fast (503) rather than hang a request when Redis does not answer.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Process-local: fine for one web process, which is what embedded mode is.
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Celery (read by workbench/celery.py through the CELERY_ namespace) ----------------------
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_TRACK_STARTED = True
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600)
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# The memory transport is polled; 0.1 s keeps embedded jobs snappy at negligible cost.
# With Redis: a broker that does not answer within seconds makes the API answer 503 instead of
# hanging the request (see apps.core.errors.QueueUnavailable).
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {"polling_interval": 0.1}
    if not REDIS_URL
    else {"socket_connect_timeout": 2, "socket_timeout": 5, "max_retries": 1}
)
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_TIMEZONE = "UTC"
# A running job whose heartbeat is older than this lost its worker; the sweep (every
# WORKBENCH_JOB_SWEEP_SECONDS, by `celery beat` and by the embedded worker) requeues it.
WORKBENCH_JOB_STALE_SECONDS = env_int("WORKBENCH_JOB_STALE_SECONDS", 300)
WORKBENCH_JOB_SWEEP_SECONDS = env_int("WORKBENCH_JOB_SWEEP_SECONDS", 60)
CELERY_BEAT_SCHEDULE = {
    "export-jobs-sweep": {
        "task": "exports.export_jobs_sweep",
        "schedule": float(WORKBENCH_JOB_SWEEP_SECONDS),
    },
}

# Without Redis there is no separate worker process: a Celery worker runs in daemon threads of
# the web process, started on the first task publish (see workbench/celery.py).
WORKBENCH_EMBEDDED_WORKER = env_bool("WORKBENCH_EMBEDDED_WORKER", not REDIS_URL)
WORKBENCH_EMBEDDED_WORKER_CONCURRENCY = env_int("WORKBENCH_EMBEDDED_WORKER_CONCURRENCY", 2)

# --- Auth ------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
WORKBENCH_SIGNUP_ENABLED = env_bool("WORKBENCH_SIGNUP_ENABLED", True)

# --- Security --------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Uploads and model limits ----------------------------------------------------------------
WORKBENCH_MAX_MODEL_BYTES = env_int("WORKBENCH_MAX_MODEL_BYTES", 5 * 1024 * 1024)
WORKBENCH_MAX_ELEMENTS = env_int("WORKBENCH_MAX_ELEMENTS", 20_000)
# A little above the model limit so an oversized model reaches our own validation (which says
# what the limit is) instead of Django's generic RequestDataTooBig.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int(
    "DATA_UPLOAD_MAX_MEMORY_SIZE", WORKBENCH_MAX_MODEL_BYTES + 1024 * 1024
)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# --- Product behaviour -----------------------------------------------------------------------
# Per token (or user) rate of POST /api/v1/validate: "<count>/<sec|min|hour|day>"; empty = none.
WORKBENCH_VALIDATE_RATE = env_str("WORKBENCH_VALIDATE_RATE", "120/min")
# Diagrams larger than this many nodes are drawn by a background job (the API answers 202).
WORKBENCH_DIAGRAM_INLINE_MAX_NODES = env_int("WORKBENCH_DIAGRAM_INLINE_MAX_NODES", 300)
WORKBENCH_DIAGRAM_TIMEOUT = env_int("WORKBENCH_DIAGRAM_TIMEOUT", 20)  # seconds, inline drawing
WORKBENCH_DIAGRAM_JOB_TIMEOUT = env_int("WORKBENCH_DIAGRAM_JOB_TIMEOUT", 240)  # seconds, job
WORKBENCH_DIAGRAM_CACHE_SECONDS = env_int("WORKBENCH_DIAGRAM_CACHE_SECONDS", 24 * 3600)
# Where export bundles are written (served only through the API's permission and sha256 checks).
WORKBENCH_EXPORTS_ROOT = env_str("WORKBENCH_EXPORTS_ROOT", str(VAR_DIR / "exports"))

# --- i18n ------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# var/ holds the SQLite file and collected static files. WhiteNoise warns about a missing
# STATIC_ROOT, so create it; a read-only deployment must have created it at build time.
with contextlib.suppress(OSError):
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Logging ---------------------------------------------------------------------------------
# Console only (the process manager collects it). Nothing here logs request bodies or headers:
# django.request logs the path and status, and our own code must log ids, never payloads.
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        # SQL with parameters would leak model contents and secrets; never below WARNING.
        "django.db.backends": {"level": "WARNING"},
        "celery": {"level": env_str("CELERY_LOG_LEVEL", "WARNING").upper()},
    },
}
