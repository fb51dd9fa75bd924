"""Exception handlers: every error becomes a 4xx/5xx JSON body with a message, no traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from anomalia.exceptions import DataError
from anomalia.service.registry import ModelsNotReadyError, UnknownModelError
from anomalia.service.scoring import TooLargeError, UnsupportedFileError

log = logging.getLogger(__name__)


def _error(status: int, detail: object, **extra: object) -> JSONResponse:
    return JSONResponse({"detail": detail, **extra}, status_code=status)


async def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
    problems = [
        {
            "loc": [str(part) for part in problem["loc"]],
            "msg": problem["msg"],
            "type": problem["type"],
        }
        for problem in error.errors()
    ]
    # One readable line first; the list (without echoing the input back) after it.
    first = problems[0] if problems else {"loc": [], "msg": "invalid request"}
    where = ".".join(first["loc"]) or "request"
    more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
    return _error(422, f"{where}: {first['msg']}{more}", errors=problems)


async def _unsupported(request: Request, error: UnsupportedFileError) -> JSONResponse:
    return _error(415, str(error))


async def _too_large(request: Request, error: TooLargeError) -> JSONResponse:
    return _error(413, str(error))


async def _data(request: Request, error: DataError) -> JSONResponse:
    return _error(422, str(error))


async def _unknown(request: Request, error: UnknownModelError) -> JSONResponse:
    return _error(404, str(error))


async def _not_ready(request: Request, error: ModelsNotReadyError) -> JSONResponse:
    return _error(503, str(error))


async def _value(request: Request, error: ValueError) -> JSONResponse:
    return _error(400, str(error))


def install(app: FastAPI) -> None:
    """Register the handlers on ``app`` (most specific exception types first)."""
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(UnsupportedFileError, _unsupported)
    app.add_exception_handler(TooLargeError, _too_large)
    app.add_exception_handler(DataError, _data)
    app.add_exception_handler(UnknownModelError, _unknown)
    app.add_exception_handler(ModelsNotReadyError, _not_ready)
    app.add_exception_handler(ValueError, _value)
    # Anything else is answered by ObservabilityMiddleware, which knows the request's id;
    # a handler for Exception would run outside it, in Starlette's outermost middleware.
