import gzip
import zlib

import pytest

from service.tiles.encoding import accepted_encodings, negotiate, stored_encoding

MVT = b"\x1a\x05hello"


@pytest.mark.parametrize("header, expected", [
    ("gzip", {"gzip"}),
    ("gzip, deflate, br", {"gzip", "deflate", "br"}),
    ("GZIP;q=0.5", {"gzip"}),
    ("gzip;q=0", set()),
    ("identity", {"identity"}),
    ("br;q=1.0, gzip;q=0.8, *;q=0.1", {"br", "gzip", "*"}),
    ("", set()),
])
def test_accepted_encodings(header, expected):
    assert accepted_encodings(header) == expected


def test_stored_encoding_sniffs_magic_bytes():
    assert stored_encoding(gzip.compress(MVT)) == "gzip"
    assert stored_encoding(zlib.compress(MVT)) == "deflate"
    assert stored_encoding(MVT) is None


def test_gzip_passes_through_to_clients_that_accept_it():
    stored = gzip.compress(MVT)
    assert negotiate(stored, "gzip, deflate") == (stored, "gzip")


def test_gzip_is_decompressed_for_clients_that_do_not_accept_it():
    assert negotiate(gzip.compress(MVT), "") == (MVT, None)
    assert negotiate(gzip.compress(MVT), "br;q=1, gzip;q=0") == (MVT, None)


def test_zlib_is_sent_as_deflate_or_decompressed():
    stored = zlib.compress(MVT)
    assert negotiate(stored, "deflate") == (stored, "deflate")
    assert negotiate(stored, "gzip") == (MVT, None)


def test_uncompressed_tiles_are_never_recompressed():
    assert negotiate(MVT, "gzip") == (MVT, None)
