"""FTP node: FTP against pyftpdlib, SFTP against Debian's sshd (both on loopback)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hetumind.binary import put_binary, read_binary
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin._ftp_listing import parse_list_line
from hetumind.nodes.builtin.ftp import Ftp
from tests.nodes.protocols.conftest import FtpServer
from tests.nodes.protocols.helpers import RESTRICTED, free_port, run_node
from tests.nodes.protocols.sshd import SshServer

TYPE = "n8n-nodes-base.ftp"


def ftp(
    parameters: dict[str, Any],
    credential: dict[str, Any],
    items: list[dict[str, Any]] | ItemBatch | None = None,
    **kwargs: Any,
) -> list[dict[str, Any]]:
    kind = parameters.get("protocol", "ftp")
    (out,) = run_node(
        Ftp(),
        parameters,
        items,
        node_type=TYPE,
        credentials={kind: credential},
        name="FTP",
        **kwargs,
    )
    return out.to_items()


@pytest.fixture
def sftp_dir(sshd: SshServer) -> Iterator[Path]:
    folder = sshd.root / uuid.uuid4().hex[:8]
    folder.mkdir()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def ftp_dir(ftp_server: FtpServer) -> Iterator[str]:
    name = uuid.uuid4().hex[:8]
    (ftp_server.root / name).mkdir()
    yield f"/{name}"
    shutil.rmtree(ftp_server.root / name, ignore_errors=True)


def test_list_line_parser() -> None:
    entry = parse_list_line("drwxr-xr-t   2 ann staff  4096 Jan 02  2024 docs")
    assert entry is not None
    assert entry["type"] == "d" and entry["name"] == "docs" and entry["sticky"] is True
    assert entry["rights"] == {"user": "rwx", "group": "rx", "other": "rx"}
    assert entry["date"] == "2024-01-02T00:00:00.000Z"
    assert parse_list_line("total 8") is None


def test_ftp_upload_list_download_rename_delete(ftp_server: FtpServer, ftp_dir: str) -> None:
    cred = ftp_server.credential()
    entry = put_binary(b"ftp bytes", file_name="a.bin")
    batch = ItemBatch.from_json([{"k": 1}], binary=[{"data": entry}])
    out = ftp({"operation": "upload", "path": f"{ftp_dir}/sub/a.bin"}, cred, batch)
    assert out[0]["json"] == {"k": 1}
    assert (ftp_server.root / ftp_dir[1:] / "sub" / "a.bin").read_bytes() == b"ftp bytes"
    ftp(
        {
            "operation": "upload",
            "path": f"{ftp_dir}/t.txt",
            "binaryData": False,
            "fileContent": "text",
        },
        cred,
    )
    listed = ftp({"operation": "list", "path": ftp_dir, "recursive": True}, cred)
    by_path = {o["json"]["path"]: o["json"] for o in listed}
    assert set(by_path) == {f"{ftp_dir}/sub", f"{ftp_dir}/t.txt", f"{ftp_dir}/sub/a.bin"}
    assert by_path[f"{ftp_dir}/t.txt"]["type"] == "-"
    assert by_path[f"{ftp_dir}/t.txt"]["size"] == 4
    assert by_path[f"{ftp_dir}/sub"]["type"] == "d"
    assert by_path[f"{ftp_dir}/t.txt"]["modifyTime"].endswith("Z")
    down = ftp({"operation": "download", "path": f"{ftp_dir}/sub/a.bin"}, cred)
    assert down[0]["binary"]["data"]["fileName"] == "a.bin"
    assert read_binary(down[0]["binary"]["data"]) == b"ftp bytes"
    assert ftp(
        {"operation": "rename", "oldPath": f"{ftp_dir}/t.txt", "newPath": f"{ftp_dir}/u.txt"}, cred
    )[0]["json"] == {"success": True}
    assert (ftp_server.root / ftp_dir[1:] / "u.txt").read_text() == "text"
    ftp({"operation": "delete", "path": f"{ftp_dir}/u.txt"}, cred)
    ftp(
        {
            "operation": "delete",
            "path": f"{ftp_dir}/sub",
            "options": {"folder": True, "recursive": True},
        },
        cred,
    )
    assert list((ftp_server.root / ftp_dir[1:]).iterdir()) == []


def test_ftp_bad_password_missing_file_and_policy(ftp_server: FtpServer) -> None:
    with pytest.raises(NodeExecutionError, match="530") as caught:
        ftp({"operation": "list", "path": "/"}, ftp_server.credential(password="wrong"))
    assert caught.value.node == "FTP"
    with pytest.raises(NodeExecutionError, match="550") as caught:
        ftp({"operation": "download", "path": "/no-such-file"}, ftp_server.credential())
    assert caught.value.item_index == 0
    port = free_port()
    with pytest.raises(NodeExecutionError, match="ECONNREFUSED"):
        ftp({"operation": "list"}, ftp_server.credential(port=port))
    with pytest.raises(NodeExecutionError, match="not allowed"):
        ftp({"operation": "list"}, ftp_server.credential(), capabilities=RESTRICTED)


def test_sftp_upload_list_download_rename_delete(sshd: SshServer, sftp_dir: Path) -> None:
    cred = sshd.key_credential()
    base = {"protocol": "sftp"}
    entry = put_binary(b"sftp bytes", file_name="b.bin")
    batch = ItemBatch.from_json([{}], binary=[{"data": entry}])
    ftp({**base, "operation": "upload", "path": f"{sftp_dir}/deep/b.bin"}, cred, batch)
    assert (sftp_dir / "deep" / "b.bin").read_bytes() == b"sftp bytes"
    listed = ftp({**base, "operation": "list", "path": str(sftp_dir), "recursive": True}, cred)
    by_path = {o["json"]["path"]: o["json"] for o in listed}
    assert set(by_path) == {f"{sftp_dir}/deep", f"{sftp_dir}/deep/b.bin"}
    item = by_path[f"{sftp_dir}/deep/b.bin"]
    assert item["type"] == "-" and item["size"] == 10 and item["name"] == "b.bin"
    assert item["rights"]["user"].startswith("rw")
    down = ftp(
        {
            **base,
            "operation": "download",
            "path": f"{sftp_dir}/deep/b.bin",
            "binaryPropertyName": "f",
        },
        cred,
    )
    assert read_binary(down[0]["binary"]["f"]) == b"sftp bytes"
    ftp(
        {
            **base,
            "operation": "rename",
            "oldPath": f"{sftp_dir}/deep/b.bin",
            "newPath": f"{sftp_dir}/new/dir/c.bin",
            "options": {"createDirectories": True},
        },
        cred,
    )
    assert (sftp_dir / "new" / "dir" / "c.bin").exists()
    ftp({**base, "operation": "delete", "path": f"{sftp_dir}/new/dir/c.bin"}, cred)
    ftp(
        {
            **base,
            "operation": "delete",
            "path": f"{sftp_dir}/new",
            "options": {"folder": True, "recursive": True},
        },
        cred,
    )
    assert sorted(p.name for p in sftp_dir.iterdir()) == ["deep"]


def test_sftp_bad_key_and_missing_file(sshd: SshServer) -> None:
    base = {"protocol": "sftp", "operation": "list", "path": str(sshd.root)}
    with pytest.raises(NodeExecutionError, match="authentication methods failed") as caught:
        ftp(base, sshd.key_credential(privateKey=sshd.other_key))
    assert caught.value.node == "FTP"
    out = ftp(
        {**base, "operation": "delete", "path": f"{sshd.root}/missing"},
        sshd.key_credential(),
        continue_on_fail=True,
    )
    assert out[0]["json"] == {"error": "No such file"}
