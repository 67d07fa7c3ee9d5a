"""The Lambda handler: API Gateway v1/v2/function URL events, direct invoke, bad events."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from hetumind.serverless import handler


def v2(
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    function_url: bool = False,
) -> dict[str, Any]:
    ctx: dict[str, Any] = {"http": {"method": method, "path": path, "sourceIp": "1.2.3.4"}}
    if function_url:
        ctx["domainName"] = "abc.lambda-url.us-east-1.on.aws"
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "a=1&a=2&b=x",
        "headers": {"content-type": "application/json", **(headers or {})},
        "requestContext": ctx,
        "isBase64Encoded": False,
    }
    if body is not None:
        event["body"] = json.dumps(body)
    return event


def v1(method: str, path: str, body: Any = None) -> dict[str, Any]:
    raw = base64.b64encode(json.dumps(body).encode()).decode() if body is not None else None
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": "application/json"},
        "multiValueQueryStringParameters": {"q": ["1"]},
        "requestContext": {"identity": {"sourceIp": "1.2.3.4"}},
        "body": raw,
        "isBase64Encoded": raw is not None,
    }


def test_v2_last_node(bundle: Path) -> None:
    answer = handler(v2("POST", "/webhook/greet", {"name": "Ada"}), None)
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"])["greeting"] == "hello Ada"


def test_function_url_event(bundle: Path) -> None:
    answer = handler(v2("POST", "/greet", {"name": "Bo"}, function_url=True), None)
    assert json.loads(answer["body"])["greeting"] == "hello Bo"


def test_v1_base64_body(bundle: Path) -> None:
    answer = handler(v1("POST", "/greet", {"name": "Cy"}), None)
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"])["greeting"] == "hello Cy"


def test_on_received(bundle: Path) -> None:
    answer = handler(v2("POST", "/ack", {"name": "x"}), None)
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"message": "Workflow was started"}


def test_binary_answer_is_base64(bundle: Path) -> None:
    answer = handler(v2("GET", "/file"), None)
    assert answer["statusCode"] == 200
    assert answer["isBase64Encoded"] is True
    assert "csv" in answer["headers"]["content-type"]
    assert "headers" in base64.b64decode(answer["body"]).decode()


def test_webhook_auth_applies(bundle: Path) -> None:
    answer = handler(v2("GET", "/secret"), None)
    # no credential reachable (no store): refused as n8n does, the workflow never runs
    assert answer["statusCode"] >= 400
    assert "greeting" not in answer["body"]
    assert "authentication" in answer["body"].lower()


def test_unknown_path_is_404_json(bundle: Path) -> None:
    answer = handler(v2("GET", "/nowhere"), None)
    assert answer["statusCode"] == 404
    assert "/nowhere" in json.loads(answer["body"])["error"]["message"]


def test_wrong_method_is_404(bundle: Path) -> None:
    assert handler(v2("GET", "/greet"), None)["statusCode"] == 404


def test_malformed_events_are_400(bundle: Path) -> None:
    for event in ([1, 2], {"hello": 1}, {"requestContext": {}}, {"workflow": 5}):
        answer = handler(event, None)
        assert answer["statusCode"] == 400, event
        assert json.loads(answer["body"])["error"]["code"] == "bad_event"
    bad_json = v2("POST", "/greet")
    bad_json["body"] = "{nope"
    assert handler(bad_json, None)["statusCode"] == 400


def test_direct_invoke_by_id_and_document(bundle: Path) -> None:
    result = handler({"workflow": "greet", "input": [{"body": {"name": "Di"}}]}, None)
    assert result["status"] == "success"
    assert result["runData"]["Set"][0]["outputs"][0][0]["greeting"] == "hello Di"
    from tests.serverless.conftest import WORKFLOWS

    result = handler({"workflow": WORKFLOWS[0], "input": [{"body": {"name": "Ed"}}]}, None)
    assert result["runData"]["Set"][0]["outputs"][0][0]["greeting"] == "hello Ed"
    assert handler({"workflow": "missing"}, None)["statusCode"] == 404
