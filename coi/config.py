"""Configuration: defaults, then COI_* environment variables, then the test dict."""

import json
import os
import secrets
from pathlib import Path

DEFAULTS = {
    "DATABASE_URL": None,  # None: an SQLite file in the instance folder
    "WTF_CSRF_TIME_LIMIT": None,  # a slow user must not lose the form (WCAG 2.2.1)
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Cookies are Secure (and named __Host-session over HTTPS); only `make run` sets
    # COI_INSECURE_COOKIES=1 so that local development on http://127.0.0.1 can sign in.
    "SESSION_COOKIE_SECURE": True,
    "INSECURE_COOKIES": False,
    "PROXY_HOPS": 0,  # reverse proxies in front (X-Forwarded-For/-Proto/-Host are trusted)
    "REMEMBER_COOKIE_HTTPONLY": True,
    "PER_PAGE": 25,
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "PASSWORD_MIN_LENGTH": 12,
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_WINDOW_MINUTES": 15,
    "SESSION_IDLE_MINUTES": 30,
    "SESSION_ABSOLUTE_HOURS": 12,
    "SESSION_WARNING_SECONDS": 120,
    "REAUTH_MINUTES": 10,
    "TWO_FACTOR_REQUIRED_ROLES": ["admin", "auditor"],
    "ARGON2_PROFILE": "rfc9106_low_memory",
}


def _coerce(raw: str):
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def load(app, test_config: dict | None) -> None:
    """Fill app.config from the defaults, the environment and an optional test dict."""
    app.config.from_mapping(DEFAULTS)
    if os.environ.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = os.environ["DATABASE_URL"]
    for key, raw in os.environ.items():
        if key.startswith("COI_"):
            app.config[key[4:]] = _coerce(raw)
    if test_config:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'register.db'}"


def _instance_secret(path: Path) -> str:
    """A random key made once per installation, never a default that could ship."""
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
