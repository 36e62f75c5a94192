"""Liveness and what is loaded."""
from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from .. import __version__
from ..http import JSONResponse


async def health(request: Request) -> JSONResponse:
    state = request.app.state
    return JSONResponse({
        "status": "ok",
        "version": __version__,
        "tilesets": sorted(source.info.id for source in state.tiles),
        "problems": [{"file": path, "error": error} for path, error in sorted(state.tiles.problems.items())],
    })


routes = [Route("/health", health, methods=["GET", "HEAD"])]
