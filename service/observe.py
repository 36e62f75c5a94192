"""Access log and Prometheus metrics, keyed by route template so no coordinate, token or query is recorded.

`/reverse?lat=48.85&lon=2.29` is logged and counted as `GET /reverse 200`; only the opt-in
`--log-queries` setting logs full URLs.
"""
from __future__ import annotations

import logging
import time

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.datastructures import State
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .access_log import AccessLog


LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    """The service's Prometheus metrics, in a registry of their own (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("tilegeo_requests_total", "HTTP requests", ["method", "route", "status"],
                                registry=self.registry)
        self.latency = Histogram("tilegeo_request_duration_seconds", "Time to answer a request", ["route"],
                                 buckets=LATENCY_BUCKETS, registry=self.registry)
        self._per_request: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def count_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request and its latency.

        The labelled series are looked up once per (method, route, status) and kept: `labels()`
        costs more than the increment itself, and this runs for every request.
        """
        series = self._per_request.get((method, route, status))
        if series is None:
            series = (self.requests.labels(method, route, str(status)), self.latency.labels(route))
            self._per_request[(method, route, status)] = series
        series[0].inc()
        series[1].observe(seconds)

    def watch_caches(self, state: State) -> None:
        """Report the in-memory caches of the loaded data (read at scrape time, free per request)."""
        self.registry.register(CacheCollector(state))


class CacheCollector:
    """`tilegeo_cache_total{cache="tiles"|"fonts", result="hit"|"miss"}` from the caches' own counters."""

    def __init__(self, state: State) -> None:
        self.state = state

    def describe(self) -> list:
        return []     # the series are only known once data is loaded

    def collect(self):
        family = CounterMetricFamily("tilegeo_cache", "In-memory cache lookups", labels=["cache", "result"])
        tiles = getattr(self.state, "tiles", None)
        caches = [getattr(source, "cache", None) for source in tiles] if tiles is not None else []
        caches = [cache for cache in caches if cache is not None]
        family.add_metric(["tiles", "hit"], sum(cache.hits for cache in caches))
        family.add_metric(["tiles", "miss"], sum(cache.misses for cache in caches))
        fonts = getattr(self.state, "fonts", None)
        hits, misses = fonts.cache_counts() if fonts is not None else (0, 0)
        family.add_metric(["fonts", "hit"], hits)
        family.add_metric(["fonts", "miss"], misses)
        yield family


def route_template(scope: Scope) -> str:
    """The matched route's path template ('/tiles/{tileset}/{z}/{x}/{y_ext}'), or 'unmatched'."""
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


class RequestObserver:
    """Pure ASGI middleware: one access-log line and one metrics sample per request."""

    def __init__(self, app: ASGIApp, metrics: Metrics, access_log: AccessLog | None = None,
                 log_queries: bool = False) -> None:
        self.app = app
        self.metrics = metrics
        self.access_log = access_log
        self.log_queries = log_queries

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def observe(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            self._record(scope, status, time.perf_counter() - start)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route = route_template(scope)
        self.metrics.count_request(scope["method"], route, status, seconds)
        if self.access_log is not None:
            target = _full_target(scope) if self.log_queries else route
            self.access_log.write(scope["method"], target, status, seconds)


def configure_logging(level: str) -> None:
    """Log to stderr at `level`, once per process (requests go to the AccessLog, not here)."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(level.upper())


def access_log_for(level: str) -> AccessLog | None:
    """The access log when the level shows INFO lines (the default), else None."""
    return AccessLog() if logging.getLevelName(level.upper()) in (logging.DEBUG, logging.INFO) else None


def _full_target(scope: Scope) -> str:
    query = scope.get("query_string", b"").decode("latin-1")
    return scope["path"] + ("?" + query if query else "")


async def metrics_endpoint(request: Request) -> Response:
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
