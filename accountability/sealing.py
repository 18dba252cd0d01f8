"""Secrets kept in the database sealed with Fernet (the `cryptography` package): email bodies in
the outbox (a password-reset or invitation link is a key) and two-factor seeds.

The key is derived from SECRET_KEY (and each of SECRET_KEY_FALLBACKS, so a key rollover leaves
sealed rows readable). A sealed value starts with `sealed:`; anything else is read as written,
so rows from before sealing stay readable until they are rewritten.
"""

import base64
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

PREFIX = "sealed:"


class Unreadable(Exception):
    """Sealed with a key that is no longer SECRET_KEY nor one of SECRET_KEY_FALLBACKS."""


def _derive(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"accountability.sealing").derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


@cache
def _fernet(secrets: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_derive(secret) for secret in secrets])


def _keys() -> MultiFernet:
    return _fernet((settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS))


def seal(text: str) -> str:
    if not text:
        return text
    return PREFIX + _keys().encrypt(text.encode()).decode()


def unseal(value: str) -> str:
    if not value or not value.startswith(PREFIX):
        return value
    try:
        return _keys().decrypt(value[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise Unreadable("sealed with a key that is no longer configured") from None


class SealedTextField(models.TextField):
    """A TextField stored sealed and read back in the clear: the application (and the mail
    worker) sees text, a database dump sees ciphertext. Not searchable, by design."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return seal(value) if isinstance(value, str) else value

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        try:
            return unseal(value)
        except Unreadable:
            # Keep the row loadable (lists, the admin); the worker fails it with a clear error.
            return UNREADABLE


UNREADABLE = "\x00unreadable"
