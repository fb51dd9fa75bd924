"""The API's documentation pages, Swagger UI at ``/docs`` and ReDoc at ``/redoc``, offline.

FastAPI's own pages load their JavaScript, CSS and favicon from a CDN and are
blank without internet. These pages load them from the service itself: the
files ship in the ``fastapi-offline`` package (part of ``anomalia[serve]``)
and are served from ``/docs/assets/`` by an allow-list, never by a path the
client names. Like ``/openapi.json``, the pages need no API key.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

ASSETS_URL = "/docs/assets"
# file name -> media type; nothing else is served from ASSETS_URL.
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
    "favicon.png": "image/png",
}
# Swagger UI otherwise sends the spec to an online validator for its badge.
SWAGGER_UI_PARAMETERS = {"validatorUrl": None}

router = APIRouter(include_in_schema=False)


def assets_folder() -> Path:
    """The folder holding Swagger UI's and ReDoc's files.

    Raises
    ------
    ImportError
        When ``fastapi-offline`` is not installed, naming the install command.
    """
    try:
        import fastapi_offline
    except ImportError as error:
        raise ImportError(
            "the offline API docs need fastapi-offline: pip install 'anomalia[serve]'"
        ) from error
    return Path(fastapi_offline.__file__).parent / "static"


def _root(request: Request) -> str:
    # Behind a proxy that mounts the service under a prefix (uvicorn --root-path).
    return request.scope.get("root_path", "")


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    root = _root(request)
    return get_swagger_ui_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=f"{request.app.title} - Swagger UI",
        swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
        swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
    )


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    root = _root(request)
    return get_redoc_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=f"{request.app.title} - ReDoc",
        redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
        redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
        with_google_fonts=False,
    )


@router.get(ASSETS_URL + "/{name}")
def asset(name: str) -> FileResponse:
    if name not in ASSETS:
        raise HTTPException(status_code=404, detail=f"no documentation asset named {name!r}")
    return FileResponse(
        assets_folder() / name,
        media_type=ASSETS[name],
        headers={"Cache-Control": "public, max-age=86400"},
    )
