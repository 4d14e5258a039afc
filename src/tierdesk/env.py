"""Strict, typed access to settings from the environment.

Every setting Tierdesk reads from the environment goes through these helpers, so a bad value stops
start-up with one message that names the variable, instead of surfacing later as an odd failure.
A secret may also be given as a file (`SECRET_KEY_FILE=/run/secrets/key`), as container platforms do.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(Exception):
    """A setting in the environment is missing or malformed; the message names the variable."""


def _environ(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def env_str(name: str, default: str, *, environ: Mapping[str, str] | None = None) -> str:
    return _environ(environ).get(name, default)


def env_bool(name: str, default: bool, *, environ: Mapping[str, str] | None = None) -> bool:
    raw = _environ(environ).get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}: expected true or false (1/0, yes/no, on/off), got {raw!r}")


def env_int(
    name: str, default: int, *, minimum: int | None = None, environ: Mapping[str, str] | None = None
) -> int:
    raw = _environ(environ).get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name}: expected a whole number, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name}: must be at least {minimum}, got {value}")
    return value


def env_list(name: str, default: list[str], *, environ: Mapping[str, str] | None = None) -> list[str]:
    raw = _environ(environ).get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name: str, default: list[str], *, environ: Mapping[str, str] | None = None) -> list[str]:
    """Comma-separated IP networks (``127.0.0.1/32, 10.0.0.0/8``; a bare address is one host), each
    checked and normalised; a malformed one stops start-up."""
    import ipaddress

    networks = []
    for item in env_list(name, default, environ=environ):
        try:
            networks.append(str(ipaddress.ip_network(item, strict=True)))
        except ValueError as exc:
            raise ConfigError(f"{name}: {item!r} is not an IP network ({exc})") from None
    return networks


def env_path(name: str, default: Path, *, environ: Mapping[str, str] | None = None) -> Path:
    raw = _environ(environ).get(name)
    if raw is None or raw.strip() == "":
        return default
    return Path(raw).expanduser().resolve()


def env_secret(name: str, *, environ: Mapping[str, str] | None = None) -> str | None:
    """The value of NAME, or the content of the file named by NAME_FILE; None when neither is set."""
    env = _environ(environ)
    value = env.get(name)
    file_name = env.get(f"{name}_FILE")
    if value is not None and file_name is not None:
        raise ConfigError(f"{name}: set either {name} or {name}_FILE, not both")
    if file_name is not None:
        try:
            value = Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE: cannot read {file_name!r}: {exc.strerror}") from None
    if value is not None and not value.strip():
        raise ConfigError(f"{name}: is set but empty")
    return value


def parse_email_url(name: str, url: str) -> dict[str, object]:
    """Django e-mail settings from a URL such as ``smtp+starttls://user:pass@mail.example.com:587``.

    Schemes: ``smtp`` (plain), ``smtp+starttls``, ``smtps`` (implicit TLS), ``console``, ``file:///dir``,
    ``locmem`` (kept in memory, for tests) and ``dummy`` (discarded).
    """
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    backends = {
        "console": "django.core.mail.backends.console.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "dummy": "django.core.mail.backends.dummy.EmailBackend",
        "file": "django.core.mail.backends.filebased.EmailBackend",
    }
    if scheme in backends:
        settings: dict[str, object] = {"EMAIL_BACKEND": backends[scheme]}
        if scheme == "file":
            if not parts.path:
                raise ConfigError(f"{name}: file:// needs a directory, e.g. file:///var/mail/tierdesk")
            settings["EMAIL_FILE_PATH"] = unquote(parts.path)
        return settings
    tls = {"smtp": (False, False), "smtp+starttls": (True, False), "smtps": (False, True)}
    if scheme not in tls:
        raise ConfigError(
            f"{name}: unknown scheme {parts.scheme!r}; use smtp, smtp+starttls, smtps, console, file, "
            "locmem or dummy"
        )
    try:
        port = parts.port
    except ValueError:
        raise ConfigError(f"{name}: the port is not a number") from None
    if not parts.hostname:
        raise ConfigError(f"{name}: the URL names no host")
    use_tls, use_ssl = tls[scheme]
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or (465 if use_ssl else 587 if use_tls else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": use_ssl,
        "EMAIL_TIMEOUT": 30,
    }


def parse_database_url(name: str, url: str) -> dict[str, object]:
    """Django DATABASES['default'] from ``sqlite:///path`` or ``postgres://user@host/db``.

    SQLite gets what a small web app needs to stay correct under concurrent writers: WAL journal,
    a busy timeout, and IMMEDIATE transactions so a transaction that will write takes the write lock
    at BEGIN instead of failing with "database is locked" halfway through.
    """
    import dj_database_url

    scheme = url.split(":", 1)[0].lower()
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ConfigError(f"{name}: unsupported database {scheme!r}; use sqlite:///… or postgres://…")
    try:
        config: dict[str, object] = dict(dj_database_url.parse(url))
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None
    if scheme == "sqlite":
        path = str(config.get("NAME") or "")
        if not path or path == ":memory:":
            raise ConfigError(
                f"{name}: give SQLite a file, e.g. sqlite:////var/lib/tierdesk/tierdesk.sqlite3"
            )
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    else:
        config["CONN_MAX_AGE"] = 60
        config["CONN_HEALTH_CHECKS"] = True
    return config
