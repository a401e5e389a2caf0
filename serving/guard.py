"""The outermost layer of every request: an id on every response, and bodies over the limit refused unread."""

from __future__ import annotations

import json
import logging
import uuid

from starlette.exceptions import HTTPException

MAX_BODY_BYTES = 256 * 1024  # 1,000 ids of 128 characters fit with room to spare
log = logging.getLogger("shoplens.serving")


class BodyTooLarge(HTTPException):
    """Raised while the body is read: the app's handler answers 413 (or the guard, when raised outside it)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over {limit} bytes")


class RequestGuard:
    """Pure ASGI middleware: `X-Request-ID` on every response (and in `request.state`), 413 for a body over
    `max_body` bytes whether its Content-Length says so or its chunks add up to it."""

    def __init__(self, app, max_body: int = MAX_BODY_BYTES) -> None:
        self.app, self.max_body = app, max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request_id = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def send_with_id(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            status = 413 if declared.isdigit() else 400
            return await self._refuse(send_with_id, status, request_id)
        received = 0

        async def counted():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLarge(self.max_body)
            return message

        try:
            await self.app(scope, counted, send_with_id)
        except BodyTooLarge:
            if not started:
                await self._refuse(send_with_id, 413, request_id)

    async def _refuse(self, send, status: int, request_id: str) -> None:
        error = f"request body over {self.max_body} bytes" if status == 413 else "malformed Content-Length"
        log.warning(f"request {request_id}: {status} {error}")
        body = json.dumps({"error": error, "request_id": request_id}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
