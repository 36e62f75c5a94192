"""Byte ranges of one remote file over HTTP(S) keep-alive connections (stdlib http.client).

Made for PMTiles archives in object storage (S3, MinIO, R2, any static host): every read is one
`Range: bytes=a-b` request. After the first answer, requests carry `If-Match` with the file's
ETag, so an archive replaced under the same URL fails loudly (412) instead of returning bytes
from the wrong offsets of the new file.
"""
from __future__ import annotations

import hashlib
import http.client
import queue
import re
import ssl
from urllib.parse import urlsplit

from .source import TileSourceError

CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
MAX_IDLE_CONNECTIONS = 16


class HttpRangeReader:
    """`read(offset, length)` for the file at `url`; thread-safe (one connection per caller)."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise TileSourceError(f"{url}: remote archives need an http:// or https:// URL")
        self.url = url
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._timeout = timeout
        self._idle: queue.SimpleQueue[http.client.HTTPConnection] = queue.SimpleQueue()
        self._context = ssl.create_default_context() if self._https else None
        self.etag: str | None = None
        self.fingerprint = hashlib.blake2b(url.encode(), digest_size=6).hexdigest()

    def read(self, offset: int, length: int) -> bytes:
        """Bytes [offset, offset + length) (fewer at the end of the file)."""
        if length <= 0:
            return b""
        try:
            return self._request(offset, length)
        except (OSError, http.client.HTTPException):
            pass        # an idle keep-alive connection the server closed: one retry on a fresh one
        try:
            return self._request(offset, length, fresh=True)
        except (OSError, http.client.HTTPException) as exc:
            raise TileSourceError(f"{self.url}: {type(exc).__name__}: {exc}") from None

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return

    def _request(self, offset: int, length: int, fresh: bool = False) -> bytes:
        conn = self._connection(fresh)
        headers = {"Range": f"bytes={offset}-{offset + length - 1}", "Accept-Encoding": "identity"}
        if self.etag:
            headers["If-Match"] = self.etag
        try:
            conn.request("GET", self._target, headers=headers)
            response = conn.getresponse()
            body = response.read()
            self._check(response, offset)
        except BaseException:
            conn.close()
            raise
        if response.will_close:
            conn.close()
        else:
            self._release(conn)
        return body

    def _check(self, response: http.client.HTTPResponse, offset: int) -> None:
        status = response.status
        if status == 412:
            raise TileSourceError(f"{self.url}: the archive changed (ETag no longer matches); "
                                  "publish new archives under a new name")
        if status == 200:
            raise TileSourceError(f"{self.url}: the server ignores Range requests (answered 200, not 206)")
        if status != 206:
            raise TileSourceError(f"{self.url}: HTTP {status} {response.reason}")
        match = CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", ""))
        if match is None or int(match.group(1)) != offset:
            raise TileSourceError(f"{self.url}: wrong or missing Content-Range in a 206 answer")
        if self.etag is None:
            self._remember_version(response)

    def _remember_version(self, response: http.client.HTTPResponse) -> None:
        """Pin the file's version: If-Match from now on, and an ETag-derived fingerprint."""
        etag = response.headers.get("ETag")
        version = etag or response.headers.get("Last-Modified") or ""
        if etag and not etag.startswith("W/"):     # weak ETags cannot be used with If-Match
            self.etag = etag
        self.fingerprint = hashlib.blake2b(f"{self.url}|{version}".encode(), digest_size=6).hexdigest()

    def _connection(self, fresh: bool) -> http.client.HTTPConnection:
        if not fresh:
            try:
                return self._idle.get_nowait()
            except queue.Empty:
                pass
        if self._https:
            return http.client.HTTPSConnection(self._host, self._port, timeout=self._timeout, context=self._context)
        return http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)

    def _release(self, conn: http.client.HTTPConnection) -> None:
        if self._idle.qsize() < MAX_IDLE_CONNECTIONS:
            self._idle.put(conn)
        else:
            conn.close()
