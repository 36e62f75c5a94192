"""create_app(settings) -> Starlette: the lifespan loads every data source once; routes only read them."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from .api import geocode, health, maps, preview, styles, tiles
from .api import compat, openapi
from .config import Settings
from .guard import Guard
from .http import ClientError, client_error_handler, error_response
from .maps.fonts import FontLibrary
from .maps.sprites import SpriteLibrary
from .maps.styles import StyleCatalog
from .middleware import CORSMiddleware
from .observe import Metrics, RequestObserver, access_log_for, route_template
from .places_reload import PlacesReloader
from .tiles.catalog import TileCatalog

log = logging.getLogger("tilegeo")


def create_app(settings: Settings) -> Starlette:
    """The tilegeo ASGI app for `settings`; nothing is loaded until the lifespan starts."""
    metrics = Metrics()
    access_log = access_log_for(settings.log_level)
    app = Starlette(
        routes=[*tiles.routes, *health.routes, *maps.routes, *styles.routes, *preview.routes, *geocode.routes,
                *compat.routes, *openapi.routes],   # tiles first: the hot route is matched first
        middleware=[
            Middleware(CORSMiddleware, origins=settings.cors_origins),
            Middleware(RequestObserver, metrics=metrics, access_log=access_log, log_queries=settings.log_queries),
            Middleware(Guard, settings=settings),
        ],
        exception_handlers={
            ClientError: client_error_handler,
            HTTPException: _http_error,
            Exception: _internal_error,
        },
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.access_log = access_log
    metrics.watch_caches(app.state)
    app.state.ready = False
    return app


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    with contextlib.ExitStack() as resources:
        app.state.tiles = TileCatalog(settings.tile_dirs, remote=settings.remote_tiles)
        resources.callback(app.state.tiles.close)
        app.state.tiles.refresh()
        app.state.fonts = FontLibrary(settings.fonts_dir)
        app.state.sprites = SpriteLibrary(settings.sprites_dir)
        app.state.styles = StyleCatalog(settings.style_dirs)
        app.state.styles.load()
        places = PlacesReloader(app.state, settings.places_path)
        places.load()
        resources.callback(places.close)
        watcher = asyncio.create_task(_watch_data(app, places, settings.rescan_seconds))
        app.state.ready = True
        try:
            yield
        finally:
            app.state.ready = False
            watcher.cancel()
            if app.state.access_log is not None:
                app.state.access_log.flush()


async def _watch_data(app: Starlette, places: PlacesReloader, interval: float) -> None:
    """Re-scan data files now and then, in the event loop so no request sees a half swap."""
    if interval <= 0:
        return
    while True:
        await asyncio.sleep(interval)
        try:
            app.state.tiles.refresh()
            app.state.styles.refresh()
            await places.refresh()
        except OSError as exc:   # a data dir vanished or is unreadable: keep serving what we have
            log.warning("data rescan failed: %s", exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_response(404, "not found", f"no route for {request.url.path[:200]}")
    if exc.status_code == 405:
        return error_response(405, "method not allowed", f"{request.method} is not allowed here")
    return error_response(exc.status_code, "http error", exc.detail)


async def _internal_error(request: Request, exc: Exception) -> Response:
    # The route template, like the access log: a path can hold a location (/v1/location/{token}).
    where = request.url.path if request.app.state.settings.log_queries else route_template(request.scope)
    log.exception("internal error on %s %s", request.method, where)
    return error_response(500, "internal error", "the server failed; the log has details")
