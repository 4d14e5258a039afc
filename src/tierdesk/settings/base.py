"""Tierdesk settings, read only from the environment (see README, "Configuration").

A malformed value raises `tierdesk.env.ConfigError` naming the variable; the `tierdesk` command turns that
into a one-line message and exit status 2.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from tierdesk.env import (
    ConfigError,
    env_bool,
    env_int,
    env_list,
    env_networks,
    env_path,
    env_secret,
    env_str,
    parse_database_url,
    parse_email_url,
)

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def _default_data_dir() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "tierdesk"


DATA_DIR = env_path("TIERDESK_DATA_DIR", _default_data_dir())
try:
    DATA_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
except OSError as exc:
    raise ConfigError(f"TIERDESK_DATA_DIR: cannot create {str(DATA_DIR)!r}: {exc.strerror}") from None


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the data directory."""
    key = env_secret("SECRET_KEY")
    if key is not None:
        if len(key) < 50:
            raise ConfigError("SECRET_KEY: use at least 50 random characters")
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        # O_EXCL: two processes starting at once must not each write a different key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(secrets.token_urlsafe(64))
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

DATABASES = {
    "default": parse_database_url(
        "DATABASE_URL", env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'tierdesk.sqlite3'}")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background jobs: SQLite-backed Huey needs no server; REDIS_URL moves the queue to Redis so several
# machines can share it. Periodic jobs must run on exactly one consumer (`run_huey -n` on the others).
REDIS_URL = env_secret("REDIS_URL")
HUEY: dict[str, object] = {
    "name": env_str("TIERDESK_QUEUE_NAME", "tierdesk"),
    "immediate": False,
    "utc": True,
    "consumer": {"workers": env_int("TIERDESK_WORKERS", 2, minimum=1), "worker_type": "thread"},
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(DATA_DIR / "queue.sqlite3")})

# A cache shared by every process of the desk (sign-in throttling, rate limits): Redis when there is
# one, else files in the data directory (a per-process memory cache would let each worker count alone).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("TIERDESK_QUEUE_NAME", "tierdesk"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

EMAIL_URL = env_secret("EMAIL_URL") or "console:"
globals().update(parse_email_url("EMAIL_URL", EMAIL_URL))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Tierdesk <desk@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

INSTALLED_APPS = [
    "tierdesk.accounts",
    "tierdesk.catalog",
    "tierdesk.customers",
    "tierdesk.tickets",
    "tierdesk.notify",
    "tierdesk.mail",
    "tierdesk.console",
    "tierdesk.kb",
    "tierdesk.portal",
    "tierdesk.monitoring",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    "django_htmx",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "tierdesk.middleware.UserPreferencesMiddleware",
]

ROOT_URLCONF = "tierdesk.urls"
WSGI_APPLICATION = "tierdesk.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "console:home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Instants are stored in UTC; local time exists only inside business calendars and on screen.
USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = True
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français"), ("de", "Deutsch"), ("nb", "Norsk bokmål")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750

# Browser hardening that holds on plain HTTP too; HTTPS-only settings live in `production`.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

# No inline script or style anywhere: every page works under this policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Case numbers: <prefix>-<year>-<sequence>; a provider's catalog may set its own prefix.
TIERDESK_CASE_PREFIX = env_str("TIERDESK_CASE_PREFIX", "TD")
# Warn the assignee and team lead when a clock has used this share of its target (and again on breach).
TIERDESK_SLA_WARNING_PERCENT = env_int("TIERDESK_SLA_WARNING_PERCENT", 75, minimum=1)
if TIERDESK_SLA_WARNING_PERCENT >= 100:
    raise ConfigError(
        "TIERDESK_SLA_WARNING_PERCENT: must be below 100 (the breach itself is always notified)"
    )
# The desk's address as people reach it, for links in e-mails.
TIERDESK_BASE_URL = env_str("TIERDESK_BASE_URL", "http://127.0.0.1:8000")

# Customer portal: idle sign-out, sign-in throttling (failures per 15 minutes), uploads.
TIERDESK_PORTAL_IDLE_MINUTES = env_int("TIERDESK_PORTAL_IDLE_MINUTES", 30, minimum=1)
TIERDESK_PORTAL_ACCOUNT_ATTEMPTS = env_int("TIERDESK_PORTAL_ACCOUNT_ATTEMPTS", 5, minimum=1)
TIERDESK_PORTAL_IP_ATTEMPTS = env_int("TIERDESK_PORTAL_IP_ATTEMPTS", 30, minimum=1)
TIERDESK_PORTAL_MAX_FILE_MB = env_int("TIERDESK_PORTAL_MAX_FILE_MB", 10, minimum=1)
TIERDESK_PORTAL_MAX_FILES = env_int("TIERDESK_PORTAL_MAX_FILES", 5, minimum=1)
TIERDESK_PORTAL_MAX_TOTAL_MB = env_int("TIERDESK_PORTAL_MAX_TOTAL_MB", 25, minimum=1)

# Infrastructure monitoring. Checks never reach loopback, link-local, private, multicast or reserved
# addresses unless they fall in one of these networks (so the checker cannot be aimed at the desk's
# own network); an extra CA bundle for customers' private HTTPS; the desk's addresses for fault
# mails (empty: the agents who serve the customer's provider); how often an unacknowledged fault is
# mailed again; the largest webhook body accepted.
TIERDESK_MONITORING_ALLOWED_NETWORKS = env_networks("TIERDESK_MONITORING_ALLOWED_NETWORKS", [])
TIERDESK_MONITORING_CA_FILE = env_str("TIERDESK_MONITORING_CA_FILE", "")
TIERDESK_MONITORING_DESK_EMAILS = env_list("TIERDESK_MONITORING_DESK_EMAILS", [])
TIERDESK_MONITORING_REPEAT_MINUTES = env_int("TIERDESK_MONITORING_REPEAT_MINUTES", 60, minimum=1)
TIERDESK_MONITORING_FLAP_MINUTES = env_int("TIERDESK_MONITORING_FLAP_MINUTES", 30, minimum=0)
TIERDESK_MONITORING_MAX_PAYLOAD_KB = env_int("TIERDESK_MONITORING_MAX_PAYLOAD_KB", 256, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # A handler of its own stops run_huey from adding a second one (each line printed twice).
        "huey": {"level": "INFO", "handlers": ["console"], "propagate": False},
    },
}
