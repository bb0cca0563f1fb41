"""Password hashes (argon2id) and random tokens stored only as their HMAC.

Passwords: argon2-cffi's :class:`~argon2.PasswordHasher` with its defaults (argon2id,
RFC 9106 low-memory profile). Session and API tokens: 32 random bytes
(:func:`secrets.token_urlsafe`), stored as HMAC-SHA256 under the database's session
secret, so a copy of the database does not give a working token (docs/decisions.md, D151).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["hash_password", "hash_token", "new_token", "verify_password"]

_HASHER = PasswordHasher()
MIN_PASSWORD_CHARS = 12
"""NIST SP 800-63B §5.1.1.2 asks for at least 8; 12 for accounts that reach patient data."""


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (salted, parameters in the hash)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; never raises on a bad hash."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A fresh random token (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


def hash_token(secret: str, token: str) -> str:
    """HMAC-SHA256 of ``token`` under ``secret``, as 64 hex digits."""
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()
