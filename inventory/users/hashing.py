"""Secrets at rest: argon2 password hashes, and the digests that stand for session and API tokens."""

from __future__ import annotations

import hashlib

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from inventory.errors import ValidationFailed

HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 10


async def password_matches(password_hash: str, password: str) -> bool:
    """argon2 verification, off the event loop (it takes tens of milliseconds of CPU by design)."""

    def verify() -> bool:
        try:
            return HASHER.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await anyio.to_thread.run_sync(verify)


def token_digest(token: str) -> str:
    """Only digests of session and API tokens are stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            message="error.credentials.password_short", params={"min": MIN_PASSWORD_LENGTH}, field="password"
        )
    return HASHER.hash(password)
