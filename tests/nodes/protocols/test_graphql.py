"""GraphQL against a real GraphQL server (graphql-core behind http.server on loopback)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from hetumind.errors import NodeExecutionError
from hetumind.nodes.builtin.graphql import Graphql
from tests.nodes.protocols.helpers import RESTRICTED, free_port, run_node
from tests.nodes.protocols.web_server import TOKEN, WebServer

TYPE = "n8n-nodes-base.graphql"


def gql(
    parameters: dict[str, Any],
    items: list[dict[str, Any]] | None = None,
    *,
    version: float = 1.1,
    **kwargs: Any,
) -> list[dict[str, Any]]:
    (out,) = run_node(
        Graphql(), parameters, items, node_type=TYPE, version=version, name="GraphQL", **kwargs
    )
    return out.to_json()


def test_post_json_with_variables_and_operation_name(web_server: WebServer) -> None:
    out = gql(
        {
            "endpoint": web_server.url("/graphql"),
            "requestMethod": "POST",
            "query": "query A($n: String) { hello(name: $n) } query B { books { title } }",
            "variables": '={{ JSON.stringify({"n": $json.name}) }}',
            "operationName": "A",
        },
        [{"name": "Ann"}, {"name": "Bob"}],
    )
    assert out == [{"data": {"hello": "Hello Ann"}}, {"data": {"hello": "Hello Bob"}}]
    sent = web_server.requests[-1]
    assert sent["headers"]["content-type"] == "application/json"
    assert json.loads(sent["body"])["operationName"] == "A"


def test_v1_default_raw_graphql_body_and_mutation(web_server: WebServer) -> None:
    out = gql(
        {
            "endpoint": web_server.url("/graphql"),
            "query": 'mutation { addBook(title: "Dune", author: "Herbert") { title author } }',
        },
        version=1,
    )
    assert out == [{"data": {"addBook": {"title": "Dune", "author": "Herbert"}}}]
    assert web_server.requests[-1]["headers"]["content-type"] == "application/graphql"
    assert {"title": "Dune", "author": "Herbert"} in web_server.books


def test_get_query_string_and_string_response(web_server: WebServer) -> None:
    out = gql(
        {
            "endpoint": web_server.url("/graphql"),
            "requestMethod": "GET",
            "query": "{ hello }",
            "responseFormat": "string",
            "dataPropertyName": "raw",
        }
    )
    assert json.loads(out[0]["raw"]) == {"data": {"hello": "Hello world"}}
    assert web_server.requests[-1]["method"] == "GET"
    assert web_server.requests[-1]["path"].startswith("/graphql?query=")


def test_errors_array_fails_the_node_with_joined_messages(web_server: WebServer) -> None:
    params = {"endpoint": web_server.url("/graphql"), "query": "{ broken nope }"}
    with pytest.raises(NodeExecutionError) as caught:
        gql(params)
    assert caught.value.node == "GraphQL"
    assert "Cannot query field 'nope' on type 'Query'." in caught.value.reason
    out = gql({**params, "query": "{ hello broken }"}, continue_on_fail=True)
    # n8n emits the response and then the error for the item
    assert out[0]["data"] == {"hello": "Hello world", "broken": None}
    assert out[1] == {"error": "this field always fails"}


def test_header_auth_good_and_bad_credential(web_server: WebServer) -> None:
    params = {
        "endpoint": web_server.url("/graphql-auth"),
        "authentication": "headerAuth",
        "query": "{ hello }",
        "headerParametersUi": {"parameter": [{"name": "X-Trace", "value": "t1"}]},
    }
    good = {"httpHeaderAuth": {"name": "Authorization", "value": TOKEN}}
    assert gql(params, credentials=good) == [{"data": {"hello": "Hello world"}}]
    assert web_server.requests[-1]["headers"]["x-trace"] == "t1"
    bad = {"httpHeaderAuth": {"name": "Authorization", "value": "Bearer nope"}}
    with pytest.raises(NodeExecutionError, match="Not authorized") as caught:
        gql(params, credentials=bad)
    assert caught.value.node == "GraphQL"


def test_basic_and_query_auth_are_sent(web_server: WebServer) -> None:
    params = {"endpoint": web_server.url("/graphql"), "query": "{ hello }"}
    gql(
        {**params, "authentication": "basicAuth"},
        credentials={"httpBasicAuth": {"user": "u", "password": "p"}},
    )
    expected = "Basic " + base64.b64encode(b"u:p").decode()
    assert web_server.requests[-1]["headers"]["authorization"] == expected
    gql(
        {**params, "authentication": "queryAuth"},
        credentials={"httpQueryAuth": {"name": "key", "value": "k1"}},
    )
    assert web_server.requests[-1]["path"] == "/graphql?key=k1"


def test_credential_is_used_whatever_authentication_says(web_server: WebServer) -> None:
    # real exports carry values such as "{{ $credentials.headerAuth }}" here
    params = {
        "endpoint": web_server.url("/graphql-auth"),
        "authentication": "{{ $credentials.headerAuth }}",
        "query": "{ hello }",
    }
    good = {"httpHeaderAuth": {"name": "Authorization", "value": TOKEN}}
    assert gql(params, credentials=good) == [{"data": {"hello": "Hello world"}}]
    with pytest.raises(
        NodeExecutionError, match='does not have any credentials set for "httpHeaderAuth"'
    ):
        gql({**params, "authentication": "headerAuth"})


def test_bad_variables_unreachable_and_network_policy(web_server: WebServer) -> None:
    with pytest.raises(NodeExecutionError, match="Using variables failed"):
        gql({"endpoint": web_server.url("/graphql"), "query": "{ hello }", "variables": "{x"})
    with pytest.raises(NodeExecutionError, match="could not connect"):
        gql({"endpoint": f"http://127.0.0.1:{free_port()}/graphql", "query": "{ hello }"})
    before = len(web_server.requests)
    with pytest.raises(NodeExecutionError, match="not allowed") as caught:
        gql({"endpoint": web_server.url("/graphql"), "query": "{ hello }"}, capabilities=RESTRICTED)
    assert caught.value.node == "GraphQL"
    assert len(web_server.requests) == before
