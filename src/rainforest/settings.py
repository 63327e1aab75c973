"""Django settings.

One module for every environment. ``RAINFOREST_ENV=production`` switches on the
production hardening (and requires ``SECRET_KEY`` and ``ALLOWED_HOSTS``);
``DATABASE_URL`` selects PostgreSQL, otherwise the embedded SQLite database in WAL
mode under ``RAINFOREST_DATA_DIR`` (default ``./var``).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("RAINFOREST_DATA_DIR", Path.cwd() / "var")).resolve()

ENVIRONMENT = os.environ.get("RAINFOREST_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"
# Demo mode shows the current one-time code of demo staff accounts on the second-factor page.
DEMO_MODE = os.environ.get("RAINFOREST_DEMO", "") == "1" and not PRODUCTION

if PRODUCTION:
    SECRET_KEY = os.environ["SECRET_KEY"]
    DEBUG = False
    ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h]
else:
    SECRET_KEY = os.environ.get(
        "SECRET_KEY", "dev-only-not-secret-0d7c4e1f9b2a6c3e8f5a7d1b4c9e2f6a3b8d5c0e7f1a4b9c2d6e"
    )
    DEBUG = os.environ.get("DEBUG", "1") == "1"
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "rainforest.accounts",
    "rainforest.audit",
    "rainforest.ledger",
    "rainforest.cases",
    "rainforest.web",
    "rainforest.api",
    "rainforest.finance",
    "rainforest.programs",
    "rainforest.procurement",
    "rainforest.enforcement",
    "rainforest.enterprises",
    "rainforest.insights",
    "rainforest.vouchers",
    "rainforest.review",
    "rainforest.portrait",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "rainforest.web.middleware.ContentSecurityPolicyMiddleware",
    "rainforest.api.middleware.ApiErrorEnvelopeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "rainforest.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "rainforest.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rainforest.web.context.navigation",
            ],
            "builtins": ["rainforest.web.templatetags.punctuation"],
        },
    },
]

WSGI_APPLICATION = "rainforest.wsgi.application"


def _database() -> dict[str, object]:
    url = os.environ.get("DATABASE_URL", "")
    if url:
        config = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
        # Django's own cursors bind on the client and never prepare. The few hot queries
        # that run through ``rainforest.compiled`` use server-side binding, and psycopg
        # prepares them after this many runs on a connection (PostgreSQL then skips
        # planning). Behind PgBouncer in transaction mode this needs PgBouncer 1.21+.
        options = dict(config.get("OPTIONS") or {})
        options.setdefault("prepare_threshold", 5)
        config["OPTIONS"] = options
        return config
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(DATA_DIR / "rainforest.sqlite3"),
        # Keep each server thread's connection: opening SQLite and setting its pragmas
        # cost more than the overdue-list query itself (benchmarks/cases_list.py).
        "CONN_MAX_AGE": None,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            # WAL lets readers go on while one writer writes; IMMEDIATE takes the write
            # lock at BEGIN so two writers queue instead of failing half-way.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
            "transaction_mode": "IMMEDIATE",
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# Outside production, static files are served straight from the apps (no collectstatic).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

# Uploaded files live outside any web root and are served only through a permission check.
ATTACHMENT_ROOT = DATA_DIR / "attachments"
ATTACHMENT_MAX_BYTES = int(os.environ.get("RAINFOREST_ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "rainforest@localhost")

# Failed logins: this many within the window lock the username (and the address) for the window.
LOGIN_FAILURE_LIMIT = 5
LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if PRODUCTION:
    SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "rainforest": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
        "rainforest.security": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
