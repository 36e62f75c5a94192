"""PMTiles v3 tile source: a local archive (pread) or a remote one (HTTP range requests).

The PyPI `pmtiles` package parses the header and directories; this module adds what a server
needs on top of its `Reader`: the header and root directory are read once, leaf directories are
kept in a small LRU (a planet archive has thousands), and tile bytes are returned as stored,
because `encoding.negotiate` sniffs gzip from the bytes.

Local files are read with `os.pread` rather than the package's `MmapSource`: a mapped file that
is truncated in place kills the process with SIGBUS, a pread just returns short.
"""
from __future__ import annotations

import gzip
import json
import os
import threading
import zlib
from array import array
from bisect import bisect_right
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable

from pmtiles.tile import (Compression, MagicNumberNotFound, SpecVersionUnsupported, TileType,
                          deserialize_directory, deserialize_header, zxy_to_tileid)

from .http_range import HttpRangeReader
from .mbtiles import file_fingerprint
from .source import FORMAT_ALIASES, WORLD_BOUNDS, TileSetInfo, TileSourceError

GetBytes = Callable[[int, int], bytes]

# The spec puts the header and the root directory in the first 16 KiB: one read gets both.
HEAD_BYTES = 16384
HEADER_BYTES = 127
MAX_DEPTH = 4            # root + up to 3 leaf levels, as in the spec's reference readers
LEAF_CACHE_SIZE = 64     # leaf directories kept decoded (a few MB at most)
MAX_READ_BYTES = 64 << 20   # no directory, metadata block or tile is this big: a corrupt header

TILE_TYPES = {TileType.MVT: "pbf", TileType.PNG: "png", TileType.JPEG: "jpg", TileType.WEBP: "webp"}
# Tiles we can serve as stored: `encoding.negotiate` handles gzip and raw, not brotli or zstd.
SERVABLE_COMPRESSION = {Compression.NONE, Compression.GZIP, Compression.UNKNOWN}
# Metadata keys that TileSetInfo fields carry; the rest goes to TileJSON as-is (as for MBTiles).
KNOWN_KEYS = {"name", "format", "bounds", "center", "minzoom", "maxzoom", "attribution", "description",
              "version", "json", "scheme", "vector_layers"}


class Directory:
    """One decoded PMTiles directory as parallel arrays, searched with bisect (compact and fast)."""

    __slots__ = ("tile_ids", "offsets", "lengths", "run_lengths")

    def __init__(self, raw: bytes) -> None:
        entries = deserialize_directory(raw)
        self.tile_ids = array("Q", (e.tile_id for e in entries))
        self.offsets = array("Q", (e.offset for e in entries))
        self.lengths = array("Q", (e.length for e in entries))
        self.run_lengths = array("Q", (e.run_length for e in entries))

    def find(self, tile_id: int) -> tuple[int, int, int] | None:
        """(offset, length, run_length) of the entry covering `tile_id`; run_length 0 is a leaf."""
        i = bisect_right(self.tile_ids, tile_id) - 1
        if i < 0:
            return None
        run_length = self.run_lengths[i]
        if run_length == 0 or tile_id - self.tile_ids[i] < run_length:
            return self.offsets[i], self.lengths[i], run_length
        return None


class PMTilesArchive:
    """Tile lookups in one archive through `get_bytes(offset, length)`, with cached directories."""

    def __init__(self, get_bytes: GetBytes, label: str) -> None:
        self._get_bytes = get_bytes
        self.label = label
        head = get_bytes(0, HEAD_BYTES)
        try:
            self.header = deserialize_header(head[:HEADER_BYTES])
        except (MagicNumberNotFound, UnicodeDecodeError, ValueError, IndexError):
            raise TileSourceError(f"{label}: not a PMTiles archive") from None
        except SpecVersionUnsupported:
            raise TileSourceError(f"{label}: only PMTiles version 3 is supported") from None
        self.root = self._root(head)
        self._leaves: OrderedDict[int, Directory] = OrderedDict()
        self._lock = threading.Lock()   # remote archives are read from worker threads

    def metadata(self) -> dict[str, Any]:
        offset, length = self.header["metadata_offset"], self.header["metadata_length"]
        raw = self._read(offset, length) if length else b"{}"
        try:
            if self.header["internal_compression"] == Compression.GZIP:
                raw = gzip.decompress(raw)
            value = json.loads(raw)
        except (OSError, EOFError, zlib.error, ValueError):
            raise TileSourceError(f"{self.label}: metadata is not valid (gzipped) JSON") from None
        return value if isinstance(value, dict) else {}

    def get(self, z: int, x: int, y: int) -> bytes | None:
        """The stored bytes of tile z/x/y (XYZ), or None when the archive has no such tile."""
        tile_id = zxy_to_tileid(z, x, y)
        directory = self.root
        for _ in range(MAX_DEPTH):
            found = directory.find(tile_id)
            if found is None:
                return None
            offset, length, run_length = found
            if run_length:
                return self._read(self.header["tile_data_offset"] + offset, length)
            directory = self._leaf(self.header["leaf_directory_offset"] + offset, length)
        return None

    def _leaf(self, offset: int, length: int) -> Directory:
        with self._lock:
            leaf = self._leaves.get(offset)
            if leaf is not None:
                self._leaves.move_to_end(offset)
                return leaf
        leaf = self._directory(offset, length)    # fetched outside the lock: a slow read blocks no one
        with self._lock:
            self._leaves[offset] = leaf
            while len(self._leaves) > LEAF_CACHE_SIZE:
                self._leaves.popitem(last=False)
        return leaf

    def _read(self, offset: int, length: int) -> bytes:
        """`get_bytes` guarded against offsets from a corrupt header or directory."""
        if offset < 0 or not 0 <= length <= MAX_READ_BYTES:
            raise TileSourceError(f"{self.label}: corrupt archive (read of {length} bytes at {offset})")
        data = self._get_bytes(offset, length)
        if len(data) != length:
            raise TileSourceError(f"{self.label}: truncated archive ({len(data)} of {length} bytes at {offset})")
        return data

    def _directory(self, offset: int, length: int) -> Directory:
        return self._decode(self._read(offset, length), offset)

    def _root(self, head: bytes) -> Directory:
        offset, length = self.header["root_offset"], self.header["root_length"]
        raw = head[offset:offset + length]
        if len(raw) != length:      # a writer that put the root after the first 16 KiB
            raw = self._read(offset, length)
        return self._decode(raw, offset)

    def _decode(self, raw: bytes, offset: int) -> Directory:
        compression = self.header["internal_compression"]
        if compression == Compression.NONE:
            raw = gzip.compress(raw, compresslevel=0)   # the package's decoder always gunzips
        elif compression != Compression.GZIP:
            raise TileSourceError(f"{self.label}: {compression.name.lower()}-compressed directories"
                                  " are not supported (rewrite the archive with gzip)")
        try:
            return Directory(raw)
        except (OSError, EOFError, zlib.error, ValueError):
            raise TileSourceError(f"{self.label}: corrupt PMTiles directory at byte {offset}") from None


class PMTilesSource:
    """A PMTiles archive as a TileSource. Open local files with `PMTilesSource(path)`, remote
    archives with `PMTilesSource.remote(url, id)`; `blocking_io` tells the route to use a thread."""

    def __init__(self, path: Path, tileset_id: str | None = None) -> None:
        self.path = path
        self.fingerprint = file_fingerprint(path)
        self.blocking_io = False
        self._fd: int | None = os.open(path, os.O_RDONLY)
        self._reader: HttpRangeReader | None = None
        if os.fstat(self._fd).st_size == 0:
            self.close()
            raise TileSourceError(f"{path}: empty file, not a PMTiles archive")
        self._setup(self._read_file, tileset_id or path.stem, str(path))

    @classmethod
    def remote(cls, url: str, tileset_id: str, timeout: float = 10.0) -> PMTilesSource:
        """A remote archive read with HTTP range requests (S3, MinIO, any static file host)."""
        source = cls.__new__(cls)
        source.path = None
        source.blocking_io = True
        source._fd = None
        source._reader = HttpRangeReader(url, timeout=timeout)
        source._setup(source._reader.read, tileset_id, url)      # closes the reader on failure
        source.fingerprint = source._reader.fingerprint
        return source

    def _setup(self, get_bytes: GetBytes, tileset_id: str, label: str) -> None:
        try:
            self._archive = PMTilesArchive(get_bytes, label)
            self.info = info_from_archive(self._archive, tileset_id, label)
        except Exception:
            self.close()
            raise

    def _read_file(self, offset: int, length: int) -> bytes:
        assert self._fd is not None
        try:
            return os.pread(self._fd, length, offset)
        except OverflowError:           # an offset beyond any file size
            return b""

    def get_tile(self, z: int, x: int, y: int) -> bytes | None:
        return self._archive.get(z, x, y)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._reader is not None:
            self._reader.close()


def info_from_archive(archive: PMTilesArchive, tileset_id: str, label: str) -> TileSetInfo:
    """TileSetInfo from the header (zooms, bounds, center, type) and the JSON metadata (the rest)."""
    header = archive.header
    if header["tile_compression"] not in SERVABLE_COMPRESSION:
        raise TileSourceError(f"{label}: tiles are {header['tile_compression'].name.lower()}-compressed;"
                              " only gzip or uncompressed tiles can be served")
    meta = archive.metadata()
    fmt = _format(header["tile_type"], meta.get("format"), label)
    return TileSetInfo(
        id=tileset_id,
        name=str(meta.get("name") or tileset_id),
        format=fmt,
        minzoom=header["min_zoom"],
        maxzoom=header["max_zoom"],
        bounds=_bounds(header),
        center=(header["center_lon_e7"] / 1e7, header["center_lat_e7"] / 1e7, header["center_zoom"]),
        attribution=meta.get("attribution"),
        description=meta.get("description"),
        version=_text(meta.get("version")),
        vector_layers=_vector_layers(meta) if fmt == "pbf" else (),
        extra={key: value for key, value in meta.items() if key not in KNOWN_KEYS},
    )


def _format(tile_type: TileType, declared: Any, label: str) -> str:
    fmt = TILE_TYPES.get(tile_type)
    if fmt is None and isinstance(declared, str):   # type UNKNOWN: trust the metadata, as MBTiles does
        fmt = FORMAT_ALIASES.get(declared.strip().lower())
    if fmt is None:
        raise TileSourceError(f"{label}: unsupported tile type {tile_type.name.lower()}")
    return fmt


def _bounds(header: dict[str, Any]) -> tuple[float, float, float, float]:
    values = (header["min_lon_e7"], header["min_lat_e7"], header["max_lon_e7"], header["max_lat_e7"])
    if not any(values):
        return WORLD_BOUNDS
    return tuple(v / 1e7 for v in values)  # type: ignore[return-value]


def _vector_layers(meta: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    """Protomaps archives carry `vector_layers` at the top; archives converted from MBTiles keep
    the MBTiles `json` string that holds it."""
    layers = meta.get("vector_layers")
    if layers is None and isinstance(meta.get("json"), str):
        try:
            layers = json.loads(meta["json"]).get("vector_layers")
        except (ValueError, AttributeError):
            layers = None
    if not isinstance(layers, list):
        return ()
    return tuple(layer for layer in layers if isinstance(layer, dict) and "id" in layer)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
