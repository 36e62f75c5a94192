"""Place -> the JSON PhotoPrism's places client parses (internal/service/hub/places: Location, Place, SearchResult).

PhotoPrism keeps `place.id` as the primary key of its places table and drops answers whose
`place.label` is empty, so both are always set: `<cc>:<geonameid>` for a named place, else
`<cc>:` plus a short hash of the state and country codes. GeoNames has no streets, postcodes
or POIs, so `name`, `street`, `postcode` and `category` stay empty and PhotoPrism titles photos
by city.
"""
from __future__ import annotations

import base64
import hashlib
from typing import Any

from ...geocode.place import LngLat, Place
from .detail import LICENCE


def place_id(place: Place) -> str:
    """'de:2950159' for Berlin; 'de:Xk3...' (12 chars) when only the state or country is known."""
    cc = (place.country_code or "zz").lower()
    if place.city and place.geonameid is not None:
        return f"{cc}:{place.geonameid}"
    key = f"{place.country_code}|{place.state_code or place.state or ''}".encode()
    return f"{cc}:{base64.urlsafe_b64encode(hashlib.sha1(key).digest())[:12].decode()}"


def label(place: Place) -> str:
    """'City, State, Country', never empty for a found place."""
    return place.label or (place.country_code or "zz").lower()


def location(cell_token: str, centre: LngLat, place: Place, locale: str | None = None) -> dict[str, Any]:
    """The answer of /v1/location/{token} and /v1/reverse for a found place."""
    cc = (place.country_code or "zz").lower()
    out: dict[str, Any] = {
        "id": f"s2:{cell_token}",
        "lat": round(centre.lat, 7),
        "lng": round(centre.lng, 7),
        "name": "",
        "street": "",
        "postcode": "",
        "category": "",
        "country": cc,
        "timezone": place.timezone or "",
        "place": {
            "id": place_id(place),
            "label": label(place),
            "district": "",
            "city": place.city or "",
            "state": place.state or "",
            "country": cc,
            "keywords": "",
        },
        "events": [],
        "licence": LICENCE,
    }
    if locale:
        out["locale"] = locale
    return out


def search_result(place: Place) -> dict[str, Any]:
    """One entry of /v1/search: id, name, city, country, lat, lng, bbox, importance, licence."""
    lat, lng = place.lat or 0.0, place.lon or 0.0
    return {
        "id": place_id(place),
        "name": place.label,
        "city": place.city or "",
        "country": (place.country_code or "zz").lower(),
        "lat": lat,
        "lng": lng,
        "bbox": [round(lng - 0.05, 7), round(lat - 0.05, 7), round(lng + 0.05, 7), round(lat + 0.05, 7)],
        "importance": round(min(1.0, (place.population or 0) / 10_000_000 + 0.3), 4),
        "licence": LICENCE,
    }
