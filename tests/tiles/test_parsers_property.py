"""Property tests: the tile-address and Accept-Encoding parsers never crash, and accept only what they should."""
import gzip

from hypothesis import given, settings, strategies as st

from service.api.tiles import parse_tile_address
from service.http import BadRequest
from service.tiles.encoding import accepted_encodings, negotiate

text = st.text(max_size=30)


@settings(max_examples=100, deadline=None)
@given(text, text, text)
def test_any_text_is_either_a_valid_address_or_a_bad_request(z, x, y_ext):
    try:
        tz, tx, ty, ext = parse_tile_address(z, x, y_ext)
    except BadRequest as exc:
        assert exc.status == 400 and exc.detail
        return
    assert 0 <= tz <= 30 and 0 <= tx < 2 ** tz and 0 <= ty < 2 ** tz and ext


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 30).flatmap(lambda z: st.tuples(st.just(z), st.integers(0, 2 ** z - 1),
                                                       st.integers(0, 2 ** z - 1))))
def test_every_valid_address_round_trips(zxy):
    z, x, y = zxy
    assert parse_tile_address(str(z), str(x), f"{y}.pbf") == (z, x, y, "pbf")


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_accept_encoding_parser_never_crashes(header):
    assert all(isinstance(coding, str) for coding in accepted_encodings(header))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200), st.sampled_from(["", "gzip", "identity", "br", "gzip;q=0", "*"]))
def test_negotiation_always_yields_the_original_bytes(payload, header):
    body, encoding = negotiate(gzip.compress(payload, mtime=0), header)
    assert (gzip.decompress(body) if encoding == "gzip" else body) == payload
