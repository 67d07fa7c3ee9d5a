"""The HTTP Request node's machinery: pooled clients, request building, auth, sending with
retries, pagination and response shaping. The node itself is
hetumind/nodes/builtin/http_request.py."""

from hetumind.http.client import TransportKey, close_clients, pooled_client
from hetumind.http.request import RequestSpec
from hetumind.http.transport import HttpResponse, RequestFailed, RetryPolicy, send

__all__ = [
    "HttpResponse",
    "RequestFailed",
    "RequestSpec",
    "RetryPolicy",
    "TransportKey",
    "close_clients",
    "pooled_client",
    "send",
]
