"""Django settings for kefu. Values come from KEFU_* variables; see docs/configuration.md."""

from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path

import dj_database_url

from kefu.config import BASE_DIR, ConfigError, env_bool, env_float, env_int, env_list, env_str

DEBUG = env_bool("KEFU_DEBUG", False)
TESTING = "pytest" in sys.modules or env_bool("KEFU_TESTING", False)

DATA_DIR = Path(env_str("KEFU_DATA_DIR", str(BASE_DIR)))


def _secret_key() -> str:
    key = env_str("KEFU_SECRET_KEY")
    if key:
        return key
    # Without a configured key, keep one per data directory so sessions and tokens survive a
    # restart of the embedded default; production sets KEFU_SECRET_KEY.
    path = DATA_DIR / ".kefu-secret-key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(50)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(key)
        path.chmod(0o600)
        return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("KEFU_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("KEFU_CSRF_TRUSTED_ORIGINS", [])
PUBLIC_URL = env_str("KEFU_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs assets locally instead of from a CDN
    "django_tasks_db",
    "kefu.core",
    "kefu.accounts",
    "kefu.contacts",
    "kefu.inboxes",
    "kefu.conversations",
    "kefu.knowledge",
    "kefu.exchange",
    "kefu.realtime",
    "kefu.safety",
    "kefu.widget",
    "kefu.console",
    "kefu.intelligence",
    "kefu.routing",
    "kefu.sla",
    "kefu.bot",
    "kefu.automation",
    "kefu.status",
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
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "kefu.accounts.middleware.TwoFactorMiddleware",
]

ROOT_URLCONF = "kefu.urls"
ASGI_APPLICATION = "kefu.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kefu" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
DATABASE_URL = env_str("KEFU_DATABASE_URL")
if DATABASE_URL:
    if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
        raise ConfigError("KEFU_DATABASE_URL must be a postgres:// URL (SQLite is the default)")
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=0, conn_health_checks=False)
    _db["OPTIONS"] = {"pool": {"min_size": 1, "max_size": env_int("KEFU_DB_POOL_SIZE", 10)}}
    DATABASES = {"default": _db}
else:
    DATABASES = {
        "default": {
            "ENGINE": "kefu.core.sqlite",  # Django's SQLite + one writer at a time per process
            "NAME": env_str("KEFU_SQLITE_PATH", str(DATA_DIR / "kefu.sqlite3")),
            "OPTIONS": {
                # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at
                # BEGIN so two writers queue on busy_timeout instead of failing on upgrade.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # Keep the connection: opening SQLite and re-running the pragmas costs more than
            # most requests. (PostgreSQL uses the psycopg pool instead.)
            "CONN_MAX_AGE": None,
            # Tests: an in-memory database per test process (xdist workers are processes).
            "TEST": {"NAME": ":memory:"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Threads per process serving HTTP (see kefu/core/http_bridge.py). Each keeps its own database
# connection; SQLite serializes writers, so more threads mostly help reads.
HTTP_THREADS = env_int("KEFU_HTTP_THREADS", 4)
# Threads per process for websocket database work (kefu/realtime/consumers.py); 0: Channels'
# one shared thread (the test process: its in-memory SQLite locks whole tables across threads).
WS_DB_THREADS = env_int("KEFU_WS_DB_THREADS", 0 if TESTING else 4)

# --- redis / realtime ------------------------------------------------------------------------
REDIS_URL = env_str("KEFU_REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- background tasks (django.tasks, database backend: works on SQLite and PostgreSQL) --------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- auth ------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.Agent"
LOGIN_URL = "/login/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if TESTING:
    # Hashing cost is not what the tests measure.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("KEFU_SESSION_AGE_SECONDS", 12 * 3600)
SESSION_COOKIE_SECURE = PUBLIC_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Strict CSP (Django's built-in): only our own scripts, styles and connections; no inline
# script, no eval, no framing. ws/wss of our own origin are "self" in CSP Level 3 browsers.
from django.utils.csp import CSP  # noqa: E402 - kept beside the settings it builds

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "media-src": [CSP.SELF, "data:", "blob:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_NAME = "kefu_session"
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("KEFU_SESSION_EXPIRE_AT_BROWSER_CLOSE", False)
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
if SESSION_COOKIE_SECURE:
    SECURE_HSTS_SECONDS = env_int("KEFU_HSTS_SECONDS", 31536000)
    SECURE_SSL_REDIRECT = env_bool("KEFU_SSL_REDIRECT", False)  # usually the proxy's job
# Staff sign-in: TOTP for everyone when on (else for those who enrolled), and lockout after
# KEFU_LOGIN_MAX_FAILURES failures within KEFU_LOGIN_LOCKOUT_SECONDS.
REQUIRE_2FA = env_bool("KEFU_REQUIRE_2FA", False)
LOGIN_MAX_FAILURES = env_int("KEFU_LOGIN_MAX_FAILURES", 5)
LOGIN_LOCKOUT_SECONDS = env_int("KEFU_LOGIN_LOCKOUT_SECONDS", 900)
# Fernet keys for secrets at rest, newest first; default: derived from SECRET_KEY.
ENCRYPTION_KEYS = env_list("KEFU_ENCRYPTION_KEY", [])
# Contacts with no activity for this many days are erased by `kefu safety retention` (0: never).
CONTACT_RETENTION_DAYS = env_int("KEFU_CONTACT_RETENTION_DAYS", 0)

# --- safety (kefu/safety; docs/subsystems/safety.md) -----------------------------------------
# Official domains besides the registry's website entries (the admin's "Official channels").
SAFETY_OFFICIAL_DOMAINS = env_list("KEFU_OFFICIAL_DOMAINS", [])
# How long a process keeps the official-channel registry and guard rules it read (every
# message and reply checks them); a save in the admin clears the saving process's copy at once.
SAFETY_CACHE_SECONDS = env_int("KEFU_SAFETY_CACHE_SECONDS", 0 if TESTING else 5)
# Routing queues (with teams and fallbacks) read once per this many seconds per process.
ROUTING_CACHE_SECONDS = env_int("KEFU_ROUTING_CACHE_SECONDS", 0 if TESTING else 5)
SEARCH_INDEX_CHECK_SECONDS = env_float("KEFU_SEARCH_INDEX_CHECK_SECONDS", 0 if TESTING else 1.0)
# Not official, but replies may link them: public block explorers (a TxID's status). The
# outbound guard lets these through; /verify/ never calls them official.
SAFETY_TRUSTED_LINK_DOMAINS = env_list(
    "KEFU_TRUSTED_LINK_DOMAINS",
    ["etherscan.io", "bscscan.com", "arbiscan.io", "polygonscan.com", "optimistic.etherscan.io",
     "basescan.org", "tronscan.org", "solscan.io", "mempool.space", "blockchair.com",
     "xrpscan.com", "tonviewer.com", "tonscan.org", "explorer.solana.com"],
)
SAFETY_BRAND_NAMES = env_list("KEFU_BRAND_NAMES", [])
SAFETY_BRAND = env_str("KEFU_BRAND", "")  # the name customers know; else the first official domain
# Outbound guard rules switched off (ask_password, ask_seed_phrase, ask_private_key, ask_otp,
# remote_access, foreign_link, wallet_address); and whether an agent may send anyway with a reason.
SAFETY_GUARD_RULES_OFF = env_list("KEFU_GUARD_RULES_OFF", [])
SAFETY_GUARD_ALLOW_OVERRIDE = env_bool("KEFU_GUARD_ALLOW_OVERRIDE", True)
# Security tips (turn on 2FA, anti-phishing code, whitelisting; we never ask for secrets) after
# the bot's account and withdrawal flows and when an account-security case is resolved.
SECURITY_TIPS = env_bool("KEFU_SECURITY_TIPS", True)

# --- i18n ------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
    ("es", "Español"),
    ("ja", "日本語"),
    ("ko", "한국어"),
    ("ru", "Русский"),
    ("tr", "Türkçe"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("pt", "Português"),
    ("it", "Italiano"),
]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- files -----------------------------------------------------------------------------------
STATIC_URL = "/static/"
# Only for `collectstatic` deployments; by default static files are served from their apps.
STATIC_ROOT = env_str("KEFU_STATIC_ROOT") or None
# Serve app static files straight from their packages: no collectstatic step for `make run`.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# Front-end libraries come from npm (package.json, pinned; `npm ci` in `make venv`), served from
# node_modules as they were published, never copied into the repo. kefu.console's system check
# fails with "run npm ci" when they are missing.
STATICFILES_DIRS = [("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist")]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("KEFU_MEDIA_ROOT", str(DATA_DIR / "media")))
ATTACHMENT_MAX_BYTES = env_int("KEFU_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = ATTACHMENT_MAX_BYTES + 1024 * 1024

# --- product ---------------------------------------------------------------------------------
EVENT_LOG_RETENTION_DAYS = env_int("KEFU_EVENT_LOG_RETENTION_DAYS", 7)
REQUIRE_SERVICES = env_bool("KEFU_REQUIRE_SERVICES", False)
# Threads per server process running deferred event subscribers (routing, SLA, bot) after the
# sender has its answer (kefu/core/dispatch.py; 0: inline, as in the test process), and how old
# an unhandled event must be before another process's recovery job runs it.
DISPATCH_THREADS = env_int("KEFU_DISPATCH_THREADS", 0 if TESTING else 2)
DISPATCH_RECOVER_AFTER = env_int("KEFU_DISPATCH_RECOVER_AFTER", 120)
# Python's GIL switch interval in server processes (see kefu/asgi.py), in milliseconds.
GIL_SWITCH_INTERVAL_MS = env_float("KEFU_GIL_SWITCH_INTERVAL_MS", 0.5)
if not GIL_SWITCH_INTERVAL_MS > 0:
    raise ConfigError(f"KEFU_GIL_SWITCH_INTERVAL_MS must be positive, not {GIL_SWITCH_INTERVAL_MS}")
CONVERSATION_NUMBER_START = env_int("KEFU_CONVERSATION_NUMBER_START", 1001)
# Consoles follow each inbox as this many streams (see kefu/conversations/streams.py). Changing
# it only moves new events; connected consoles get the new list with their next hello.
INBOX_STREAM_SHARDS = env_int("KEFU_INBOX_STREAM_SHARDS", 16)
# Routing and SLAs (docs/subsystems/routing.md, sla.md). Automatic routing reacts to events and
# runs a sweep; the test suite turns it on only where it tests it, so other tests see the demo
# world as built.
ROUTING_AUTO = env_bool("KEFU_ROUTING_AUTO", not TESTING)
ROUTING_ANSWER_SECONDS = env_int("KEFU_ROUTING_ANSWER_SECONDS", 300)
ROUTING_DEFAULT_HANDLE_SECONDS = env_int("KEFU_ROUTING_DEFAULT_HANDLE_SECONDS", 600)
PRIORITY_WEIGHTS = json.loads(env_str("KEFU_PRIORITY_WEIGHTS") or "{}")

# --- intelligence (docs/subsystems/nlp.md) ----------------------------------------------------
# BLAS threads of the sentence encoder; 0 = one per CPU core. One by default: a server embeds
# one short message at a time, many requests at once, and extra BLAS threads only spin (a
# first chat message cost 10x the CPU with one thread per core on a busy 2-core machine).
EMBEDDING_THREADS = env_int("KEFU_EMBEDDING_THREADS", 1)
# Below this probability the triage classifier says "I don't know" (no topic).
TRIAGE_MIN_CONFIDENCE = env_int("KEFU_TRIAGE_MIN_CONFIDENCE_PCT", 55) / 100
# topic=team-slug pairs overriding the suggested team per topic (see nlp.md for the defaults).
TRIAGE_TEAMS = env_list("KEFU_TRIAGE_TEAMS", [])
ENRICHMENT_ENABLED = env_bool("KEFU_ENRICHMENT", True)
# Load the NLP models when a server starts rather than on its first customer message.
WARM_UP = env_bool("KEFU_WARM_UP", ENRICHMENT_ENABLED and not TESTING)

# --- exchange connector (docs/exchange-connector.md) and bot (docs/bot.md) --------------------
EXCHANGE_URL = env_str("KEFU_EXCHANGE_URL").rstrip("/")
EXCHANGE_SECRET = env_str("KEFU_EXCHANGE_SECRET", "lumen-demo-exchange-secret")
EXCHANGE_TIMEOUT_MS = env_int("KEFU_EXCHANGE_TIMEOUT_MS", 3000)
# The demo exchange under /demo-exchange/api/v1/, and the connector's default without an URL.
DEMO_EXCHANGE = env_bool("KEFU_DEMO_EXCHANGE", True)
# Kill switch for the support bot on every inbox (each inbox also has config["bot"]["enabled"]).
BOT_ENABLED = env_bool("KEFU_BOT", True)

# --- outbound webhooks (docs/webhooks.md) ----------------------------------------------------
# Dev and tests only: http:// to localhost, and any private or loopback destination.
WEBHOOK_ALLOW_PRIVATE = env_bool("KEFU_WEBHOOK_ALLOW_PRIVATE", False)
# Private networks a receiver may live in (CIDRs, e.g. the exchange's own 10.20.0.0/16);
# everything else private, loopback, link-local or reserved is refused (SSRF).
WEBHOOK_ALLOWED_NETWORKS = env_list("KEFU_WEBHOOK_ALLOWED_NETWORKS", [])
try:
    import ipaddress as _ipaddress

    for _net in WEBHOOK_ALLOWED_NETWORKS:
        _ipaddress.ip_network(_net, strict=False)
except ValueError as _exc:
    raise ConfigError(f"KEFU_WEBHOOK_ALLOWED_NETWORKS: {_exc}") from None
# A PEM bundle of extra certificate authorities receivers' certificates may chain to.
WEBHOOK_CA_FILE = env_str("KEFU_WEBHOOK_CA_FILE")
# An endpoint is switched off after this many deliveries in a row failed every retry.
WEBHOOK_DISABLE_AFTER = env_int("KEFU_WEBHOOK_DISABLE_AFTER", 5)
WEBHOOK_LOG_RETENTION_DAYS = env_int("KEFU_WEBHOOK_LOG_RETENTION_DAYS", 30)

# --- optional generative model (docs/bot.md, "LLM (optional)") ---------------------------------
# Any OpenAI-compatible chat-completions server; off while the base URL is unset.
LLM_BASE_URL = env_str("KEFU_LLM_BASE_URL").rstrip("/")
LLM_API_KEY = env_str("KEFU_LLM_API_KEY")
LLM_MODEL = env_str("KEFU_LLM_MODEL")
LLM_TIMEOUT_MS = env_int("KEFU_LLM_TIMEOUT_MS", 8000)
LLM_MAX_TOKENS = env_int("KEFU_LLM_MAX_TOKENS", 400)
LLM_TEMPERATURE = env_float("KEFU_LLM_TEMPERATURE", 0.2)
if LLM_BASE_URL and not LLM_BASE_URL.startswith(("http://", "https://")):
    raise ConfigError(
        f"KEFU_LLM_BASE_URL must start with http:// or https://, not {LLM_BASE_URL!r}"
    )
if LLM_BASE_URL and not LLM_MODEL:
    raise ConfigError("KEFU_LLM_MODEL is required when KEFU_LLM_BASE_URL is set")
if not 0 <= LLM_TEMPERATURE <= 2:
    raise ConfigError(f"KEFU_LLM_TEMPERATURE must be between 0 and 2, not {LLM_TEMPERATURE}")
if LLM_TIMEOUT_MS <= 0 or LLM_MAX_TOKENS <= 0:
    raise ConfigError("KEFU_LLM_TIMEOUT_MS and KEFU_LLM_MAX_TOKENS must be positive")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("KEFU_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- email channel (docs/subsystems/email.md) -------------------------------------------------
# How often `kefu serve` / `kefu scheduler` polls email inboxes over IMAP (`kefu email watch`
# uses IDLE instead), and retries due outgoing mail.
EMAIL_POLL_SECONDS = env_int("KEFU_EMAIL_POLL_SECONDS", 60)
EMAIL_OUTBOX_SECONDS = env_int("KEFU_EMAIL_OUTBOX_SECONDS", 15)
