"""Detail -> Nominatim's wire formats (json, jsonv2, geojson, geocodejson, xml), with its field names and types.

Follows osm-search/Nominatim docs/api/Output.md: lat/lon and boundingbox are strings with 7
decimals, place_id an integer, country_code lower case. `osm_type`/`osm_id` are left out because
these are not OpenStreetMap objects; Nominatim itself omits them for results without an OSM
object, so its clients cope.
"""
from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from typing import Any, Sequence

from .detail import LICENCE, Detail, Level

FORMATS = ("xml", "json", "jsonv2", "geojson", "geocodejson")
UNABLE = {"error": "Unable to geocode"}
_GEOCODEJSON_TYPE = {Level.COUNTRY: "country", Level.STATE: "state", Level.COUNTY: "county", Level.CITY: "city"}


def address(d: Detail) -> dict[str, str]:
    """Nominatim's `address` object: {'city': 'Berlin', 'state': 'Berlin', 'country': .., 'country_code': 'de'}."""
    place = d.place
    out: dict[str, str] = {}
    if place.city:
        out[d.kind if d.level is Level.CITY else "city"] = place.city
    if place.county:
        out["county"] = place.county
    if place.state:
        out["state"] = place.state
    if place.state_iso:
        out["ISO3166-2-lvl4"] = place.state_iso
    if place.country:
        out["country"] = place.country
    out["country_code"] = (place.country_code or "").lower()
    return out


def json_result(d: Detail, *, v2: bool, addressdetails: bool) -> dict[str, Any]:
    """One result of format=json (`class`) or jsonv2 (`category`), keys in Nominatim's order."""
    out: dict[str, Any] = {
        "place_id": d.place_id,
        "licence": LICENCE,
        "lat": _coord(d.centre.lat),
        "lon": _coord(d.centre.lng),
        ("category" if v2 else "class"): _category(d),
        "type": _osm_value(d),
        "place_rank": d.rank,
        "importance": d.importance,
        "addresstype": d.kind,
        "name": d.name,
        "display_name": d.display_name,
    }
    if addressdetails:
        out["address"] = address(d)
    out["boundingbox"] = _boundingbox(d)
    return out


def geojson(details: Sequence[Detail], *, addressdetails: bool) -> dict[str, Any]:
    """format=geojson: a FeatureCollection with the licence on top."""
    return {"type": "FeatureCollection", "licence": LICENCE, "features": [_feature(d, addressdetails) for d in details]}


def geocodejson(details: Sequence[Detail], query: str) -> dict[str, Any]:
    """format=geocodejson (GeocodeJSON 0.1.0)."""
    return {
        "type": "FeatureCollection",
        "geocoding": {"version": "0.1.0", "attribution": LICENCE, "licence": "CC BY 4.0", "query": query},
        "features": [_geocodejson_feature(d) for d in details],
    }


def reverse_xml(d: Detail | None, querystring: str, *, addressdetails: bool) -> bytes:
    """format=xml for /reverse: <reversegeocode> with <result> and <addressparts>, or <error>."""
    root = ET.Element("reversegeocode", _xml_header(querystring))
    if d is None:
        ET.SubElement(root, "error").text = UNABLE["error"]
        return _xml_bytes(root)
    result = ET.SubElement(root, "result", {
        "place_id": str(d.place_id), "lat": _coord(d.centre.lat), "lon": _coord(d.centre.lng),
        "boundingbox": ",".join(_boundingbox(d)), "place_rank": str(d.rank), "address_rank": str(int(d.level)),
    })
    result.text = d.display_name
    if addressdetails:
        _address_elements(ET.SubElement(root, "addressparts"), d)
    return _xml_bytes(root)


def search_xml(details: Sequence[Detail], querystring: str, *, addressdetails: bool) -> bytes:
    """format=xml for /search: <searchresults> with one <place> per result."""
    root = ET.Element("searchresults", {**_xml_header(querystring),
                                         "exclude_place_ids": ",".join(str(d.place_id) for d in details)})
    for d in details:
        place = ET.SubElement(root, "place", {
            "place_id": str(d.place_id), "place_rank": str(d.rank), "address_rank": str(int(d.level)),
            "boundingbox": ",".join(_boundingbox(d)), "lat": _coord(d.centre.lat), "lon": _coord(d.centre.lng),
            "display_name": d.display_name, "class": _category(d), "type": _osm_value(d),
            "importance": str(d.importance),
        })
        if addressdetails:
            _address_elements(place, d)
    return _xml_bytes(root)


def _feature(d: Detail, addressdetails: bool) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "place_id": d.place_id, "place_rank": d.rank, "category": _category(d), "type": _osm_value(d),
        "importance": d.importance, "addresstype": d.kind, "name": d.name, "display_name": d.display_name,
    }
    if addressdetails:
        properties["address"] = address(d)
    return {"type": "Feature", "properties": properties, "bbox": list(d.bbox), "geometry": _point(d)}


def _geocodejson_feature(d: Detail) -> dict[str, Any]:
    place = d.place
    geocoding: dict[str, Any] = {
        "place_id": d.place_id, "osm_key": _category(d), "osm_value": _osm_value(d),
        "type": _GEOCODEJSON_TYPE[d.level], "accuracy": 0, "label": d.display_name, "name": d.name,
    }
    for key, value in (("city", place.city), ("county", place.county), ("state", place.state),
                       ("country", place.country)):
        if value:
            geocoding[key] = value
    geocoding["country_code"] = (place.country_code or "").lower()
    admin = {key: value for key, value in (("level2", place.country), ("level4", place.state),
                                           ("level6", place.county)) if value}
    geocoding["admin"] = admin
    return {"type": "Feature", "properties": {"geocoding": geocoding}, "geometry": _point(d)}


def _point(d: Detail) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [round(d.centre.lng, 7), round(d.centre.lat, 7)]}


def _category(d: Detail) -> str:
    return "boundary" if d.is_area else "place"


def _osm_value(d: Detail) -> str:
    return "administrative" if d.is_area else d.kind


def _coord(value: float) -> str:
    return f"{value:.7f}"


def _boundingbox(d: Detail) -> list[str]:
    """Nominatim order: [min_lat, max_lat, min_lon, max_lon], as strings."""
    min_lng, min_lat, max_lng, max_lat = d.bbox
    return [_coord(min_lat), _coord(max_lat), _coord(min_lng), _coord(max_lng)]


def _address_elements(parent: ET.Element, d: Detail) -> None:
    for key, value in address(d).items():
        ET.SubElement(parent, key).text = value


def _xml_header(querystring: str) -> dict[str, str]:
    return {
        "timestamp": time.strftime("%a, %d %b %Y %H:%M:%S +00:00", time.gmtime()),
        "attribution": LICENCE,
        "querystring": querystring,
    }


def _xml_bytes(root: ET.Element) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8" ?>\n' + ET.tostring(root, encoding="unicode").encode()
