"""Crypto (n8n's Crypto v1): hash, HMAC, sign a value or a binary file, or generate a
UUID or random string, into `dataPropertyName` of each item.

As in n8n, `dataPropertyName` is one key even when it holds dots (n8n passes it to lodash
`set` as a single path element), and an item whose binary was hashed leaves without it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, padding, rsa

from hetumind.binary import read_binary
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.item_wise import ItemInputError, map_items

__all__ = ["CryptoNode", "digest_name"]

_SIGN_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256,
    "sha384": hashes.SHA384, "sha512": hashes.SHA512, "sha3_224": hashes.SHA3_224,
    "sha3_256": hashes.SHA3_256, "sha3_384": hashes.SHA3_384, "sha3_512": hashes.SHA3_512,
    "md5": hashes.MD5, "sha512_224": hashes.SHA512_224, "sha512_256": hashes.SHA512_256,
}  # fmt: skip


class CryptoParams(NodeParams):
    action: str = "hash"


def digest_name(name: str) -> str:
    """OpenSSL's digest names as Node's crypto takes them ("SHA3-256", "RSA-SHA256",
    "sha256WithRSAEncryption", "ecdsa-with-SHA256") -> hashlib's ("sha3_256", "sha256")."""
    n = name.strip().lower()
    n = re.sub(r"^(rsa-|ecdsa-with-|dsa-with-|dsa-)", "", n)
    n = re.sub(r"withrsaencryption$", "", n)
    n = n.replace("sha3-", "sha3_").replace("sha512-", "sha512_")
    if n not in hashlib.algorithms_available:
        raise ItemInputError(f"Digest method not supported: {name!r}")
    return n


def _encode(digest: bytes, encoding: str) -> str:
    if encoding == "hex":
        return digest.hex()
    if encoding == "base64":
        return base64.b64encode(digest).decode()
    if encoding == "base64url":
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")
    raise ItemInputError(f"Unknown encoding {encoding!r} (use hex or base64)")


def _text(value: Any) -> bytes:
    # Node's hash.update() takes strings only; a number or a missing value is an error there
    if not isinstance(value, str):
        shown = "nothing" if value is None else f"{type(value).__name__} {value!r}"
        raise ItemInputError(
            f"The value to process must be a string, got {shown} (parameter 'value')"
        )
    return value.encode()


class _Item:
    """Parameter access for one item, and the item's binary."""

    def __init__(self, ctx: NodeContext, batch: ItemBatch, index: int) -> None:
        self.ctx, self.batch, self.index = ctx, batch, index

    def param(self, name: str, default: Any = None) -> Any:
        return self.ctx.param(name, self.index, default)

    def binary(self, name: str) -> bytes:
        binary = self.batch.binary[self.index] if self.batch.binary else None
        if not binary:
            raise ItemInputError(
                f"This operation expects the node's input data to contain a binary file "
                f"'{name}', but none was found"
            )
        if name not in binary:
            raise ItemInputError(f"The item has no binary field '{name}'")
        return read_binary(binary[name], where=f"binary field '{name}'")


def _hash(item: _Item, keyed: bool) -> tuple[str, bool]:
    algorithm = digest_name(str(item.param("type", "MD5")))
    encoding = str(item.param("encoding", "hex"))
    from_binary = bool(item.param("binaryData", False))
    data = (
        item.binary(str(item.param("binaryPropertyName", "data")))
        if from_binary
        else _text(item.param("value", ""))
    )
    if keyed:
        secret = item.param("secret", "")
        key = secret.encode() if isinstance(secret, str) else str(secret).encode()
        digest = hmac.new(key, data, algorithm).digest()
    else:
        digest = hashlib.new(algorithm, data).digest()
    return _encode(digest, encoding), from_binary


def _sign(item: _Item) -> str:
    algorithm = str(item.param("algorithm", ""))
    if not algorithm:
        raise ItemInputError("Choose a signing algorithm (parameter 'algorithm')")
    name = digest_name(algorithm)
    if name not in _SIGN_HASHES:
        raise ItemInputError(f"Signing with {algorithm!r} is not supported")
    data = _text(item.param("value", ""))
    pem = str(item.param("privateKey", "")).encode()
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ItemInputError(f"Invalid private key (parameter 'privateKey'): {exc}") from None
    digest = _SIGN_HASHES[name]()
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(data, padding.PKCS1v15(), digest)
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        signature = key.sign(data, ec.ECDSA(digest))
    elif isinstance(key, dsa.DSAPrivateKey):
        signature = key.sign(data, digest)
    else:
        raise ItemInputError(f"{type(key).__name__} keys cannot sign with {algorithm!r}")
    return _encode(signature, str(item.param("encoding", "hex")))


def _generate(item: _Item) -> str:
    kind = str(item.param("encodingType", "uuid"))
    if kind == "uuid":
        return str(uuid.uuid4())
    length = item.param("stringLength", 32)
    if isinstance(length, bool) or not isinstance(length, int | float) or length < 0:
        raise ItemInputError(f"Length must be a non-negative number, got {length!r}")
    size = int(length)
    raw = secrets.token_bytes(size)
    if kind == "hex":
        return raw.hex()[:size]
    if kind == "base64":
        return re.sub(r"\W", "", base64.b64encode(raw).decode())[:size]
    if kind == "ascii":
        return "".join(chr(b & 0x7F) for b in raw)  # Node's 'ascii' decoding drops bit 7
    raise ItemInputError(f"Unknown encoding type {kind!r} (use uuid, hex, base64 or ascii)")


@node("crypto", versions=[1], display_name="Crypto", params=CryptoParams, pure=True)
class CryptoNode(Node):
    """Hashes, signs or generates values (n8n's Crypto node)."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0]
        action = str(ctx.param("action", 0, "hash"))
        if action not in ("hash", "hmac", "sign", "generate"):
            raise NodeExecutionError(
                f"Unknown action {action!r}; use hash, hmac, sign or generate",
                node=ctx.node_name,
            )

        def step(i: int, row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
            item = _Item(ctx, batch, i)
            field = str(item.param("dataPropertyName", "data"))
            hashed_binary = False
            if action in ("hash", "hmac"):
                value, hashed_binary = _hash(item, keyed=action == "hmac")
            elif action == "sign":
                value = _sign(item)
            else:
                value = _generate(item)
            keep = batch.binary is not None and not hashed_binary
            return {**row, field: value}, (batch.binary[i] if keep and batch.binary else None)

        return [map_items(ctx, batch, step)]
