import gzip
import sqlite3

import pytest

from service.tiles.mbtiles import MBTilesSource, sniff_format, tms_row
from service.tiles.source import TileSourceError

from ..mbtiles_fixtures import png_tile, vector_gzip_mbtiles, vector_tile, write_mbtiles


@pytest.mark.parametrize("z, y, row", [(0, 0, 0), (1, 0, 1), (1, 1, 0), (11, 791, 1256), (3, 2, 5)])
def test_tms_row_flips_xyz_rows(z, y, row):
    assert tms_row(z, y) == row


def test_reads_metadata_into_info(tmp_path):
    source = MBTilesSource(vector_gzip_mbtiles(tmp_path / "vec.mbtiles"))
    info = source.info
    assert (info.id, info.name, info.format) == ("vec", "Vector gz", "pbf")
    assert (info.minzoom, info.maxzoom) == (0, 3)
    assert info.bounds == (-180.0, -85.0, 180.0, 85.0)
    assert info.center == (0.0, 0.0, 1)
    assert info.attribution == "Test data"
    assert [layer["id"] for layer in info.vector_layers] == ["place"]


def test_get_tile_uses_xyz_addresses(tmp_path):
    source = MBTilesSource(vector_gzip_mbtiles(tmp_path / "vec.mbtiles"))
    assert gzip.decompress(source.get_tile(1, 1, 0)) == vector_tile("z1 north-east")
    assert source.get_tile(1, 1, 1) is None


def test_missing_metadata_rows_are_derived_from_tiles(tmp_path):
    path = write_mbtiles(tmp_path / "bare.mbtiles", {}, {(2, 1, 1): png_tile(), (4, 0, 0): png_tile()})
    info = MBTilesSource(path).info
    assert (info.name, info.format, info.minzoom, info.maxzoom) == ("bare", "png", 2, 4)


@pytest.mark.parametrize("content, reason", [
    (b"not a database at all" * 50, "not a readable SQLite"),
    (b"", "not an MBTiles file"),
])
def test_junk_files_raise_an_error_naming_the_file(tmp_path, content, reason):
    path = tmp_path / "bad.mbtiles"
    path.write_bytes(content)
    with pytest.raises(TileSourceError, match=reason) as excinfo:
        MBTilesSource(path)
    assert str(path) in str(excinfo.value)


def test_sqlite_without_tiles_table_is_rejected(tmp_path):
    path = tmp_path / "other.mbtiles"
    sqlite3.connect(path).execute("CREATE TABLE metadata (name, value)").connection.close()
    with pytest.raises(TileSourceError, match="missing table: tiles"):
        MBTilesSource(path)


def test_unknown_format_is_rejected(tmp_path):
    path = write_mbtiles(tmp_path / "odd.mbtiles", {"format": "tiff"}, {(0, 0, 0): b"x"})
    with pytest.raises(TileSourceError, match="unsupported tile format"):
        MBTilesSource(path)


@pytest.mark.parametrize("data, fmt", [
    (png_tile(), "png"), (b"\xff\xd8\xff\xe0rest", "jpg"), (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
    (gzip.compress(b"mvt"), "pbf"),
])
def test_sniff_format(data, fmt):
    assert sniff_format(data) == fmt
