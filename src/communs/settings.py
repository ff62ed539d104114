"""Django settings, read from the environment.

Every setting a deployment may change is a ``COMMUNS_*`` variable, read by the small
typed helpers below (no configuration framework). The defaults run on SQLite in
``./var`` right after cloning; ``docs/configuration.md`` lists every variable.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def envsecret(name: str) -> str:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE`` (container secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return env(name)


HOME = Path(env("COMMUNS_HOME", "var")).expanduser().resolve()
HOME.mkdir(parents=True, exist_ok=True)
BASE_DIR = Path(__file__).resolve().parent


def _secret_key() -> str:
    """The given key, or one generated on first start and kept in the data folder.

    Keeping it in COMMUNS_HOME means sessions survive restarts without anyone having
    to invent a key, and each installation still gets its own.
    """
    given = envsecret("COMMUNS_SECRET_KEY")
    if given:
        return given
    path = HOME / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = envbool("COMMUNS_DEBUG", False)
ALLOWED_HOSTS = envlist("COMMUNS_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("COMMUNS_CSRF_TRUSTED_ORIGINS")
SITE_NAME = env("COMMUNS_SITE_NAME", "Communs")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # For its Swagger UI files, served from this site (the API docs page loads no CDN).
    "ninja",
    "communs.sources",
    "communs.repositories",
    "communs.harvest",
    "communs.search",
    "communs.web",
    "communs.api",
    "communs.demo",
    "communs.emulator",
    "communs.publiccode",
    "communs.analysis",
    # Open-data files, Atom feeds and the sitemap (django.contrib.sitemaps for its templates).
    "django.contrib.sitemaps",
    "communs.opendata",
    "communs.accounts",
    "communs.audit",
    "communs.catalogue",
    "communs.wikidata",
    "communs.tasks",
    "communs.history",
    # The community (BlueHats): events, newsletters, job offers, contributions upstream.
    "communs.events",
    "communs.newsletters",
    "communs.jobs",
    "communs.contributions",
    # Accounts (docs/accounts.md): local accounts with verified addresses, and one
    # OpenID Connect provider (ProConnect, Keycloak) when COMMUNS_OIDC_* are set.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "communs.web.middleware.StripNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # /api/ only: CORS, rate limits, ETags and 304s, JSON errors (after Locale: messages
    # follow the request's language).
    "communs.api.middleware.ApiMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "communs.urls"
WSGI_APPLICATION = "communs.wsgi.application"

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
                "communs.web.context.site",
            ],
        },
    },
]

DATABASE_URL = env("COMMUNS_DATABASE_URL") or f"sqlite:///{HOME / 'communs.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while an import writes; the busy timeout makes a
    # writer wait for another instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("COMMUNS_TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# WhiteNoise serves files straight from the apps' static folders, so `communs serve`
# needs no collectstatic step; `communs collectstatic` still works for a reverse proxy.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

EMAIL_BACKEND = env("COMMUNS_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("COMMUNS_EMAIL_HOST", "localhost")
EMAIL_PORT = envint("COMMUNS_EMAIL_PORT", 25)
EMAIL_HOST_USER = env("COMMUNS_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envsecret("COMMUNS_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("COMMUNS_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = envbool("COMMUNS_EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env("COMMUNS_DEFAULT_FROM_EMAIL", "communs@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Accounts (docs/accounts.md). Sign-in by e-mail address, which must be verified before
# the account can sign in; an agent is a verified address in one of these domains
# (subdomains included).
AGENT_DOMAINS = envlist("COMMUNS_AGENT_DOMAINS", "gouv.fr")
# Contributions upstream (docs/community.md): commits whose author address is in one of
# these domains (subdomains included) are the public sector's; the agents' by default.
PUBLIC_SECTOR_DOMAINS = envlist("COMMUNS_PUBLIC_SECTOR_DOMAINS", ",".join(AGENT_DOMAINS))
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:profile"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if envbool("COMMUNS_SECURE_COOKIES", False) else "http"
# allauth names new users after their address's local part, never the whole address
# (the audit log names people by their user name).
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
# The generic OpenID Connect provider: shown only when its server and client are set.
OIDC_SERVER_URL = env("COMMUNS_OIDC_SERVER_URL")
OIDC_CLIENT_ID = env("COMMUNS_OIDC_CLIENT_ID")
OIDC_SETTINGS: dict = {
    "server_url": OIDC_SERVER_URL,
    "scope": envlist("COMMUNS_OIDC_SCOPES", "openid,email,profile"),
    # Trust the provider's word that an address is the person's (ProConnect only gives
    # addresses it has checked); off, the address is verified by e-mail like a local one.
    "verified_email": envbool("COMMUNS_OIDC_VERIFIED_EMAIL", False),
}
if env("COMMUNS_OIDC_TOKEN_AUTH_METHOD"):
    # client_secret_post, for providers that refuse HTTP Basic at the token endpoint.
    OIDC_SETTINGS["token_auth_method"] = env("COMMUNS_OIDC_TOKEN_AUTH_METHOD")
SOCIALACCOUNT_PROVIDERS: dict = {
    "openid_connect": {
        # allauth's provider, reading userinfo answered as a signed JWT too (ProConnect).
        "provider_class": "communs.accounts.oidc.provider.CommunsOpenIDConnectProvider",
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [],
    }
}
if OIDC_SERVER_URL and OIDC_CLIENT_ID:
    SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"].append(
        {
            "provider_id": env("COMMUNS_OIDC_PROVIDER_ID", "oidc"),
            "name": env("COMMUNS_OIDC_NAME", "OpenID Connect"),
            "client_id": OIDC_CLIENT_ID,
            "secret": envsecret("COMMUNS_OIDC_CLIENT_SECRET"),
            "settings": OIDC_SETTINGS,
        }
    )
# Contact the referents (docs/accounts.md): messages one account, and one client
# address, may send, as "5/hour" (periods second, minute, hour, day; 0: no limit).
CONTACT_RATE_LIMIT = env("COMMUNS_CONTACT_RATE_LIMIT", "5/hour")
# The site's public address, for links in e-mails sent by commands (no request to ask).
SITE_URL = env("COMMUNS_SITE_URL", "http://localhost:8000")
# Referent lifecycle: days between confirmations, and days to answer a reminder.
REFERENT_CONFIRM_EVERY_DAYS = envint("COMMUNS_REFERENT_CONFIRM_EVERY_DAYS", 365)
REFERENT_LAPSE_AFTER_DAYS = envint("COMMUNS_REFERENT_LAPSE_AFTER_DAYS", 30)
# Uploaded files (catalogue logos, re-encoded as PNG): kept under MEDIA_ROOT/logos/ and
# served by the catalogue at /catalogue/logos/ (a reverse proxy may serve that folder).
MEDIA_ROOT = Path(env("COMMUNS_MEDIA_DIR") or HOME / "media").expanduser().resolve()
LOGO_MAX_BYTES = envint("COMMUNS_LOGO_MAX_BYTES", 512 * 1024)

SESSION_COOKIE_SECURE = envbool("COMMUNS_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Harvest (`communs harvest`): tokens are secrets (a `_FILE` variant reads them from a file).
# github.com tokens, comma-separated; the client moves to the next as each budget is spent.
GITHUB_TOKENS = envsecret("COMMUNS_GITHUB_TOKENS")
# Other forges' tokens as host=token,host=token (GitLab instances, Gitea, SourceHut…).
FORGE_TOKENS = envsecret("COMMUNS_FORGE_TOKENS")
# Requests in flight at once per forge host (owners listed at once per forge, too).
HARVEST_PER_HOST = envint("COMMUNS_HARVEST_PER_HOST", 4)
# A URL or address put in the User-Agent, so forge operators know whom to write to.
HARVEST_CONTACT = env("COMMUNS_HARVEST_CONTACT")

# Analysis (`communs analyse`): a larger source archive is skipped with the reason; a
# download slower than the timeout (seconds) fails; archives fetched at once per host.
ANALYSIS_MAX_ARCHIVE_BYTES = envint("COMMUNS_ANALYSIS_MAX_ARCHIVE_BYTES", 100_000_000)
ANALYSIS_TIMEOUT = envint("COMMUNS_ANALYSIS_TIMEOUT", 300)
ANALYSIS_PER_HOST = envint("COMMUNS_ANALYSIS_PER_HOST", 4)
# Also clone each repository's history (commits and tags) for activity and vitality.
ANALYSIS_HISTORY = envbool("COMMUNS_ANALYSIS_HISTORY", True)

# Scale-out (docs/scale-out.md): Celery workers and schedules. The broker URL
# (redis://127.0.0.1:6379/0, or amqp://… for RabbitMQ); empty (the default) runs every
# task in-process ("embedded"). Locks per forge and shared rate-limit budgets live in
# COMMUNS_REDIS_URL, which defaults to the broker when it is a Redis one.
BROKER_URL = env("COMMUNS_BROKER_URL")
REDIS_URL = env("COMMUNS_REDIS_URL") or (
    BROKER_URL if BROKER_URL.startswith(("redis://", "rediss://")) else ""
)
# Seconds before the broker hands an unacknowledged task (its worker died) to another
# worker (Redis and SQS brokers; RabbitMQ redelivers when the connection drops).
BROKER_VISIBILITY_TIMEOUT = envint("COMMUNS_BROKER_VISIBILITY_TIMEOUT", 3600)
# Seconds a forge's lock outlives its last renewal (a dead worker's forge is free then).
FORGE_LOCK_TTL = envint("COMMUNS_FORGE_LOCK_TTL", 60)
# Schedules (`communs scheduler`, or in `communs serve` without a broker), in minutes:
# full refresh of every forge, "recently updated" sweeps (GitLab, Gitea, Forgejo), and
# the sweep re-fetching the least recently harvested repositories (0 turns one off).
SCHEDULE_FULL_REFRESH_MINUTES = envint("COMMUNS_SCHEDULE_FULL_REFRESH_MINUTES", 24 * 60)
SCHEDULE_UPDATED_SWEEP_MINUTES = envint("COMMUNS_SCHEDULE_UPDATED_SWEEP_MINUTES", 10)
SCHEDULE_OLDEST_SWEEP_MINUTES = envint("COMMUNS_SCHEDULE_OLDEST_SWEEP_MINUTES", 60)
SCHEDULE_OLDEST_SWEEP_SIZE = envint("COMMUNS_SCHEDULE_OLDEST_SWEEP_SIZE", 500)
SCHEDULE_ANALYSIS_MINUTES = envint("COMMUNS_SCHEDULE_ANALYSIS_MINUTES", 60)
# The daily jobs (history snapshot, referent reminders, category alerts), at this hour.
SCHEDULE_DAILY_HOUR = envint("COMMUNS_SCHEDULE_DAILY_HOUR", 3)

# The search's word index (docs/search.md): words searches read its posting lists when it
# has a segment; off, they read FTS5 or the tsvector alone (slower at scale; segments are
# still built, so turning it on again needs no rebuild).
SEARCH_WORD_INDEX = envbool("COMMUNS_SEARCH_WORD_INDEX", True)

# Open data (/open-data/, `communs opendata publish`): where the published files are written.
OPEN_DATA_DIR = Path(env("COMMUNS_OPEN_DATA_DIR") or HOME / "open-data").expanduser().resolve()

# The JSON API (/api/, docs/api.md): requests per client address, as "60/minute" (periods
# second, minute, hour, day; 0 turns the limit off).
API_RATE_LIMIT = env("COMMUNS_API_RATE_LIMIT", "60/minute")
# The header a reverse proxy sets to the client's address (X-Forwarded-For): read only
# when set, otherwise anyone could write it to escape the limit.
TRUSTED_PROXY_HEADER = env("COMMUNS_TRUSTED_PROXY_HEADER")
# "default" holds the API's rate counters: local memory, so each server worker counts
# its own budget. "figures" holds the pages' whole-index figures, shared by every process
# and counted anew when a harvest or an import stores data (communs.figures): a table
# of the database. COMMUNS_CACHE_URL (redis://…, needs the redis package): both in Redis.
CACHE_URL = env("COMMUNS_CACHE_URL")
if CACHE_URL:
    CACHES = {
        alias: {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        for alias in ("default", "figures")
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "figures": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "communs_figures_cache",
            # Each refresh writes a new generation; older ones expire within a day.
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        },
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("COMMUNS_LOG_LEVEL", "WARNING")},
}
