"""What a Place amounts to at a level of detail: the one answer the Nominatim and Photon formats share.

Nominatim's `zoom` asks for less detail (3 country, 5 state, 8 county, 10+ city); both APIs
describe the finest part they return by a rank, a kind (city/town/village) and a box. GeoNames
gives points, not outlines, so boxes are honest approximations around the point, sized by kind.
"""
from __future__ import annotations

import dataclasses
import zlib
from dataclasses import dataclass
from enum import IntEnum
from typing import Iterable

from ...geocode.place import LngLat, Place

LICENCE = "Data: GeoNames (geonames.org), CC BY 4.0; borders: Natural Earth. Not OpenStreetMap data."


class Level(IntEnum):
    """The finest part of an answer, valued as Nominatim's address rank."""

    COUNTRY = 4
    STATE = 8
    COUNTY = 12
    CITY = 16


# Half the side of the approximate box, in degrees, by kind of the finest part.
_HALF_BOX = {"country": 5.0, "state": 1.5, "county": 0.4, "city": 0.1, "town": 0.04, "village": 0.02}
_IMPORTANCE = {"country": 0.9, "state": 0.7, "county": 0.55, "city": 0.6, "town": 0.45, "village": 0.3}


def zoom_level(zoom: int) -> Level:
    """Nominatim's zoom -> the finest level answered: zoom_level(5) == Level.STATE."""
    if zoom < 5:
        return Level.COUNTRY
    if zoom < 8:
        return Level.STATE
    if zoom < 10:
        return Level.COUNTY
    return Level.CITY


@dataclass(frozen=True, slots=True)
class Detail:
    """A found Place cut to a level, with where and what its finest part is."""

    place: Place          # fields finer than `level` removed
    level: Level
    kind: str             # 'city' | 'town' | 'village' | 'county' | 'state' | 'country'
    name: str
    centre: LngLat        # the named place's point; the query point for areas (no centroids in GeoNames)

    @property
    def rank(self) -> int:
        """Nominatim place_rank: 16 city, 18 town, 19 village, else the level."""
        return {"town": 18, "village": 19}.get(self.kind, int(self.level))

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(min_lng, min_lat, max_lng, max_lat): an approximate box around the centre."""
        half = _HALF_BOX[self.kind]
        lng, lat = self.centre.lng, self.centre.lat
        return (round(max(-180.0, lng - half), 7), round(max(-90.0, lat - half), 7),
                round(min(180.0, lng + half), 7), round(min(90.0, lat + half), 7))

    @property
    def importance(self) -> float:
        return _IMPORTANCE[self.kind]

    @property
    def is_area(self) -> bool:
        return self.level < Level.CITY

    @property
    def place_id(self) -> int:
        """A stable integer id: the GeoNames id of a named place, a hash above 2^32 for areas."""
        if not self.is_area and self.place.geonameid is not None:
            return self.place.geonameid
        key = "|".join(str(part) for part in (self.level, self.place.country_code, self.place.state_code,
                                                 self.place.county_code, self.name))
        return (1 << 32) | zlib.crc32(key.encode())

    def parts(self) -> list[str]:
        """Names from finest to coarsest, repeats left out: ['Berlin', 'Germany'] for the city-state."""
        out: list[str] = []
        for part in (self.place.city, self.place.county, self.place.state, self.place.country):
            if part and part not in out:
                out.append(part)
        return out

    @property
    def display_name(self) -> str:
        return ", ".join(self.parts())


def detail(place: Place, query: LngLat, level: Level = Level.CITY) -> Detail | None:
    """The Place at `level` or coarser, or None when it is not even in a country."""
    if not place.found:
        return None
    cut = _cut(place, level)
    finest = _finest(cut)
    if finest is Level.CITY and cut.lat is not None and cut.lon is not None:
        centre = LngLat(cut.lon, cut.lat)
    else:
        centre = query
    kind = settlement_kind(cut) if finest is Level.CITY else finest.name.lower()
    name = {Level.CITY: cut.city, Level.COUNTY: cut.county, Level.STATE: cut.state}.get(finest) or cut.country
    return Detail(place=cut, level=finest, kind=kind, name=name or cut.country_code or "", centre=centre)


def search_details(places: Iterable[Place]) -> list[Detail]:
    """Search hits as Details at their own points (hits outside any country are left out)."""
    found = (detail(place, LngLat(place.lon or 0.0, place.lat or 0.0)) for place in places)
    return [d for d in found if d is not None]


def settlement_kind(place: Place) -> str:
    """OSM's place=* by population: city from 100,000 (or a capital), town from 10,000, else village."""
    population = place.population or 0
    if population >= 100_000 or place.feature_code == "PPLC":
        return "city"
    if population >= 10_000:
        return "town"
    return "village"


def _cut(place: Place, level: Level) -> Place:
    changes: dict[str, object] = {}
    if level < Level.CITY:
        changes.update(city=None, geonameid=None, lat=None, lon=None, population=None, feature_code=None,
                       distance_km=None)
    if level < Level.COUNTY:
        changes.update(county=None, county_code=None)
    if level < Level.STATE:
        changes.update(state=None, state_code=None, state_iso=None)
    return dataclasses.replace(place, **changes) if changes else place


def _finest(place: Place) -> Level:
    if place.city:
        return Level.CITY
    if place.county:
        return Level.COUNTY
    if place.state:
        return Level.STATE
    return Level.COUNTRY
