"""SSH node against Debian's sshd on a free loopback port (see sshd.py)."""

from __future__ import annotations

from typing import Any

import pytest

from hetumind.binary import put_binary, read_binary
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.ssh import Ssh
from tests.nodes.protocols.helpers import RESTRICTED, free_port, run_node
from tests.nodes.protocols.sshd import SshServer

TYPE = "n8n-nodes-base.ssh"


def ssh(
    server: SshServer,
    parameters: dict[str, Any],
    items: list[dict[str, Any]] | ItemBatch | None = None,
    *,
    credential: dict[str, Any] | None = None,
    **kwargs: Any,
) -> list[dict[str, Any]]:
    params = {"authentication": "privateKey", **parameters}
    kind = "sshPrivateKey" if params["authentication"] == "privateKey" else "sshPassword"
    (out,) = run_node(
        Ssh(),
        params,
        items,
        node_type=TYPE,
        credentials={kind: credential or server.key_credential()},
        name="SSH",
        **kwargs,
    )
    return out.to_items()


def test_execute_commands_per_item_with_cwd(sshd: SshServer) -> None:
    out = ssh(
        sshd,
        {
            "resource": "command",
            "operation": "execute",
            "command": "=echo {{ $json.w }}; pwd",
            "cwd": str(sshd.root),
        },
        [{"w": "one"}, {"w": "two"}],
    )
    assert [o["json"] for o in out] == [
        {"code": 0, "signal": None, "stdout": f"one\n{sshd.root}", "stderr": ""},
        {"code": 0, "signal": None, "stdout": f"two\n{sshd.root}", "stderr": ""},
    ]


def test_failing_command_reports_code_and_stderr(sshd: SshServer) -> None:
    (out,) = ssh(sshd, {"command": "echo oops >&2; exit 3"})
    assert out["json"]["code"] == 3
    assert out["json"]["stderr"] == "oops"


def test_upload_then_download(sshd: SshServer) -> None:
    entry = put_binary(b"hello over sftp", file_name="greeting.txt")
    batch = ItemBatch.from_json([{"n": 1}], binary=[{"data": entry}])
    out = ssh(sshd, {"resource": "file", "operation": "upload", "path": str(sshd.root)}, batch)
    assert out[0]["json"] == {"success": True}
    assert (sshd.root / "greeting.txt").read_bytes() == b"hello over sftp"
    out = ssh(
        sshd,
        {
            "resource": "file",
            "operation": "download",
            "path": str(sshd.root / "greeting.txt"),
            "binaryPropertyName": "file",
        },
        [{"keep": True}],
    )
    assert out[0]["json"] == {"keep": True}
    assert out[0]["binary"]["file"]["fileName"] == "greeting.txt"
    assert read_binary(out[0]["binary"]["file"]) == b"hello over sftp"


def test_download_missing_file_names_node_and_item(sshd: SshServer) -> None:
    params = {"resource": "file", "operation": "download", "path": str(sshd.root / "nope")}
    with pytest.raises(NodeExecutionError, match="No such file") as caught:
        ssh(sshd, params)
    assert (caught.value.node, caught.value.item_index) == ("SSH", 0)


def test_bad_key_and_bad_password_are_refused(sshd: SshServer) -> None:
    with pytest.raises(
        NodeExecutionError, match="All configured authentication methods failed"
    ) as caught:
        ssh(sshd, {"command": "true"}, credential=sshd.key_credential(privateKey=sshd.other_key))
    assert caught.value.node == "SSH"
    password = {"host": sshd.host, "port": sshd.port, "username": sshd.user, "password": "x"}
    with pytest.raises(NodeExecutionError, match="authentication methods failed"):
        ssh(sshd, {"authentication": "password", "command": "true"}, credential=password)
    out = ssh(
        sshd,
        {"authentication": "password", "command": "true"},
        [{}, {}],
        credential=password,
        continue_on_fail=True,
    )
    assert [o["json"] for o in out] == [{"error": "All configured authentication methods failed"}]


def test_refused_connection_and_network_policy(sshd: SshServer) -> None:
    port = free_port()
    with pytest.raises(NodeExecutionError, match=f"ECONNREFUSED 127.0.0.1:{port}"):
        ssh(sshd, {"command": "true"}, credential=sshd.key_credential(port=port))
    with pytest.raises(NodeExecutionError, match="not allowed") as caught:
        ssh(sshd, {"command": "true"}, capabilities=RESTRICTED)
    assert caught.value.node == "SSH"


def test_odd_authentication_value_uses_the_credential_the_node_has(sshd: SshServer) -> None:
    # real exports carry values such as "{{ $credentials.privateKey }}" here
    (out,) = run_node(
        Ssh(),
        {"authentication": "{{ $credentials.privateKey }}", "command": "echo ok"},
        [{}],
        node_type=TYPE,
        credentials={"sshPrivateKey": sshd.key_credential()},
        name="SSH",
    )
    assert out.to_json()[0]["stdout"] == "ok"
