"""Property tests of the pure request parsers: any input gives a typed value or their one documented error.

Parsers here turn client text into values (coordinates, limits, language tags, S2 tokens, glyph
ranges, font stacks, style ids). A crash with any other exception would be a 500 in production.
"""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings, strategies as st

from service.api.compat.edge import clamped_int, switch
from service.api.params import (parse_coordinate, parse_lang, parse_lat_lon, parse_limit, parse_point,
                                parse_points, parse_query_text)
from service.geocode.place import LngLat
from service.geocode.s2 import S2TokenError, cell_center, cell_level, cell_token, parse_token, token_at
from service.http import BadRequest, ClientError
from service.maps.fonts import FontError, parse_fontstack, parse_range
from service.maps.styles import check_style_id

FAST = settings(max_examples=150, deadline=None)
# Text as it reaches a parser from a decoded query string or path: anything, including NUL,
# surrogate-free unicode, digits and the characters of numbers and paths.
any_text = st.one_of(st.text(max_size=40),
                     st.text(alphabet="0123456789+-.eEinfaINFAn ,/\\:s", max_size=40),
                     st.sampled_from(["NaN", "inf", "-inf", "1e999", "-1e999", "9" * 5000, "1" * 400, "", " ",
                                      "0x10", "1_000", "٣", "²", "\x00", "../..", "%00"]))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(["lat", "lon", "lng", "x"]),
                                                                       children, max_size=3),
    max_leaves=12)


@FAST
@given(any_text | st.integers() | st.floats() | st.none() | st.booleans() | st.lists(st.integers(), max_size=2))
def test_a_coordinate_is_a_finite_number_in_range_or_a_400(value):
    try:
        number = parse_coordinate("lat", value, 90.0)
    except BadRequest as exc:
        assert exc.status == 400 and "lat" in exc.detail
        return
    assert math.isfinite(number) and -90 <= number <= 90


@FAST
@given(st.floats(-90, 90), st.floats(-180, 180))
def test_coordinates_round_trip_through_their_text(lat, lon):
    assert parse_lat_lon({"lat": repr(lat), "lon": repr(lon)}) == LngLat(lon, lat)


@FAST
@given(json_values, st.integers(0, 10_000))
def test_a_batch_item_is_a_point_or_a_400_naming_its_index(item, index):
    try:
        point = parse_point(item, index)
    except BadRequest as exc:
        assert f"points[{index}]" in exc.detail
        return
    assert -90 <= point.lat <= 90 and -180 <= point.lng <= 180


@FAST
@given(json_values)
def test_a_batch_body_is_points_or_a_client_error(body):
    try:
        points = parse_points(body, max_points=3)
    except ClientError as exc:
        assert exc.status in (400, 413)
        return
    assert len(points) <= 3


@FAST
@given(any_text, st.integers(1, 100))
def test_a_limit_is_within_its_range_or_a_400(text, maximum):
    try:
        value = parse_limit({"limit": text}, maximum=maximum, default=1)
    except BadRequest as exc:
        assert "limit" in exc.detail
        return
    assert 1 <= value <= maximum


@FAST
@given(st.integers(1, 50))
def test_limits_round_trip(value):
    assert parse_limit({"limit": str(value)}) == value


@FAST
@given(any_text, st.integers(0, 5), st.integers(5, 40))
def test_a_clamped_int_is_always_in_range_or_a_400(text, low, high):
    try:
        value = clamped_int({"zoom": text}, "zoom", low, low, high)
    except BadRequest as exc:
        assert "zoom" in exc.detail
        return
    assert low <= value <= high


@FAST
@given(any_text)
def test_a_switch_is_a_bool_or_a_400(text):
    try:
        assert switch({"addressdetails": text}, "addressdetails", True) in (True, False)
    except BadRequest as exc:
        assert "addressdetails" in exc.detail


@FAST
@given(any_text)
def test_search_text_is_stripped_and_bounded_or_a_400(text):
    try:
        value = parse_query_text({"q": text})
    except BadRequest:
        return
    assert value == value.strip() and 0 < len(value) <= 200


@FAST
@given(any_text, any_text)
def test_a_language_is_a_plain_tag_or_none_or_a_400(lang, accept_language):
    try:
        tag = parse_lang({"lang": lang}, {"accept-language": accept_language})
    except BadRequest:
        return
    assert tag is None or (0 < len(tag) <= 20 and all(c.isalnum() or c in "-_" for c in tag))


@FAST
@given(any_text | st.text(alphabet="0123456789abcdefABCDEF", min_size=1, max_size=17))
def test_an_s2_token_is_a_valid_cell_or_an_s2_token_error(text):
    try:
        cell_id = parse_token(text)
    except S2TokenError:
        return
    assert 0 <= cell_level(cell_id) <= 30
    centre = cell_center(cell_id)
    assert -90 <= centre.lat <= 90 and -180 <= centre.lng <= 180
    assert parse_token(cell_token(cell_id)) == cell_id


def test_a_token_without_a_level_marker_is_refused():
    """'4' is 0x4000...: face 2 without the marker bit; it once crashed cell_center (negative shift)."""
    with pytest.raises(S2TokenError):
        parse_token("4")


@FAST
@given(st.floats(-89.9, 89.9), st.floats(-179.9, 179.9))
def test_a_point_round_trips_through_its_level_21_token(lat, lng):
    centre = cell_center(parse_token(token_at(LngLat(lng, lat))))
    assert _metres(centre, LngLat(lng, lat)) < 10   # a level-21 cell is ~4.5 m across


@FAST
@given(any_text)
def test_a_glyph_range_is_256_code_points_or_a_font_error(text):
    try:
        glyphs = parse_range(text)
    except FontError:
        return
    assert glyphs.start % 256 == 0 and glyphs.end == glyphs.start + 255 <= 0xFFFF and glyphs.name == text


@FAST
@given(st.integers(0, 255))
def test_every_glyph_range_round_trips(block):
    assert parse_range(f"{block * 256}-{block * 256 + 255}").start == block * 256


@FAST
@given(any_text)
def test_a_font_stack_is_plain_names_or_a_font_error(text):
    try:
        names = parse_fontstack(text)
    except FontError:
        return
    assert 1 <= len(names) <= 8
    assert all("/" not in n and "\\" not in n and not n.startswith(".") and n.isprintable() for n in names)


@FAST
@given(any_text)
def test_a_style_id_that_passes_the_check_cannot_leave_the_styles_dir(text):
    if check_style_id(text) is None:
        assert text and not any(bad in text for bad in ("/", "\\", "\0", ".."))


def _metres(a: LngLat, b: LngLat) -> float:
    la, lb = math.radians(a.lat), math.radians(b.lat)
    h = math.sin((lb - la) / 2) ** 2 + math.cos(la) * math.cos(lb) * math.sin(math.radians(b.lng - a.lng) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(h)))
