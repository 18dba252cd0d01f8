"""What leaves the app: email and its outbox, Celery and beat, webhooks and chat channels."""

from .pages import *  # noqa: F403 - each part reads the settings before it

# --- Email -------------------------------------------------------------------------------
# Every email goes through the outbox (accountability.outbox); this is only the transport the
# worker hands finished messages to. SMTP when EMAIL_URL is set (smtp://user:pass@host:port,
# smtp+tls://..., smtps://...), otherwise files under .run/emails in development.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Check-ins <checkins@localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
if env.str("EMAIL_URL", default=""):
    vars().update(env.email("EMAIL_URL"))
else:
    EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
    EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / ".run" / "emails"))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=6)
# Seconds before the first retry; doubles with each attempt (60, 120, 240, ...).
OUTBOX_RETRY_BASE_SECONDS = env.int("OUTBOX_RETRY_BASE_SECONDS", default=60)
# A row claimed for sending longer ago than this is taken to be from a worker that died.
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=300)
# Rows a worker claims at once: each claim is a query and a commit, and a batch must be sent
# well within the lease even by a slow SMTP server.
OUTBOX_SWEEP_BATCH = env.int("OUTBOX_SWEEP_BATCH", default=200)
# Delivered rows are marked `sent` together, this often (and when a batch ends): should a worker
# die in between, what it sent since the last mark goes again, with the same Message-ID.
OUTBOX_MARK_SECONDS = env.float("OUTBOX_MARK_SECONDS", default=0.1)

# --- Celery ------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(BASE_DIR / ".run" / "celerybeat-schedule")
)
# Beat's jobs are registered by the apps that own them (accountability/registry.py).
OUTBOX_KEEP_SENT_DAYS = env.int("OUTBOX_KEEP_SENT_DAYS", default=90)

# --- Webhooks and chat channels (integrations/outbound.py) ----------------------------------
# Hosts a webhook may reach although they resolve to a private or loopback address, and over
# plain http: an internal service the admin vouches for (the tests' loopback receiver).
WEBHOOK_ALLOWED_HOSTS = env.list("WEBHOOK_ALLOWED_HOSTS", default=[])
WEBHOOK_CONNECT_TIMEOUT = env.float("WEBHOOK_CONNECT_TIMEOUT", default=5.0)
WEBHOOK_READ_TIMEOUT = env.float("WEBHOOK_READ_TIMEOUT", default=10.0)
# At most this much of a receiver's answer is read (its status is what counts).
WEBHOOK_MAX_RESPONSE_BYTES = env.int("WEBHOOK_MAX_RESPONSE_BYTES", default=64 * 1024)
