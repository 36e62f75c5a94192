"""The benchmark helpers read wrk's report, list a file's tiles and plan a map session correctly."""
import random
import sys
from pathlib import Path

from loadtests.bench_tiles import tile_paths
from loadtests.wrk_run import parse_wrk

from .mbtiles_fixtures import vector_gzip_mbtiles

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "loadtests"))   # as locust loads it
from locust_common import pan_zoom_path, s2_token, tile_of, viewport  # noqa: E402

WRK_REPORT = """Running 10s test @ http://127.0.0.1:8080
  2 threads and 64 connections
  Latency Distribution
     50%  812.00us
     75%    4.51ms
     90%    7.00ms
     99%    1.02s
  130000 requests in 10.00s, 1.2GB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 5
Requests/sec:  13000.50
Transfer/sec:    120.00MB
"""


def test_wrk_report_numbers_and_units():
    result = parse_wrk(WRK_REPORT)
    assert result.requests_per_second == 13000.5 and result.requests == 130000
    assert result.p50_ms == 0.812 and result.p99_ms == 1020.0
    assert (result.non_2xx, result.socket_errors, result.errors) == (5, 5, 10)


def test_tile_paths_are_the_existing_tiles_in_xyz(tmp_path):
    paths = tile_paths(vector_gzip_mbtiles(tmp_path / "vec.mbtiles"), limit=10)
    assert sorted(paths) == ["0/0/0", "1/1/0", "3/4/2"]


def test_tile_of_paris_at_z11():
    assert tile_of(48.8584, 2.2945, 11) == (1037, 704)


def test_viewport_wraps_around_the_antimeridian_and_stays_inside_the_world():
    tiles = viewport(2, 0, 0)
    assert {x for _, x, _ in tiles} == {2, 3, 0, 1} and all(0 <= y < 4 for _, _, y in tiles)


def test_a_map_session_zooms_from_the_world_to_max_zoom():
    views = list(pan_zoom_path(random.Random(1), maxzoom=7))
    assert views[0] == [(0, 0, 0)] and views[-1][0][0] == 7
    assert all(0 <= x < 2 ** z and 0 <= y < 2 ** z for view in views for z, x, y in view)


def test_s2_token_is_a_level_21_cell():
    assert s2_token(48.8584, 2.2945) == "47e66fe1f36c"


def test_the_geocoding_bench_reports_medians_and_the_spread_over_runs():
    from loadtests.bench_geocode import NUMBERS, summary, table

    runs = [{**dict.fromkeys(NUMBERS, value), "engine": "x", "batch_points": 10, "border": "b"} for value in (3.0, 1.0, 2.0)]
    folded = summary(runs)
    assert folded["p50_us"] == 2.0 and folded["p50_us_range"] == (1.0, 3.0) and folded["runs"] == 3
    assert "2 µs (2 µs) [1-3 µs]" in table([folded]) and "Medians of 3 runs" in table([folded])


def test_the_paired_geocoding_bench_compares_two_checkouts_in_one_process(tmp_path, capsys):
    from loadtests.bench_geocode_pair import main

    from .geocode.fixtures import build_places

    places = build_places(tmp_path / "places.sqlite")
    repo = Path(__file__).resolve().parent.parent
    assert main([str(repo), str(repo), "--places", str(places), "--points", "300", "--batch", "2000"]) == 0
    report = capsys.readouterr().out
    assert report.count(f"| {repo} | ") == 2 and "batch of 2,000 points" in report
    assert "0 of 300 single answers differ" in report
