"""In-process reverse-geocoding benchmark: tilegeo's Geocoder side by side with PyPI `reverse_geocoder`.

    pip install reverse_geocoder        # for the comparison only; not a tilegeo dependency
    python loadtests/bench_geocode.py [--places data/places.sqlite] [--batch 100000] [--single 5000] [--runs 3]

Each engine runs in its own child process (so start-up time and RSS are its own) on the same
seeded points: half jittered GeoNames place coordinates (land, where photos are), half uniform on
the sphere (mostly ocean). Reported: start-up (until the first answer), full speed after (tilegeo
builds its region grid in a background thread; answers are the same before, only slower), RSS,
single-lookup p50/p99 (one call per point, wall and this thread's CPU time), a batch of --batch
points (one call), and on the border set of tests/geocode the share of cases whose country and
state are right. Not a test: numbers depend on the machine, so CPU time is shown next to wall, and
every engine runs --runs times (fresh processes, engines alternating): the table shows medians
with the spread, because one run on a shared machine can be 20 % off either way.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    """Resident set size of this process in MB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_points(places: Path, n: int, seed: int) -> np.ndarray:
    """n (lat, lon) points: half within ~5 km of a real place, half uniform on the sphere."""
    import sqlite3

    rng = np.random.default_rng(seed)
    conn = sqlite3.connect(f"file:{places}?mode=ro", uri=True)
    coords = np.array(conn.execute("SELECT lat, lon FROM places ORDER BY geonameid").fetchall())
    conn.close()
    land = coords[rng.integers(0, len(coords), n // 2)]
    land = land + rng.normal(0.0, 0.03, land.shape) * [1.0, 1.5]
    land[:, 0] = np.clip(land[:, 0], -90, 90)
    land[:, 1] = (land[:, 1] + 180) % 360 - 180
    uniform = np.column_stack([np.degrees(np.arcsin(rng.uniform(-1, 1, n - n // 2))), rng.uniform(-180, 180, n - n // 2)])
    points = np.vstack([land, uniform])
    return points[rng.permutation(n)]


class Tilegeo:
    name = "tilegeo"

    def __init__(self, places: Path) -> None:
        from service.geocode.engine import Geocoder
        from service.geocode.place import LngLat

        self.LngLat = LngLat
        self.engine = Geocoder.open(places)

    def wait_ready(self) -> None:
        self.engine.wait_ready()

    def one(self, lat: float, lon: float):
        return self.engine.reverse(self.LngLat(lon, lat))

    def many(self, points: np.ndarray) -> list:
        return self.engine.reverse_many([self.LngLat(lon, lat) for lat, lon in points.tolist()])

    def country_state(self, lat: float, lon: float) -> tuple[str | None, str | None]:
        place = self.one(lat, lon)
        return place.country_code, place.state


class ReverseGeocoder:
    name = "reverse_geocoder"

    def __init__(self, places: Path) -> None:
        import reverse_geocoder

        self.geo = reverse_geocoder.RGeocoder(mode=1, verbose=False)   # mode 1: single process, one cKDTree

    def wait_ready(self) -> None:
        """Nothing is built in the background."""

    def one(self, lat: float, lon: float):
        return self.geo.query([(lat, lon)])[0]

    def many(self, points: np.ndarray) -> list:
        return self.geo.query([tuple(p) for p in points.tolist()])

    def country_state(self, lat: float, lon: float) -> tuple[str | None, str | None]:
        hit = self.one(lat, lon)
        return hit["cc"], hit["admin1"]


ENGINES = {cls.name: cls for cls in (Tilegeo, ReverseGeocoder)}


def run_engine(name: str, places: Path, batch: int, single: int, seed: int) -> dict:
    """Measure one engine in this process; returns the numbers as a dict."""
    before = rss_mb()
    start, cpu = time.perf_counter(), time.process_time()
    engine = ENGINES[name](places)
    startup, startup_cpu = time.perf_counter() - start, time.process_time() - cpu
    engine.wait_ready()                             # tilegeo: the region grid, built in a background thread
    ready, ready_cpu = time.perf_counter() - start, time.process_time() - cpu
    rss = rss_mb()
    points = bench_points(places, batch, seed)
    engine.many(points[:2000])                      # warm caches (lazily built polygon indexes)
    wall, cpu_ns = [], []
    for lat, lon in points[-single:].tolist():
        t0, c0 = time.perf_counter_ns(), time.thread_time_ns()
        engine.one(lat, lon)
        cpu_ns.append(time.thread_time_ns() - c0)
        wall.append(time.perf_counter_ns() - t0)
    start, cpu = time.perf_counter(), time.process_time()
    engine.many(points)
    batch_s, batch_cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "engine": name, "startup_s": startup, "startup_cpu_s": startup_cpu, "ready_s": ready, "ready_cpu_s": ready_cpu,
        "rss_mb": rss,
        "rss_added_mb": rss - before,
        "p50_us": float(np.percentile(wall, 50)) / 1000, "p99_us": float(np.percentile(wall, 99)) / 1000,
        "p50_cpu_us": float(np.percentile(cpu_ns, 50)) / 1000, "p99_cpu_us": float(np.percentile(cpu_ns, 99)) / 1000,
        "batch_points": batch, "batch_s": batch_s, "batch_cpu_s": batch_cpu, "border": border_score(engine),
        "load": os.getloadavg()[0],
    }


def border_score(engine) -> str:
    """Country and country+state right on the border set (tests/geocode/border_cases.py)."""
    from tests.geocode.border_cases import CASES

    country = state = 0
    for case in CASES:
        code, admin1 = engine.country_state(case.lat, case.lon)
        country += code == case.country_code
        state += code == case.country_code and (case.state is None or admin1 == case.state)
    return f"{country}/{len(CASES)} countries, {state}/{len(CASES)} states"


NUMBERS = ("startup_s", "startup_cpu_s", "ready_s", "ready_cpu_s", "rss_mb", "rss_added_mb", "p50_us", "p99_us",
           "p50_cpu_us", "p99_cpu_us", "batch_s", "batch_cpu_s", "load")


def summary(runs: list[dict]) -> dict:
    """One engine's runs folded: the median of every number, and (min, max) next to it."""
    folded = dict(runs[0])
    for key in NUMBERS:
        values = [run[key] for run in runs]
        folded[key] = float(np.median(values))
        folded[key + "_range"] = (min(values), max(values))
    folded["runs"] = len(runs)
    return folded


def table(rows: list[dict]) -> str:
    """Markdown table of medians over the runs, with the spread (min-max) of the latencies and the batch;
    CPU time (this process only) next to wall time, which a busy machine inflates."""
    head = ("engine", "start-up wall (CPU)", "full speed after", "RSS", "single p50 wall (CPU)", "single p99 wall (CPU)",
            "batch wall (CPU)", "border set")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def spread(r: dict, key: str, unit: str, digits: int) -> str:
        low, high = r[key + "_range"]
        return f" [{low:.{digits}f}-{high:.{digits}f} {unit}]" if r["runs"] > 1 else ""

    for r in rows:
        lines.append(
            f"| {r['engine']} | {r['startup_s']:.2f} s ({r['startup_cpu_s']:.2f} s) | "
            f"{r['ready_s']:.2f} s ({r['ready_cpu_s']:.2f} s) | {r['rss_mb']:.0f} MB | "
            f"{r['p50_us']:.0f} µs ({r['p50_cpu_us']:.0f} µs){spread(r, 'p50_us', 'µs', 0)} | "
            f"{r['p99_us']:.0f} µs ({r['p99_cpu_us']:.0f} µs){spread(r, 'p99_us', 'µs', 0)} | "
            f"{r['batch_points']:,} pts: {r['batch_s']:.2f} s ({r['batch_cpu_s']:.2f} s){spread(r, 'batch_s', 's', 2)} | "
            f"{r['border']} |")
    loads = ", ".join(f"{r['load']:.1f}" for r in rows)
    runs = rows[0]["runs"] if rows else 0
    return "\n".join(lines) + (f"\n\nMedians of {runs} runs per engine, each in a fresh process, engines alternating; "
                               f"[min-max] over the runs. 1-minute load average: {loads}; {os.cpu_count()} CPUs.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--places", type=Path, default=ROOT / "data" / "places.sqlite")
    parser.add_argument("--batch", type=int, default=100_000)
    parser.add_argument("--single", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per engine (the table shows medians)")
    parser.add_argument("--engine", choices=sorted(ENGINES), help="run one engine here and print JSON (internal)")
    args = parser.parse_args(argv)
    if args.engine:
        print(json.dumps(run_engine(args.engine, args.places, args.batch, args.single, args.seed)))
        return 0
    runs: dict[str, list[dict]] = {name: [] for name in ENGINES}
    for _ in range(args.runs):
        for name in ENGINES:
            child = subprocess.run(
                [sys.executable, __file__, "--engine", name, "--places", str(args.places), "--batch", str(args.batch),
                 "--single", str(args.single), "--seed", str(args.seed)],
                capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"},
            )
            if child.returncode != 0:
                print(f"{name} failed:\n{child.stderr[-2000:]}", file=sys.stderr)
                continue
            runs[name].append(json.loads(child.stdout.strip().splitlines()[-1]))
    print(table([summary(found) for found in runs.values() if found]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
