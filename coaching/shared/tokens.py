"""Secret links (an invitation, a shared handout): a random token goes into the link, and only
its SHA-256 digest is stored, so a copy of the database opens nothing."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> tuple[str, str]:
    """A new token for a link, and the digest to store."""
    token = secrets.token_urlsafe(32)
    return token, digest(token)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
