"""Production: everything from `base`, served over HTTPS only.

`tierdesk manage check --deploy` is clean with this module (tested). Behind a TLS-terminating proxy,
set TIERDESK_PROXY_SSL_HEADER=true only if that proxy overwrites X-Forwarded-Proto itself.
"""

from tierdesk.env import env_bool, env_int

from .base import *  # noqa: F403

DEBUG = False
SECURE_SSL_REDIRECT = env_bool("TIERDESK_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("TIERDESK_HSTS_SECONDS", 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("TIERDESK_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("TIERDESK_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-tierdesk-session"
CSRF_COOKIE_NAME = "__Host-tierdesk-csrf"
if env_bool("TIERDESK_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
