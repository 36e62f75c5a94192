import os
import shutil

from service.tiles.catalog import TileCatalog

from ..mbtiles_fixtures import png_mbtiles, vector_gzip_mbtiles, vector_raw_mbtiles


def test_every_mbtiles_file_is_a_tileset_named_by_its_stem(tiles_dir):
    catalog = TileCatalog([tiles_dir])
    catalog.refresh()
    assert sorted(s.info.id for s in catalog) == ["raw", "sat", "vec"]


def test_a_corrupt_file_is_reported_by_name_and_the_rest_still_serve(tiles_dir, caplog):
    catalog = TileCatalog([tiles_dir])
    catalog.refresh()
    junk = str(tiles_dir / "junk.mbtiles")
    assert list(catalog.problems) == [junk]
    assert "not a readable SQLite" in catalog.problems[junk]
    assert junk in caplog.text
    assert catalog.get("vec") is not None


def test_a_later_directory_wins_a_name_clash(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    vector_gzip_mbtiles(first / "map.mbtiles")
    png_mbtiles(second / "map.mbtiles")
    catalog = TileCatalog([first, second])
    catalog.refresh()
    assert catalog.get("map").info.format == "png"


def test_refresh_picks_up_new_replaced_and_removed_files(tmp_path):
    catalog = TileCatalog([tmp_path])
    catalog.refresh()
    assert len(catalog) == 0

    vector_gzip_mbtiles(tmp_path / "map.mbtiles")
    catalog.refresh()
    assert catalog.get("map").info.name == "Vector gz"

    staged = tmp_path / ".map.mbtiles.new"   # hidden while being written, then renamed atomically
    vector_raw_mbtiles(staged)
    os.replace(staged, tmp_path / "map.mbtiles")
    catalog.refresh()
    assert catalog.get("map").info.name == "Vector raw"

    (tmp_path / "map.mbtiles").unlink()
    catalog.refresh()
    assert catalog.get("map") is None


def test_a_fixed_file_leaves_the_problem_list(tmp_path):
    bad = tmp_path / "x.mbtiles"
    bad.write_bytes(b"junk" * 100)
    catalog = TileCatalog([tmp_path])
    catalog.refresh()
    assert str(bad) in catalog.problems
    staged = tmp_path / ".x.tmp"
    shutil.copy(vector_gzip_mbtiles(tmp_path / ".good"), staged)
    os.replace(staged, bad)
    catalog.refresh()
    assert catalog.problems == {} and catalog.get("x") is not None
