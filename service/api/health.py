"""Liveness and what is loaded."""
from __future__ import annotations

from starlette.datastructures import State
from starlette.requests import Request
from starlette.routing import Route

from .. import __version__
from ..http import JSONResponse
from ..observe import metrics_endpoint


async def health(request: Request) -> JSONResponse:
    state = request.app.state
    return JSONResponse({
        "status": "ok",
        "version": __version__,
        "tilesets": sorted(source.info.id for source in state.tiles),
        "problems": [{"file": path, "error": error}
                     for path, error in sorted({**state.tiles.problems, **state.styles.problems}.items())],
        "places": _places(state),
    })


def _places(state: State) -> dict:
    """The places database: where it is, whether it loaded, how many places, and why not."""
    engine = getattr(state, "geocoder", None)
    path = engine.path if engine is not None else state.settings.places_path
    return {"path": str(path), "loaded": engine is not None, "places": len(engine) if engine is not None else 0,
            "error": getattr(state, "geocoder_error", None)}


async def ready(request: Request) -> JSONResponse:
    """200 once every configured data source is loaded (for load balancers and Kubernetes)."""
    state = request.app.state
    checks = {"started": bool(state.ready), "geocoder": getattr(state, "geocoder", None) is not None}
    ok = all(checks.values())
    return JSONResponse({"ready": ok, **checks}, status_code=200 if ok else 503)


routes = [
    Route("/health", health, methods=["GET", "HEAD"]),
    Route("/ready", ready, methods=["GET", "HEAD"]),
    Route("/metrics", metrics_endpoint, methods=["GET"]),
]
