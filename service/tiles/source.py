"""The TileSource protocol every tile backend implements, and the metadata it exposes."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

WORLD_BOUNDS = (-180.0, -85.0511287798066, 180.0, 85.0511287798066)

# URL extensions a client may use for each stored format, and the media type we send.
EXTENSIONS = {"pbf": ("pbf", "mvt"), "png": ("png",), "jpg": ("jpg", "jpeg"), "webp": ("webp",)}
MEDIA_TYPES = {"pbf": "application/x-protobuf", "png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}
FORMAT_ALIASES = {"pbf": "pbf", "mvt": "pbf", "png": "png", "jpg": "jpg", "jpeg": "jpg", "webp": "webp"}


@dataclass(frozen=True, slots=True)
class TileSetInfo:
    """What a tileset is: read once when the file is opened, never per request."""

    id: str
    name: str
    format: str                      # 'pbf', 'png', 'jpg' or 'webp'
    minzoom: int
    maxzoom: int
    bounds: tuple[float, float, float, float] = WORLD_BOUNDS
    center: tuple[float, float, int] | None = None
    attribution: str | None = None
    description: str | None = None
    version: str | None = None
    vector_layers: tuple[dict[str, Any], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)   # other metadata, exposed as-is in TileJSON

    @property
    def is_vector(self) -> bool:
        return self.format == "pbf"

    @property
    def extension(self) -> str:
        """The canonical URL extension: 'pbf', 'png', 'jpg' or 'webp'."""
        return self.format

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]


class TileSource(Protocol):
    """A tileset: metadata plus tile bytes by XYZ address. A missing tile is None."""

    info: TileSetInfo
    fingerprint: str                 # changes whenever the underlying data changes (used in ETags)

    def get_tile(self, z: int, x: int, y: int) -> bytes | None: ...

    def close(self) -> None: ...


class TileSourceError(Exception):
    """A tileset file cannot be served; the message names the file and the reason."""
