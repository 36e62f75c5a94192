"""S2 tokens as PhotoPrism makes them decode to the right cell centre; checked against the s2cell package."""
from __future__ import annotations

import random

import pytest
import s2cell

from service.geocode.place import LngLat
from service.geocode.s2 import S2TokenError, cell_center, cell_level, cell_token, parse_token, token_at

BERLIN_RATHAUS = "47a84e201554"      # level 21, as PhotoPrism sends it
SEATTLE = "54903ee07f74"             # PhotoPrism's own location_test.go case


def test_seattle_point_gives_photoprisms_level_21_token():
    assert token_at(LngLat(-122.4821475, 47.6129432)) == SEATTLE


def test_berlin_token_decodes_to_the_rathaus():
    centre = cell_center(parse_token(BERLIN_RATHAUS))
    assert centre.lat == pytest.approx(52.51964, abs=1e-5)
    assert centre.lng == pytest.approx(13.40804, abs=1e-5)


@pytest.mark.parametrize("text", ["47a84e201554", "s2:47a84e201554", "47A84E201554", "S2:47A84E201554",
                                  " 47a84e201554 "])
def test_prefix_and_case_are_accepted(text):
    assert cell_token(parse_token(text)) == BERLIN_RATHAUS


def test_level_of_photoprism_tokens_is_21_and_of_the_docs_example_18():
    assert cell_level(parse_token(BERLIN_RATHAUS)) == 21
    assert cell_level(parse_token("149ce78563")) == 18


@pytest.mark.parametrize("text", ["", "s2:", "xyz", "47a84e20155g", "0", "X", "c", "12345678901234567", "47a84e201558"])
def test_non_tokens_are_rejected(text):
    with pytest.raises(S2TokenError):
        parse_token(text)


def test_centres_and_tokens_match_s2cell_at_every_level():
    rng = random.Random(21)
    for _ in range(3000):
        lat, lng, level = rng.uniform(-90, 90), rng.uniform(-180, 180), rng.randint(0, 30)
        token = s2cell.lat_lon_to_token(lat, lng, level)
        assert token_at(LngLat(lng, lat), level) == token
        expected_lat, expected_lng = s2cell.token_to_lat_lon(token)
        centre = cell_center(parse_token(token))
        assert centre.lat == pytest.approx(expected_lat, abs=1e-9)
        assert (centre.lng - expected_lng + 180) % 360 - 180 == pytest.approx(0, abs=1e-9)


def test_axes_are_not_swapped():
    centre = cell_center(parse_token(SEATTLE))
    assert centre.lng < -100 and centre.lat > 40
