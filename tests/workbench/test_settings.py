from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from workbench.settings.base import env_bool, env_int, env_list, env_str

from .conftest import settings_json

STRONG_KEY = "x" * 50


def test_production_refuses_to_start_with_the_default_secret_key(load_settings) -> None:
    result = load_settings("workbench.settings.production")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_with_debug_on(load_settings) -> None:
    result = load_settings(
        "workbench.settings.production", {"SECRET_KEY": STRONG_KEY, "DEBUG": "true"}
    )
    assert result.returncode != 0
    assert "DEBUG=True is not allowed" in result.stderr


def test_production_starts_with_a_real_key_and_secures_cookies(load_settings) -> None:
    values = settings_json(
        load_settings(
            "workbench.settings.production",
            {"SECRET_KEY": STRONG_KEY},
            ("DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY"),
        )
    )
    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
    }


def test_production_reads_the_secret_key_from_a_file(load_settings, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text(STRONG_KEY + "\n")
    values = settings_json(
        load_settings(
            "workbench.settings.production", {"SECRET_KEY_FILE": str(secret)}, ("SECRET_KEY",)
        )
    )
    assert values["SECRET_KEY"] == STRONG_KEY


def test_without_database_url_the_database_is_sqlite_in_var(load_settings) -> None:
    values = settings_json(load_settings("workbench.settings.local", {}, ("DATABASES",)))
    db = values["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"].endswith("var/db.sqlite3")
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert db["ATOMIC_REQUESTS"] is False


def test_database_url_switches_to_postgresql(load_settings) -> None:
    values = settings_json(
        load_settings(
            "workbench.settings.local",
            {"DATABASE_URL": "postgres://wb:pw@db.example:5433/workbench"},
            ("DATABASES",),
        )
    )
    db = values["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"]) == (
        "db.example",
        5433,
        "workbench",
        "wb",
    )


def test_without_redis_everything_runs_in_process(load_settings) -> None:
    values = settings_json(
        load_settings(
            "workbench.settings.local",
            {},
            ("CELERY_BROKER_URL", "CHANNEL_LAYERS", "CACHES", "WORKBENCH_EMBEDDED_WORKER"),
        )
    )
    assert values["CELERY_BROKER_URL"].startswith("memory://")
    assert values["CHANNEL_LAYERS"]["default"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
    assert "LocMemCache" in values["CACHES"]["default"]["BACKEND"]
    assert values["WORKBENCH_EMBEDDED_WORKER"] is True


def test_one_redis_url_feeds_celery_channels_and_the_cache(load_settings) -> None:
    url = "redis://cache.example:6379/3"
    values = settings_json(
        load_settings(
            "workbench.settings.local",
            {"REDIS_URL": url},
            (
                "CELERY_BROKER_URL",
                "CELERY_RESULT_BACKEND",
                "CHANNEL_LAYERS",
                "CACHES",
                "WORKBENCH_EMBEDDED_WORKER",
            ),
        )
    )
    assert values["CELERY_BROKER_URL"] == url
    assert values["CELERY_RESULT_BACKEND"] == url
    assert values["CHANNEL_LAYERS"]["default"]["CONFIG"]["hosts"] == [url]
    assert values["CACHES"]["default"]["LOCATION"] == url
    assert values["WORKBENCH_EMBEDDED_WORKER"] is False


def test_model_limits_have_documented_defaults(settings) -> None:
    assert settings.WORKBENCH_MAX_MODEL_BYTES == 5 * 1024 * 1024
    assert settings.WORKBENCH_MAX_ELEMENTS == 20_000
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE > settings.WORKBENCH_MAX_MODEL_BYTES


def test_env_helpers_parse_types_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WB_FLAG", "yes")
    monkeypatch.setenv("WB_NUMBER", "42")
    monkeypatch.setenv("WB_HOSTS", " a.example, b.example ,")
    monkeypatch.delenv("WB_MISSING", raising=False)
    assert env_bool("WB_FLAG") is True
    assert env_int("WB_NUMBER", 1) == 42
    assert env_list("WB_HOSTS") == ["a.example", "b.example"]
    assert env_str("WB_MISSING", "fallback") == "fallback"
    assert env_list("WB_MISSING", ["x"]) == ["x"]


def test_env_helpers_reject_garbage_with_the_variable_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WB_FLAG", "maybe")
    monkeypatch.setenv("WB_NUMBER", "many")
    with pytest.raises(ImproperlyConfigured, match="WB_FLAG"):
        env_bool("WB_FLAG")
    with pytest.raises(ImproperlyConfigured, match="WB_NUMBER"):
        env_int("WB_NUMBER", 1)


def test_name_file_wins_over_name(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("from-file\n")
    monkeypatch.setenv("WB_TOKEN", "from-env")
    monkeypatch.setenv("WB_TOKEN_FILE", str(secret))
    assert env_str("WB_TOKEN") == "from-file"
    monkeypatch.setenv("WB_TOKEN_FILE", str(tmp_path / "absent"))
    with pytest.raises(ImproperlyConfigured, match="WB_TOKEN_FILE"):
        env_str("WB_TOKEN")


def test_make_run_settings_keep_debug_pages_away_from_new_users(load_settings) -> None:
    values = settings_json(
        load_settings("workbench.settings.local", {}, ("DEBUG", "WHITENOISE_USE_FINDERS"))
    )
    assert values == {"DEBUG": False, "WHITENOISE_USE_FINDERS": True}


def test_an_unknown_page_is_the_workbench_404_not_the_url_list(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Using the URLconf" not in body and "api/v1/" not in body
    assert "<html" in body.lower()
