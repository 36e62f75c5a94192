"""The access log: one line per request, written from the event loop in batches.

Through the `logging` module a line cost a LogRecord, a lock, a formatter and a flusher thread:
18-36 % of tile throughput and most of the p99. Here a line is one f-string appended to a
buffer; the buffer goes out with one `write` when it would pass PIPE_BUF bytes (atomic on a
pipe, so the lines of several workers sharing stderr never tear) or a second after its first
line, like nginx's `access_log ... buffer= flush=1s`. Lines name the route template, never
the path, unless the opt-in `--log-queries` asks for full URLs.
"""
from __future__ import annotations

import asyncio
import atexit
import os
import time

PIPE_BUF = 4096


class AccessLog:
    """Buffered access-log lines to a file descriptor (stderr by default)."""

    def __init__(self, fd: int = 2, flush_after: float = 1.0) -> None:
        self.fd = fd
        self.flush_after = flush_after
        self.buffer = bytearray()
        self._flush_pending = False
        self._second = -1
        self._stamp = ""
        atexit.register(self.flush)

    def write(self, method: str, target: str, status: int, seconds: float) -> None:
        """Queue one line: '2026-11-25 21:40:07,412 INFO tilegeo.access: GET /tiles/{...} 200 0.4ms'."""
        line = f"{self._timestamp()} INFO tilegeo.access: {method} {target} {status} {seconds * 1000:.1f}ms\n"
        data = line.encode("utf-8", "backslashreplace")
        if len(self.buffer) + len(data) > PIPE_BUF:
            self.flush()
        self.buffer += data
        if not self._flush_pending:
            self._flush_pending = True
            asyncio.get_running_loop().call_later(self.flush_after, self.flush)

    def flush(self) -> None:
        self._flush_pending = False
        if self.buffer:
            try:
                os.write(self.fd, self.buffer)
            except OSError:
                pass    # stderr closed or full: losing log lines must never fail a request
            self.buffer.clear()

    def _timestamp(self) -> str:
        now = time.time()
        second = int(now)
        if second != self._second:     # strftime once per second, not once per line
            self._second = second
            self._stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
        return f"{self._stamp},{int(now % 1 * 1000):03d}"
