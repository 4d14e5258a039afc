"""Settings for the test suite: `base` with a throwaway data directory and a fast password hasher.

DATABASE_URL and REDIS_URL still come from the environment, so CI runs the same suite on PostgreSQL
and Redis.
"""

import os
import tempfile

os.environ.setdefault("TIERDESK_DATA_DIR", tempfile.mkdtemp(prefix="tierdesk-test-"))
os.environ.setdefault("EMAIL_URL", "locmem:")

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not the in-memory default: threads and subprocesses in tests then share the database
    # under the same WAL and busy-timeout rules as production (in-memory SQLite locks whole tables).
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405

# Static files straight from the source tree: no collectstatic before tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

# Each pytest-xdist worker gets its own cache keys (CI shares one Redis between workers).
CACHES["default"]["KEY_PREFIX"] = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"  # noqa: F405
