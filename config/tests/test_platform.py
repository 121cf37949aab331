"""Platform-wide: health, the OpenAPI schema and docs, settings, and deployment checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.contrib.auth.hashers import get_hasher

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_health_reports_database_broker_and_worker(client):
    from triage.services import heartbeat_record

    heartbeat_record(name="worker", hostname="test")
    body = client.get("/health/").json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"] == "ok"
    assert body["worker"]["status"] == "ok"


@pytest.mark.django_db
def test_health_says_when_no_worker_has_been_seen(client):
    body = client.get("/health/").json()
    assert body["worker"] == {"status": "unknown", "last_seen": None}


@pytest.mark.django_db
def test_the_openapi_schema_documents_the_v1_api(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in (
        "/api/v1/exercises/", "/api/v1/exercises/{slug}/", "/api/v1/auth/token/",
        "/api/v1/auth/logout/", "/api/v1/me/",
    ):  # fmt: skip
        assert path in paths, path
    listing = paths["/api/v1/exercises/"]["get"]
    params = {p["name"] for p in listing["parameters"]}
    assert {"search", "muscle", "equipment", "position", "difficulty", "page_size"} <= params
    assert "400" in listing["responses"]  # the error envelope is documented
    assert "401" in listing["responses"]


@pytest.mark.django_db
def test_the_docs_page_serves_its_assets_from_this_server(client):
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page.lower()


def test_passwords_are_hashed_with_argon2():
    from config import settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    # the suite: the same algorithm, cheaper (config/test_hashers.py)
    assert get_hasher("default").algorithm == "argon2"


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRODUCTION = {
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "k3y" * 12,
    "DJANGO_ALLOWED_HOSTS": "coaching.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/14",
}


def test_check_deploy_passes_with_the_production_environment():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_local_defaults_need_no_server_and_write_only_under_the_var_dir(tmp_path):
    script = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE']);"
        "print(s.CELERY_BROKER_URL);"
        "print('\\n'.join(str(v) for k, v in s.CELERY_BROKER_TRANSPORT_OPTIONS.items()"
        " if 'folder' in k));"
        "print(s.CELERY_BEAT_SCHEDULE_FILENAME)"
    )
    result = _manage(
        "shell", "--no-imports", "-c", script, DJANGO_DEBUG="true", DJANGO_VAR_DIR=str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    engine, broker, *paths = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert broker == "filesystem://"
    assert len(paths) == 5  # in, out, processed, control, beat schedule
    assert all(path.startswith(str(tmp_path)) for path in paths), paths


def test_behind_a_proxy_https_is_recognised_and_http_redirected():
    """Production settings behind a TLS-terminating proxy: plain http is redirected to https,
    a request the proxy marks ``X-Forwarded-Proto: https`` is served, and the health check is
    exempt (load balancers probe it over http)."""
    script = (
        "from django.test import Client;"
        "c = Client(HTTP_HOST='coaching.example.com');"
        "plain = c.get('/api/v1/me/');"
        "proxied = c.get('/api/v1/me/', headers={'X-Forwarded-Proto': 'https'});"
        "health = c.get('/health/');"
        "print(plain.status_code, plain.get('Location'), proxied.status_code, health.status_code);"
        "print(proxied.get('Strict-Transport-Security'))"
    )
    result = _manage("shell", "--no-imports", "-c", script, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    first, hsts = result.stdout.strip().splitlines()[-2:]
    plain, location, proxied, health = first.split()
    assert (plain, location) == ("301", "https://coaching.example.com/api/v1/me/")
    assert proxied == "401"  # served: the API asks for a token
    assert health in ("200", "503")  # answered, not redirected
    assert hsts.startswith("max-age=31536000")


def test_an_unknown_api_address_is_a_json_404(client):
    response = client.get("/api/v1/nope/")

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"
    assert client.get("/no-such-page/").status_code == 404


def test_make_runs_path_works_on_sqlite(tmp_path):
    """What ``make run`` does, on its embedded defaults (SQLite, the filesystem broker): migrate,
    load the catalogue, seed the demo (three weeks of logs per client), and review every client,
    as the worker would: flags are raised. (The suite itself runs on PostgreSQL.)"""
    env = {"DJANGO_DEBUG": "true", "DJANGO_VAR_DIR": str(tmp_path)}
    commands = (
        ["push_key", "--dev"], ["migrate", "--no-input"], ["load_catalogue", "--new-only"],
        ["seed_demo"],
    )  # fmt: skip
    for command in commands:
        result = _manage(*command, **env)
        assert result.returncode == 0, result.stdout + result.stderr
    script = (
        "from triage.services import review_clients, active_client_ids;"
        "from triage.models import Flag;"
        "r = review_clients(client_ids=active_client_ids());"
        "again = review_clients(client_ids=active_client_ids());"
        "print(r.clients, len(r.opened), again.clients, Flag.objects.count())"
    )
    result = _manage("shell", "--no-imports", "-c", script, **env)
    assert result.returncode == 0, result.stderr
    reviewed, opened, again, flags = map(int, result.stdout.split()[-4:])
    assert reviewed == 8
    assert opened == flags > 0
    assert again == 0  # nothing pending any more
    # Web Push works out of the box: the development key make run wrote is the server's
    key = _manage(
        "shell",
        "--no-imports",
        "-c",
        "from coaching.reminders import push; print(push.public_key())",
        **env,
    )
    assert len(key.stdout.strip()) == 87, key.stdout + key.stderr  # 65 bytes, base64url
