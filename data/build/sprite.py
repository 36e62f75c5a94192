"""Build the map sprite data/sprites/basemap{,@2x}.{json,png} from pinned Maki icons (CC0).

    python -m data.build.sprite [--out DIR]

Each icon is a Maki SVG drawn grey with a white halo (so it reads on any background) by resvg,
then packed into one sheet. The layout is computed once in 1x pixels and doubled for @2x, so
both sheets hold the same icons at the same relative places. Same pins, same bytes.
"""
from __future__ import annotations

import argparse
import io
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from .fetch import Pin, extract_members, fetch, log, scratch_dir

OUT_DIR = Path(__file__).resolve().parents[1] / "sprites"
SPRITE_ID = "basemap"
SHEET_WIDTH = 128  # 1x pixels; rows wrap at this width
MAKI = Pin("npm", "@mapbox/maki", "8.2.0", "f6e59156521117c311c0e73a6aeef8d5039daea9c7fbe1ff9264e18a3ebec87f", "CC0-1.0")
HALO = 1  # 1x pixels of white halo around each icon
STYLE = "path, circle, rect, polygon { fill: #555555; stroke: #ffffff; stroke-width: %s; paint-order: stroke; }"


@dataclass(frozen=True, slots=True)
class Icon:
    """A sprite entry: its name in the style, the Maki icon drawn, and its drawn size in 1x px."""

    name: str
    maki: str
    size: int = 15


# The Protomaps basemap style asks for `townspot` (town dot) and `capital` at low zoom.
ICONS: tuple[Icon, ...] = (
    Icon("townspot", "circle", 7),
    Icon("capital", "star", 13),
    Icon("city-dot", "circle", 9),
    Icon("capital-star", "star", 15),
    *(Icon(name, name) for name in (
        "airport", "attraction", "beach", "campsite", "castle", "circle", "circle-stroked",
        "ferry", "harbor", "hospital", "information", "lighthouse", "marker", "marker-stroked",
        "monument", "mountain", "museum", "park", "parking", "rail", "rail-metro", "star",
        "star-stroked", "town", "triangle", "viewpoint", "village", "volcano", "waterfall",
    )),
    Icon("peak", "mountain"),
)


def icon_svg(maki_svg: str, size: int) -> str:
    """Maki's 15x15 SVG with a margin for the halo, drawn at `size` + 2 * HALO pixels."""
    margin = HALO * 15 / size
    view = f'viewBox="{-margin:g} {-margin:g} {15 + 2 * margin:g} {15 + 2 * margin:g}"'
    svg = re.sub(r'viewBox="[^"]*"', view, maki_svg, count=1)
    svg = re.sub(r'\swidth="[^"]*"', "", svg, count=1)
    return re.sub(r'\sheight="[^"]*"', "", svg, count=1)


def render(svg: str, pixels: int, halo_width: float) -> Image.Image:
    """One icon as an RGBA image of `pixels` x `pixels`."""
    import resvg_py   # the build extra's renderer; importing this module (tests) must not need it

    png = resvg_py.svg_to_bytes(svg_string=svg, width=pixels, height=pixels,
                                style_sheet=STYLE % f"{halo_width:g}", skip_system_fonts=True)
    return Image.open(io.BytesIO(bytes(png))).convert("RGBA")


def layout(sizes: dict[str, int], sheet_width: int = SHEET_WIDTH) -> tuple[dict[str, tuple[int, int]], int, int]:
    """Shelf packing, tallest first then by name: (name -> (x, y), sheet width, sheet height)."""
    order = sorted(sizes, key=lambda name: (-sizes[name], name))
    places: dict[str, tuple[int, int]] = {}
    x = y = shelf = 0
    for name in order:
        side = sizes[name]
        if x + side > sheet_width and x > 0:
            x, y, shelf = 0, y + shelf, 0
        places[name] = (x, y)
        x, shelf = x + side, max(shelf, side)
    width = max(px + sizes[n] for n, (px, _) in places.items())
    return places, width, y + shelf


def build_sheet(svgs: dict[str, str], sizes: dict[str, int], ratio: int) -> tuple[bytes, dict]:
    """(PNG bytes, sprite JSON) of all icons at pixel ratio `ratio`."""
    places, width, height = layout(sizes)
    sheet = Image.new("RGBA", (width * ratio, height * ratio), (0, 0, 0, 0))
    index = {}
    for name in sorted(places):
        x, y = places[name]
        side = sizes[name] * ratio
        # The halo is drawn in the SVG's units: keep it HALO screen pixels wide at every size.
        halo = 2 * HALO * 15 / (sizes[name] - 2 * HALO)
        sheet.paste(render(svgs[name], side, halo), (x * ratio, y * ratio))
        index[name] = {"x": x * ratio, "y": y * ratio, "width": side, "height": side, "pixelRatio": ratio}
    out = io.BytesIO()
    sheet.save(out, format="PNG", optimize=True)
    return out.getvalue(), index


def maki_dir() -> Path:
    return extract_members(fetch(MAKI), "package/", scratch_dir(f"maki-{MAKI.version}"))


def build(out_dir: Path) -> None:
    """Write basemap.{json,png} and basemap@2x.{json,png}, plus Maki's licence, into `out_dir`."""
    source = maki_dir()
    svgs, sizes = {}, {}
    for icon in ICONS:
        maki = (source / "icons" / f"{icon.maki}.svg").read_text(encoding="utf-8")
        svgs[icon.name] = icon_svg(maki, icon.size)
        sizes[icon.name] = icon.size + 2 * HALO
    out_dir.mkdir(parents=True, exist_ok=True)
    for ratio, suffix in ((1, ""), (2, "@2x")):
        png, index = build_sheet(svgs, sizes, ratio)
        (out_dir / f"{SPRITE_ID}{suffix}.png").write_bytes(png)
        (out_dir / f"{SPRITE_ID}{suffix}.json").write_text(json.dumps(index, indent=1, sort_keys=True) + "\n")
        log(f"{SPRITE_ID}{suffix}: {len(index)} icons, {len(png)} bytes")
    shutil.copyfile(source / "LICENSE.txt", out_dir / "LICENSE-maki-CC0.txt")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output directory (default: data/sprites)")
    build(parser.parse_args(argv).out)


if __name__ == "__main__":
    main()
