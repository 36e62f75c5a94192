"""Keep `app.state.geocoder` in step with the places file on disk, without a restart or a failed request.

Users update data by atomic rename. When the file's identity changes, the new database is
loaded in a worker thread (it takes a second or two) while the old one keeps answering; the
swap itself is one assignment in the event loop. The old geocoder is closed a little later,
so a streaming batch that still holds it can finish.
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import anyio.to_thread
from starlette.datastructures import State

from .geocode.engine import Geocoder
from .geocode.schema import PlacesSchemaError
from .geocode.store import PlacesFileError

log = logging.getLogger("tilegeo.places")

RETIRE_AFTER_SECONDS = 60.0


def file_key(path: Path) -> tuple[int, int, int] | None:
    """(inode, size, mtime) of `path`, or None when it does not exist."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class PlacesReloader:
    """Loads the places database into `state.geocoder` (or the reason into `state.geocoder_error`)."""

    def __init__(self, state: State, path: Path) -> None:
        self.state = state
        self.path = path
        self.key: tuple[int, int, int] | None = None
        state.geocoder, state.geocoder_error = None, None

    def load(self) -> None:
        """First load, at start-up."""
        self.key = file_key(self.path)
        self._install(*self._open())

    async def refresh(self) -> None:
        """Load the file again if it was replaced, added or removed since the last look."""
        key = file_key(self.path)
        if key == self.key:
            return
        self.key = key
        geocoder, error = await anyio.to_thread.run_sync(self._open)
        if geocoder is None and self.state.geocoder is not None and key is not None:
            log.error("keeping the previous places database: %s", error)   # a broken update
            self.state.geocoder_error = f"update not loaded, still serving the previous file: {error}"
            return
        self._install(geocoder, error)

    def close(self) -> None:
        if self.state.geocoder is not None:
            self.state.geocoder.close()
            self.state.geocoder = None

    def _open(self) -> tuple[Geocoder | None, str | None]:
        try:
            return Geocoder.open(self.path), None
        except (PlacesFileError, PlacesSchemaError) as exc:
            return None, str(exc)

    def _install(self, geocoder: Geocoder | None, error: str | None) -> None:
        old = self.state.geocoder
        self.state.geocoder, self.state.geocoder_error = geocoder, error
        if error:
            log.error("geocoding disabled: %s", error)
        elif old is not None:
            log.info("places database reloaded from %s (%d places)", self.path, len(geocoder))
        if old is not None:
            asyncio.get_running_loop().call_later(RETIRE_AFTER_SECONDS, old.close)
