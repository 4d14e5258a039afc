"""Settings come only from the environment, strictly: a bad value stops start-up naming the variable."""

from __future__ import annotations

import os
import stat

import pytest

from tierdesk.env import (
    ConfigError,
    env_bool,
    env_int,
    env_list,
    env_secret,
    parse_database_url,
    parse_email_url,
)

from .helpers import run


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("true", True), ("YES", True), ("off", False), ("0", False), ("", False)],
)
def test_env_bool(value, expected):
    assert env_bool("DEBUG", False, environ={"DEBUG": value}) is expected


def test_env_bool_refuses_anything_else():
    with pytest.raises(ConfigError, match=r"^DEBUG: expected true or false.*'maybe'"):
        env_bool("DEBUG", False, environ={"DEBUG": "maybe"})


def test_env_int_and_list():
    assert env_int("N", 2, environ={"N": " 7 "}) == 7
    with pytest.raises(ConfigError, match=r"^N: expected a whole number"):
        env_int("N", 2, environ={"N": "seven"})
    with pytest.raises(ConfigError, match=r"^N: must be at least 1"):
        env_int("N", 2, minimum=1, environ={"N": "0"})
    assert env_list("ALLOWED_HOSTS", [], environ={"ALLOWED_HOSTS": "a.example, b.example,"}) == [
        "a.example",
        "b.example",
    ]


def test_secret_from_a_file(tmp_path):
    secret = tmp_path / "key"
    secret.write_text("s3cret\n")
    assert env_secret("REDIS_URL", environ={"REDIS_URL_FILE": str(secret)}) == "s3cret"
    with pytest.raises(ConfigError, match=r"^REDIS_URL: set either"):
        env_secret("REDIS_URL", environ={"REDIS_URL": "x", "REDIS_URL_FILE": str(secret)})
    with pytest.raises(ConfigError, match=r"^REDIS_URL_FILE: cannot read"):
        env_secret("REDIS_URL", environ={"REDIS_URL_FILE": str(tmp_path / "missing")})


def test_database_urls():
    sqlite = parse_database_url("DATABASE_URL", "sqlite:////var/lib/td/db.sqlite3")
    assert sqlite["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in sqlite["OPTIONS"]["init_command"]
    assert sqlite["OPTIONS"]["timeout"] > 0
    pg = parse_database_url("DATABASE_URL", "postgres://desk:pw@db.internal:5432/tierdesk")
    assert (pg["ENGINE"], pg["HOST"], pg["NAME"]) == (
        "django.db.backends.postgresql",
        "db.internal",
        "tierdesk",
    )
    with pytest.raises(ConfigError, match=r"^DATABASE_URL: unsupported database 'mysql'"):
        parse_database_url("DATABASE_URL", "mysql://root@localhost/db")


def test_email_urls():
    smtp = parse_email_url("EMAIL_URL", "smtp+starttls://desk%40example.com:p%40ss@mail.example.com")
    assert smtp["EMAIL_HOST_USER"] == "desk@example.com" and smtp["EMAIL_HOST_PASSWORD"] == "p@ss"
    assert (smtp["EMAIL_PORT"], smtp["EMAIL_USE_TLS"], smtp["EMAIL_USE_SSL"]) == (587, True, False)
    assert parse_email_url("EMAIL_URL", "smtps://mail.example.com")["EMAIL_PORT"] == 465
    assert parse_email_url("EMAIL_URL", "console:")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    with pytest.raises(ConfigError, match=r"^EMAIL_URL: unknown scheme 'pop3'"):
        parse_email_url("EMAIL_URL", "pop3://mail.example.com")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG: expected true or false"),
        ("DATABASE_URL", "mysql://root@localhost/x", "DATABASE_URL: unsupported database"),
        ("EMAIL_URL", "pop3://mail.example.com", "EMAIL_URL: unknown scheme"),
        ("TIERDESK_WORKERS", "none", "TIERDESK_WORKERS: expected a whole number"),
        ("SECRET_KEY", "short", "SECRET_KEY: use at least 50"),
    ],
)
def test_a_bad_value_stops_start_up_with_one_line_naming_it(cli_env, variable, value, message):
    result = run({**cli_env, variable: value}, "manage", "check")
    assert result.returncode == 2
    assert result.stderr.strip() == f"tierdesk: configuration error: {message}" or message in result.stderr
    assert "Traceback" not in result.stderr


def test_secret_key_is_generated_once_and_kept_private(cli_env):
    assert run(cli_env, "manage", "check").returncode == 0
    key_file = os.path.join(cli_env["TIERDESK_DATA_DIR"], "secret_key")
    first = open(key_file).read()  # noqa: SIM115
    assert len(first) >= 50
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert run(cli_env, "manage", "check").returncode == 0
    assert open(key_file).read() == first  # noqa: SIM115


def test_redis_url_switches_the_queue_to_redis(cli_env):
    show = "from django.conf import settings; print(settings.HUEY['huey_class'])"
    without = run(
        {k: v for k, v in cli_env.items() if k != "REDIS_URL"}, "manage", "shell", "-v", "0", "-c", show
    )
    assert without.stdout.strip() == "huey.SqliteHuey"
    with_redis = run(
        {**cli_env, "REDIS_URL": "redis://127.0.0.1:6379/9"}, "manage", "shell", "-v", "0", "-c", show
    )
    assert with_redis.stdout.strip() == "huey.RedisHuey"


def test_debug_is_off_unless_asked(cli_env):
    show = "from django.conf import settings; print(settings.DEBUG)"
    assert run(
        {k: v for k, v in cli_env.items() if k != "DEBUG"}, "manage", "shell", "-v", "0", "-c", show
    ).stdout.strip() == ("False")


def test_production_settings_pass_check_deploy(cli_env):
    env = {
        **cli_env,
        "DJANGO_SETTINGS_MODULE": "tierdesk.settings.production",
        "ALLOWED_HOSTS": "desk.example.com",
    }
    result = run(env, "manage", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
