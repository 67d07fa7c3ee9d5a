"""Crypto v1: hash/hmac of values and binary files, RSA/EC signing, generation, errors."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from helpers_agg import run_node, run_single

from hetumind import binary
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.crypto import CryptoNode, digest_name
from tests.nodes.context import node_context


def run(params: dict[str, Any], rows: list[dict[str, Any]], **kw: Any) -> list[dict[str, Any]]:
    return run_node(CryptoNode(), params, rows, **kw)[0]


def pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture
def blob_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("HETUMIND_HOME", str(tmp_path))
    monkeypatch.delenv("HETUMIND_BLOB_URL", raising=False)
    binary.reset_blob_store()
    yield tmp_path
    binary.reset_blob_store()


@pytest.mark.parametrize(
    ("name", "want"),
    [
        ("MD5", "md5"),
        ("SHA3-256", "sha3_256"),
        ("RSA-SHA256", "sha256"),
        ("sha512WithRSAEncryption", "sha512"),
        ("ecdsa-with-SHA384", "sha384"),
        ("SHA1", "sha1"),
    ],
)
def test_digest_names(name: str, want: str) -> None:
    assert digest_name(name) == want


def test_hash_defaults_to_md5_hex_and_keeps_fields() -> None:
    out = run({"value": "={{ $json.s }}"}, [{"s": "hello", "k": 1}])
    assert out == [{"s": "hello", "k": 1, "data": hashlib.md5(b"hello").hexdigest()}]


def test_hash_and_hmac_encodings() -> None:
    text = "Grüße 🌍"
    params = {"action": "hash", "type": "SHA512", "value": text, "encoding": "base64"}
    want = base64.b64encode(hashlib.sha512(text.encode()).digest()).decode()
    assert run(params, [{}]) == [{"data": want}]
    params = {
        "action": "hmac",
        "type": "SHA256",
        "value": text,
        "secret": "k",
        "dataPropertyName": "sig",
    }
    assert run(params, [{}]) == [{"sig": hmac.new(b"k", text.encode(), "sha256").hexdigest()}]


def test_dotted_property_is_one_key_as_in_n8n() -> None:
    params = {"type": "SHA256", "value": "x", "dataPropertyName": "out.hash"}
    [item] = run(params, [{"out": {"keep": 1}}])
    assert item == {"out": {"keep": 1}, "out.hash": hashlib.sha256(b"x").hexdigest()}


def test_hash_binary_file_drops_the_binary(blob_home: Path) -> None:
    entry = binary.put_binary(b"file bytes", file_name="a.txt")
    batch = ItemBatch.from_json([{"n": 1}, {"n": 2}], binary=[{"file": entry}, None])
    params = {"action": "hash", "type": "SHA256", "binaryData": True, "binaryPropertyName": "file"}
    ctx = node_context(params, [batch], continue_on_fail=True)
    out = CryptoNode().run(ctx, [batch])[0]
    assert out.to_json()[0] == {"n": 1, "data": hashlib.sha256(b"file bytes").hexdigest()}
    assert (
        "expects the node's input data to contain a binary file 'file'" in out.to_json()[1]["error"]
    )
    assert out.binary is None
    params["binaryPropertyName"] = "other"
    with pytest.raises(NodeExecutionError, match="The item has no binary field 'other'"):
        CryptoNode().run(node_context(params, [batch]), [batch])


def test_value_hash_keeps_binary() -> None:
    entry = {"data": base64.b64encode(b"hi").decode(), "mimeType": "text/plain"}
    batch = ItemBatch.from_json([{}], binary=[{"data": entry}])
    out = CryptoNode().run(node_context({"value": "v"}, [batch]), [batch])[0]
    assert out.binary == [{"data": entry}]


def test_sign_rsa_verifies_and_is_deterministic() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    params = {
        "action": "sign",
        "algorithm": "RSA-SHA256",
        "value": "={{ $json.m }}",
        "privateKey": pem(key),
    }
    first = run(params, [{"m": "msg"}])[0]["data"]
    assert run(params, [{"m": "msg"}])[0]["data"] == first
    key.public_key().verify(bytes.fromhex(first), b"msg", padding.PKCS1v15(), hashes.SHA256())


def test_sign_ec_gives_a_der_ecdsa_signature() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    params = {
        "action": "sign",
        "algorithm": "sha256",
        "value": "m",
        "privateKey": pem(key),
        "encoding": "base64",
    }
    sig = base64.b64decode(run(params, [{}])[0]["data"])
    key.public_key().verify(sig, b"m", ec.ECDSA(hashes.SHA256()))


def test_sign_errors() -> None:
    params = {"action": "sign", "algorithm": "RSA-SHA256", "value": "m", "privateKey": "nope"}
    with pytest.raises(
        NodeExecutionError, match=r"item 0: Invalid private key \(parameter 'privateKey'\)"
    ):
        run(params, [{}])
    params["algorithm"] = ""
    with pytest.raises(NodeExecutionError, match="Choose a signing algorithm"):
        run(params, [{}])


def test_generate_shapes() -> None:
    [item] = run({"action": "generate", "dataPropertyName": "id"}, [{}])
    assert uuid.UUID(item["id"]).version == 4
    for kind, pattern in (
        ("hex", r"[0-9a-f]{10}"),
        ("base64", r"\w{10}"),
        ("ascii", r"[\x00-\x7f]{10}"),
    ):
        params = {"action": "generate", "encodingType": kind, "stringLength": 10}
        [item] = run(params, [{}])
        assert re.fullmatch(pattern, item["data"]), (kind, item)
    a, b = run({"action": "generate", "encodingType": "hex"}, [{}, {}])
    assert len(a["data"]) == 32 and a["data"] != b["data"]


def test_non_string_value_and_bad_type_are_errors_naming_the_item() -> None:
    params = {"value": "={{ $json.n }}"}
    with pytest.raises(NodeExecutionError) as info:
        run(params, [{"n": "1"}, {"n": 5}], node_name="Hasher")
    assert info.value.node == "Hasher" and info.value.item_index == 1
    assert "must be a string, got int 5" in str(info.value)
    out = run(params, [{"n": 5}, {}, {"n": "5"}], continue_on_fail=True)
    assert out[0]["error"].startswith("The value to process must be a string, got int 5")
    assert "got nothing" in out[1]["error"]
    assert out[2] == {"n": "5", "data": hashlib.md5(b"5").hexdigest()}
    with pytest.raises(NodeExecutionError, match="Digest method not supported: 'WHIRL'"):
        run({"type": "WHIRL", "value": "x"}, [{}])


def test_empty_input_and_unknown_action() -> None:
    assert run({"action": "hash"}, []) == []
    with pytest.raises(NodeExecutionError, match="Unknown action 'encrypt'"):
        run({"action": "encrypt"}, [{}])


def test_crypto_in_a_workflow() -> None:
    result = run_single(
        [{"s": "a"}, {"s": "b"}], "crypto", 1, {"type": "SHA256", "value": "={{ $json.s }}"}
    )
    got = [r["data"] for r in result["runData"]["Node"][0]["outputs"][0]]
    assert got == [hashlib.sha256(b"a").hexdigest(), hashlib.sha256(b"b").hexdigest()]
