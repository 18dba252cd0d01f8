"""Personal access tokens for the REST API and private calendar feeds.

Neither table holds a usable secret: an access token is stored as the SHA-256 of a 256-bit
random value (hashing needs no salt or stretching at that entropy), shown once when made. A
calendar feed's address is an HMAC of a random key with the server's SECRET_KEY, so the
address can be shown again on the profile page while a copy of the database alone opens no
feed; its hash is what a request is looked up by.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class Scope(models.TextChoices):
    READ = "read", "Read only"
    READ_WRITE = "read-write", "Read and write"


class AccessToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens")
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=12, choices=Scope.choices, default=Scope.READ)
    # The first characters of the token ("acc_Xy12..."), so a person can tell their tokens apart.
    prefix = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # Updated at most every few minutes (api.authentication), not on every request.
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="accesstoken_user_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_active(self, now=None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or timezone.now())

    @property
    def can_write(self) -> bool:
        return self.scope == Scope.READ_WRITE


class CalendarFeed(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    # Random; the address is derived from it and SECRET_KEY (api.services.calendar_feed_token).
    key = models.CharField(max_length=64)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"
