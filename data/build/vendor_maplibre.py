"""Vendor MapLibre GL JS into the package: the preview page must load it from us, never from a CDN.

Fetches the pinned npm `maplibre-gl` tarball (sha256-checked by `fetch`) and copies the UMD
bundle, its stylesheet and the licence into `service/static/vendor/maplibre-gl/`. 5.x is the last
line with a UMD `dist/maplibre-gl.js` (6.x is ESM-only), which a plain `<script>` tag can load.

    python -m data.build.vendor_maplibre
"""
from __future__ import annotations

from pathlib import Path

from .fetch import Pin, fetch, log, read_member

MAPLIBRE = Pin("npm", "maplibre-gl", "5.24.1",
               "b84d7fdf7fba5922fd3fff9a92733936c7a03b99165afc6c84f41c311bdbfa9d", "BSD-3-Clause")
FILES = {   # tarball member -> file name in the vendor dir
    "package/dist/maplibre-gl.js": "maplibre-gl.js",
    "package/dist/maplibre-gl.css": "maplibre-gl.css",
    "package/LICENSE.txt": "LICENSE.txt",
}
VENDOR_DIR = Path(__file__).resolve().parents[2] / "service" / "static" / "vendor" / "maplibre-gl"


def vendor(dest: Path = VENDOR_DIR) -> None:
    """Copy the pinned MapLibre GL JS files into `dest`, plus a VERSION file naming the pin."""
    archive = fetch(MAPLIBRE)
    dest.mkdir(parents=True, exist_ok=True)
    for member, name in FILES.items():
        (dest / name).write_bytes(read_member(archive, member))
    (dest / "VERSION").write_text(f"{MAPLIBRE.label} sha256:{MAPLIBRE.sha256} ({MAPLIBRE.licence})\n")
    log(f"vendored {MAPLIBRE.label} into {dest}")


def main(argv: list[str] | None = None) -> None:
    vendor()


if __name__ == "__main__":
    main()
