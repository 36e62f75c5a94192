"""The one result model of geocoding: every API (native, PhotoPrism, Nominatim, Photon) renders a Place."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class LngLat:
    """A WGS84 coordinate, longitude first, as in GeoJSON. `lat`/`lon` names live only at the HTTP edge."""

    lng: float
    lat: float


@dataclass(slots=True)
class Place:
    """Where a coordinate is: the named place and the areas around it.

    Any field may be None: a point at sea has no country; a point deep in a desert may
    have a country and state but no city within reach. Treat it as read-only (NOWHERE is shared);
    it is not declared frozen because a frozen dataclass takes ~4 us to build instead of ~0.5 us,
    and a batch builds one per point.
    """

    city: str | None = None            # the named place (city, town, village)
    county: str | None = None          # GeoNames admin-2 name
    state: str | None = None           # GeoNames admin-1 name (or the admin-1 polygon's name)
    country: str | None = None
    country_code: str | None = None    # ISO 3166-1 alpha-2, upper case
    distance_km: float | None = None   # from the query point to the named place
    geonameid: int | None = None       # of the named place
    lat: float | None = None           # of the named place
    lon: float | None = None
    timezone: str | None = None
    population: int | None = None
    feature_code: str | None = None    # GeoNames feature code of the place (PPL, PPLA, PPLC, ...)
    state_code: str | None = None      # GeoNames admin-1 code 'CC.A1'
    state_iso: str | None = None       # ISO 3166-2 code of the state where known ('FR-ARA')
    county_code: str | None = None     # GeoNames admin-2 code 'CC.A1.A2'

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def found(self) -> bool:
        """True when the point is at least inside a country."""
        return self.country_code is not None

    @property
    def label(self) -> str:
        """'City, State, Country' with the missing or repeated parts left out; '' at sea."""
        parts: list[str] = []
        for part in (self.city, self.state, self.country):
            if part and part not in parts:
                parts.append(part)
        return ", ".join(parts)


NOWHERE = Place()
