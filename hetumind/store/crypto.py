"""Encryption at rest for credentials: Fernet with a key from HETUMIND_ENCRYPTION_KEY,
or one generated into HETUMIND_HOME/encryption.key on first start."""

from __future__ import annotations

import base64
import binascii
import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hetumind.store.errors import DecryptionFailed
from hetumind.store.settings import StoreSettings

__all__ = ["KEY_FILE", "Cipher", "load_or_create_key"]

KEY_FILE = "encryption.key"


def _fernet_key(secret: str) -> bytes:
    """A Fernet key as given, or derived from any other string (n8n accepts any text)."""
    raw = secret.strip().encode()
    try:
        if len(base64.urlsafe_b64decode(raw)) == 32:
            return raw
    except (binascii.Error, ValueError):
        pass
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"hetumind credentials"
    ).derive(raw)
    return base64.urlsafe_b64encode(derived)


def load_or_create_key(home: Path) -> str:
    """The key in home/encryption.key, creating it (mode 0600) when it does not exist."""
    path = home / KEY_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    home.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    # O_EXCL: when two processes start at once, one creates the key and the other reads it.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(key + "\n")
    return key


class Cipher:
    """Encrypts JSON values to Fernet tokens and back."""

    def __init__(self, key: str) -> None:
        if not key.strip():
            raise ValueError("HETUMIND_ENCRYPTION_KEY is empty")
        self._fernet = Fernet(_fernet_key(key))

    @classmethod
    def from_settings(cls, settings: StoreSettings) -> Cipher:
        return cls(settings.encryption_key or load_or_create_key(settings.home))

    def encrypt(self, value: Any) -> str:
        return self._fernet.encrypt(json.dumps(value).encode()).decode()

    def decrypt(self, token: str, *, what: str = "credential") -> Any:
        try:
            return json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken:
            raise DecryptionFailed(
                f"cannot decrypt {what}: it was saved with a different encryption key "
                "(check HETUMIND_ENCRYPTION_KEY or HETUMIND_HOME/encryption.key)"
            ) from None
