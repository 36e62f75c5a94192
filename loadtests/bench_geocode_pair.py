"""Paired A/B of two tilegeo checkouts' geocoders in one process: the host's mood hits both alike.

    git worktree add /tmp/before <commit>          # or any other checkout of tilegeo
    (cd /tmp/before && python setup.py build_ext --inplace)   # its own compiled loops, if it has them
    python loadtests/bench_geocode_pair.py /tmp/before . [--points 10000] [--batch 100000]

On a shared machine two runs of bench_geocode.py minutes apart can differ by 40 %, more than most
changes are worth. Here both versions are loaded side by side (each checkout's `service` package
under its own name) and every bench point is looked up by both, which one goes first alternating;
the batch is cut into 10 chunks, alternating the same way. Both engines share the caches, so the
absolute numbers are higher than bench_geocode.py's; the difference is what counts. Also checks
that both give the same answers.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
import time
from dataclasses import astuple
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_geocode import bench_points  # noqa: E402


def load_geocoder(checkout: Path, alias: str, places: Path):
    """The Geocoder class of `checkout`'s service package, imported as `alias`, opened on `places` and ready."""
    spec = importlib.util.spec_from_file_location(alias, checkout / "service" / "__init__.py",
                                                  submodule_search_locations=[str(checkout / "service")])
    package = importlib.util.module_from_spec(spec)
    sys.modules[alias] = package
    spec.loader.exec_module(package)
    engine = importlib.import_module(f"{alias}.geocode.engine").Geocoder.open(places)
    engine.wait_ready()
    return engine, importlib.import_module(f"{alias}.geocode.place").LngLat


def paired(a, b, points: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray, int]:
    """Single-lookup times (µs) of both engines on every point, and how many answers differ."""
    times: tuple[list[int], list[int]] = ([], [])
    differ = 0
    for i, (lat, lon) in enumerate(points):
        answers = [None, None]
        for which in ((0, 1) if i % 2 else (1, 0)):
            engine, point = (a, b)[which]
            query = point(lon, lat)
            start = time.perf_counter_ns()
            answers[which] = engine.reverse(query)
            times[which].append(time.perf_counter_ns() - start)
        differ += astuple(answers[0]) != astuple(answers[1])
    return np.array(times[0]) / 1000, np.array(times[1]) / 1000, differ


def paired_batch(a, b, points: list[tuple[float, float]], chunks: int = 10) -> tuple[float, float]:
    """Seconds each engine takes for reverse_many over all points, in alternating chunks."""
    seconds = [0.0, 0.0]
    size = -(-len(points) // chunks)
    for k in range(chunks):
        chunk = points[k * size:(k + 1) * size]
        for which in ((0, 1) if k % 2 else (1, 0)):
            engine, point = (a, b)[which]
            queries = [point(lon, lat) for lat, lon in chunk]
            start = time.perf_counter()
            engine.reverse_many(queries)
            seconds[which] += time.perf_counter() - start
    return seconds[0], seconds[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("before", type=Path, help="a tilegeo checkout")
    parser.add_argument("after", type=Path, help="another tilegeo checkout")
    parser.add_argument("--places", type=Path, default=HERE.parent / "data" / "places.sqlite")
    parser.add_argument("--points", type=int, default=10_000, help="single lookups (each by both engines)")
    parser.add_argument("--batch", type=int, default=100_000, help="points of the paired batch (0: none)")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    a = load_geocoder(args.before.resolve(), "tilegeo_before", args.places)
    b = load_geocoder(args.after.resolve(), "tilegeo_after", args.places)
    points = bench_points(args.places, max(args.batch, args.points + 2000), args.seed).tolist()
    a[0].reverse_many([a[1](lon, lat) for lat, lon in points[:2000]])       # warm caches, as bench_geocode.py does
    b[0].reverse_many([b[1](lon, lat) for lat, lon in points[:2000]])
    for name, (engine, _) in ((args.before, a), (args.after, b)):
        # a checkout's C loops are its own: build them in it (python setup.py build_ext --inplace)
        compiled = getattr(engine._nearest, "compiled", False)
        print(f"{name}: {'compiled loops' if compiled else 'no compiled loops (Python only)'}")
    times_a, times_b, differ = paired(a, b, points[-args.points:])
    print("| checkout | single p50 | p90 | p99 | mean |\n|---|---|---|---|---|")
    for name, times in ((args.before, times_a), (args.after, times_b)):
        p50, p90, p99 = np.percentile(times, [50, 90, 99])
        print(f"| {name} | {p50:.1f} µs | {p90:.1f} µs | {p99:.1f} µs | {times.mean():.1f} µs |")
    if args.batch:
        seconds_a, seconds_b = paired_batch(a, b, points[:args.batch])
        print(f"\nbatch of {args.batch:,} points in 10 alternating chunks: {args.before} {seconds_a:.2f} s, "
              f"{args.after} {seconds_b:.2f} s")
    print(f"\n{differ} of {len(times_a):,} single answers differ")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
