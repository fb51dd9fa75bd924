"""ASGI middleware: request ids, access logs and metrics; the request body size limit."""

from __future__ import annotations

import json
import logging
import time
import uuid

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from anomalia.service.logs import request_id_var
from anomalia.service.metrics import ServiceMetrics

log = logging.getLogger("anomalia.service.access")
errors_log = logging.getLogger("anomalia.service.errors")

REQUEST_ID_HEADER = b"x-request-id"
# Metric labels come from fixed sets only: a client choosing the method name must not
# be able to create new time series (20,000 made-up methods once grew /metrics to 33 MB).
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER = "other"


def method_label(method: str) -> str:
    """The method as a metric label: a standard one, else ``other``."""
    return method if method in METHODS else OTHER


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class ObservabilityMiddleware:
    """Tag each request with an id, time it, count it and log one JSON line for it.

    The id is taken from an ``X-Request-ID`` header (up to 64 characters) or made
    up, and is echoed in the response's ``X-Request-ID``.
    """

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = (_header(scope, REQUEST_ID_HEADER) or "")[:64] or uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (REQUEST_ID_HEADER, request_id.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as error:
            # Answered here, inside the request's context: the 500 names this request's
            # id, and nothing is re-raised, so the server keeps the connection open.
            errors_log.error(
                "unexpected %s on %s", type(error).__name__, scope["path"][:256], exc_info=error
            )
            if not response_started:
                await send_with_id(_internal_error(request_id))
                await send_with_id(
                    {"type": "http.response.body", "body": _internal_body(request_id)}
                )
            status = 500
        finally:
            elapsed = time.perf_counter() - started
            # The route template, not the raw path, keeps label cardinality bounded.
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope["method"]
            label = method_label(method)
            self.metrics.requests.labels(label, route, str(status)).inc()
            self.metrics.latency.labels(label, route).observe(elapsed)
            if status >= 400:
                self.metrics.errors.labels(label, route, str(status)).inc()
            log.log(
                logging.WARNING if status >= 500 else logging.INFO,
                "%s %s %d",
                method[:16],
                scope["path"][:256],
                status,
                extra={
                    "route": route,
                    "method": method[:16],
                    "path": scope["path"][:256],
                    "status": status,
                    "latency_ms": round(elapsed * 1000, 2),
                },
            )
            request_id_var.reset(token)


def _internal_body(request_id: str) -> bytes:
    return json.dumps(
        {
            "detail": f"internal error; the service log has it under request id {request_id}",
            "request_id": request_id,
        }
    ).encode()


def _internal_error(request_id: str) -> Message:
    return {
        "type": "http.response.start",
        "status": 500,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(_internal_body(request_id))).encode()),
        ],
    }


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413, by header or while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    def _message(self, size: str) -> str:
        return (
            f"request body of {size} bytes is over the limit of {self.max_bytes} bytes "
            "(ANOMALIA_MAX_BODY_BYTES); send fewer points per request"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            body = json.dumps({"detail": self._message(declared)}).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 413,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # FastAPI passes HTTPExceptions raised while reading the body through.
                    raise HTTPException(413, self._message(f"more than {self.max_bytes}"))
            return message

        await self.app(scope, counting_receive, send)
