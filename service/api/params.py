"""Parse, don't validate: pure functions from request parameters to typed values or a BadRequest naming the parameter.

They take plain mappings (a query string, headers, a decoded JSON body), so every API face
(native, PhotoPrism, Nominatim, Photon) can reuse them and tests need no HTTP.
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

from ..geocode.place import LngLat
from ..http import BadRequest, ClientError

NATIVE_LANGS = frozenset({"local", "default", "*"})   # 'local'/'default': GeoNames' own names


def parse_coordinate(name: str, value: Any, limit: float) -> float:
    """A finite number within +-limit; parse_coordinate('lat', '52.5', 90) -> 52.5."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise BadRequest(f"{name} is required, e.g. lat=52.5163&lon=13.3777")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise BadRequest(f"{name} must be a number, got {type(value).__name__}")
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except ValueError:
        raise BadRequest(f"{name} must be a number, got {str(value)[:30]!r}") from None
    if not math.isfinite(number) or not -limit <= number <= limit:
        raise BadRequest(f"{name} must be between {-limit:g} and {limit:g}, got {str(value)[:30]!r}")
    return number


def parse_lat_lon(query: Mapping[str, Any], lat: str = "lat", lon: str = "lon", prefix: str = "") -> LngLat:
    """{'lat': '48.85', 'lon': '2.29'} -> LngLat(2.29, 48.85); `prefix` names the item in errors ('points[3].')."""
    return LngLat(parse_coordinate(prefix + lon, query.get(lon), 180.0),
                  parse_coordinate(prefix + lat, query.get(lat), 90.0))


def parse_point(item: Any, index: int) -> LngLat:
    """One batch item: {'lat': .., 'lon': ..} (or 'lng') or [lat, lon]."""
    where = f"points[{index}]"
    if isinstance(item, Mapping):
        lon = "lon" if "lon" in item or "lng" not in item else "lng"
        return parse_lat_lon(item, "lat", lon, prefix=where + ".")
    if isinstance(item, (list, tuple)) and len(item) == 2:
        return LngLat(parse_coordinate(where + "[1] (lon)", item[1], 180.0),
                      parse_coordinate(where + "[0] (lat)", item[0], 90.0))
    raise BadRequest(f"{where} must be {{\"lat\": .., \"lon\": ..}} or [lat, lon]")


def parse_points(body: Any, max_points: int) -> list[LngLat]:
    """A decoded JSON batch -> points in order; 413 past max_points."""
    if not isinstance(body, Sequence) or isinstance(body, (str, bytes, Mapping)):
        raise BadRequest("body must be a JSON array of {\"lat\": .., \"lon\": ..} or [lat, lon]")
    check_batch_size(len(body), max_points)
    return [parse_point(item, i) for i, item in enumerate(body)]


def check_batch_size(count: int, max_points: int) -> None:
    """A 413 JSON error past the documented batch limit."""
    if count > max_points:
        raise ClientError(413, "batch too large", f"at most {max_points} points per request, got {count}")


def int_param(query: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    """The integer in `query[name]` (not range-checked), `default` when missing; else BadRequest.

    >>> int_param({'zoom': ' 12 '}, 'zoom', 18, 0, 18)
    12
    """
    text = query.get(name)
    if text is None or str(text).strip() == "":
        return default
    try:
        return int(str(text).strip())
    except ValueError:
        raise BadRequest(f"{name} must be an integer {low}..{high}, e.g. {name}={default}; "
                         f"got {str(text)[:30]!r}") from None


def parse_limit(query: Mapping[str, Any], name: str = "limit", default: int = 10, maximum: int = 50) -> int:
    """An integer 1..maximum; parse_limit({'limit': '5'}) -> 5, missing -> default."""
    value = int_param(query, name, default, 1, maximum)
    if not 1 <= value <= maximum:
        raise BadRequest(f"{name} must be 1..{maximum}, got {value}")
    return value


def parse_query_text(query: Mapping[str, Any], name: str = "q", max_length: int = 200) -> str:
    """The search text, stripped; a 400 when missing, empty or too long."""
    text = str(query.get(name) or "").strip()
    if not text:
        raise BadRequest(f"{name} is required, e.g. {name}=Berlin")
    if len(text) > max_length:
        raise BadRequest(f"{name} must be at most {max_length} characters, got {len(text)}")
    return text


def parse_lang(query: Mapping[str, Any], headers: Mapping[str, str], name: str = "lang") -> str | None:
    """The wanted name language: ?lang=, else the first Accept-Language tag; None = GeoNames' own names.

    parse_lang({'lang': 'de'}, {}) -> 'de'; parse_lang({}, {'accept-language': 'fr-CH,fr;q=0.9'}) -> 'fr-CH'.
    """
    text = query.get(name) or headers.get("accept-language")
    if not text:
        return None
    first = str(text).split(",")[0].split(";")[0].strip()
    if not first or first.lower() in NATIVE_LANGS:
        return None
    if len(first) > 20 or not all(c.isalnum() or c in "-_" for c in first):
        raise BadRequest(f"{name} must be a language tag like 'de' or 'en-GB', got {first[:30]!r}")
    return first
