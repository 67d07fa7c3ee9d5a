"""API keys: `hmk_<prefix>_<secret>`, 256 random bits; only a SHA-256 of the key is kept.

The prefix is stored in clear so a user can tell their keys apart in a listing; the
secret part never leaves the response that created it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

__all__ = ["NewApiKey", "hash_api_key", "new_api_key"]

KEY_MARK = "hmk_"


@dataclass(frozen=True)
class NewApiKey:
    plaintext: str
    prefix: str
    key_hash: str

    def __repr__(self) -> str:  # never log the key itself
        return f"NewApiKey(prefix={self.prefix!r})"


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def new_api_key() -> NewApiKey:
    prefix = secrets.token_hex(4)
    plaintext = f"{KEY_MARK}{prefix}_{secrets.token_urlsafe(32)}"
    return NewApiKey(plaintext, prefix, hash_api_key(plaintext))
