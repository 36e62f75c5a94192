"""Sprites from a directory: `<id>.json/.png` and `<id>@2x.json/.png`, read into memory at start-up.

Sprite sheets are small (tens of KB), so every file is held with its ETag precomputed and a
request is a dictionary lookup: no path built from user text ever reaches the file system.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

MEDIA_TYPES = {"json": "application/json", "png": "image/png"}
_FILE_NAME = re.compile(r"^(?P<id>[A-Za-z0-9][A-Za-z0-9_.-]*?)(?P<ratio>@2x)?\.(?P<ext>json|png)$")
MAX_FILE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class SpriteFile:
    """One sprite file's bytes, media type and strong ETag."""

    data: bytes
    media_type: str
    etag: str


class SpriteLibrary:
    """Every sprite file of `directory` (missing directory: no sprites)."""

    def __init__(self, directory: Path) -> None:
        self._files = _load(directory)

    def ids(self) -> list[str]:
        """Sprite ids with both a JSON index and a PNG sheet at 1x, sorted."""
        return sorted(sid for sid in _ids(self._files) if f"{sid}.json" in self._files and f"{sid}.png" in self._files)

    def get(self, file_name: str) -> SpriteFile | None:
        """The file named like 'basemap@2x.png', or None."""
        return self._files.get(file_name)


def _load(directory: Path) -> dict[str, SpriteFile]:
    if not directory.is_dir():
        return {}
    files = {}
    for path in sorted(directory.iterdir()):
        match = _FILE_NAME.match(path.name)
        if match and path.is_file() and path.stat().st_size <= MAX_FILE_BYTES:
            data = path.read_bytes()
            etag = f'"{hashlib.blake2b(data, digest_size=16).hexdigest()}"'
            files[path.name] = SpriteFile(data, MEDIA_TYPES[match["ext"]], etag)
    return files


def _ids(files: dict[str, SpriteFile]) -> set[str]:
    return {match["id"] for name in files if (match := _FILE_NAME.match(name))}
