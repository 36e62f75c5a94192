"""Detail -> Photon's GeoJSON FeatureCollection (komoot/photon docs/api-v1.md).

Properties follow Photon: `countrycode` upper case, `osm_key`/`osm_value`, GeocodeJSON `type`,
`extent` as [min_lon, max_lat, max_lon, min_lat]. `osm_id`/`osm_type` are left out: these are
GeoNames places, not OpenStreetMap objects. Unlike Photon, a settlement also carries `city`
(its own name), which the clients that build labels from `city` expect.
"""
from __future__ import annotations

from typing import Any, Sequence

from .detail import Detail, Level

_TYPE = {Level.COUNTRY: "country", Level.STATE: "state", Level.COUNTY: "county", Level.CITY: "city"}


def feature_collection(details: Sequence[Detail]) -> dict[str, Any]:
    """{'type': 'FeatureCollection', 'features': [...]}; no features when nothing was found."""
    return {"type": "FeatureCollection", "features": [feature(d) for d in details]}


def feature(d: Detail) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(d.centre.lng, 7), round(d.centre.lat, 7)]},
        "properties": properties(d),
    }


def properties(d: Detail) -> dict[str, Any]:
    place = d.place
    out: dict[str, Any] = {
        "osm_key": "boundary" if d.is_area else "place",
        "osm_value": "administrative" if d.is_area else d.kind,
        "type": _TYPE[d.level],
        "name": d.name,
    }
    for key, value in (("city", place.city), ("county", place.county), ("state", place.state),
                       ("country", place.country)):
        if value:
            out[key] = value
    out["countrycode"] = (place.country_code or "").upper()
    min_lng, min_lat, max_lng, max_lat = d.bbox
    out["extent"] = [min_lng, max_lat, max_lng, min_lat]
    return out
