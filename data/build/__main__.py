"""Rebuild the whole embedded default from pinned inputs: `python -m data.build` (or `tilegeo build-default`).

Order matters: the basemap's city labels come from the places database.
Each step can also run alone: `python -m data.build.places`, `.basemap`, `.glyphs`, `.sprite`,
`.map_styles`, `.vendor_maplibre`.
"""
from __future__ import annotations

import importlib
import sys
import time

from .fetch import log

STEPS = ("places", "basemap", "glyphs", "sprite", "map_styles", "vendor_maplibre")


def main(argv: list[str] | None = None) -> int:
    wanted = list(argv if argv is not None else sys.argv[1:]) or list(STEPS)
    unknown = [step for step in wanted if step not in STEPS]
    if unknown:
        print(f"unknown step(s): {', '.join(unknown)}; steps are: {', '.join(STEPS)}", file=sys.stderr)
        return 2
    for step in wanted:
        started = time.monotonic()
        log(f"=== {step}")
        module = importlib.import_module(f"data.build.{step}")
        result = module.main([])
        if result:
            return int(result)
        log(f"=== {step} done in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
