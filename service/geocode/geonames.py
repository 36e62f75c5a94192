"""Read raw GeoNames dump files (download.geonames.org/export/dump) and import them as a places database.

`tilegeo import-geonames` lets users swap the embedded cities500 set for a bigger or newer
dump (cities1000, allCountries, ...). Every reader streams line by line (allCountries.txt is
1.5 GB) and raises GeonamesFormatError naming the file and line of the first malformed row.
GeoNames has no polygons, so regions are copied from an existing places database.
"""
from __future__ import annotations

import argparse
import re
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from .schema import PlacesSchemaError
from .writer import AdminRow, CountryRow, NameRow, PlaceRow, PlacesWriter

GEONAMES_ATTRIBUTION = "Contains data from GeoNames (geonames.org), CC BY 4.0"
DUMP_COLUMNS = 19      # geonameid, name, asciiname, alternatenames, lat, lon, fclass, fcode, cc, cc2,
#                        admin1..admin4, population, elevation, dem, timezone, modification date
COUNTRY_INFO_COLUMNS = 17   # ISO .. geonameid; later columns (neighbours, EquivalentFipsCode) optional
ADMIN_CODE_COLUMNS = 4      # code, name, asciiname, geonameid
ALTERNATE_NAME_COLUMNS = 8  # V1 has 8 columns, V2 adds from/to
# isolanguage values in alternateNames that are not languages (codes, links, historic spellings)
PSEUDO_LANGUAGES = frozenset({"link", "post", "iata", "icao", "faac", "abbr", "wkdt", "unlc", "tcid", "fr_1793"})
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
PROGRESS_EVERY = 500_000


class GeonamesFormatError(ValueError):
    """A dump file does not have the expected layout; the message is 'file:line: what is wrong'."""


@dataclass(frozen=True, slots=True)
class Geoname:
    """One row of a GeoNames dump (cities500.txt, allCountries.txt, ...), the fields tilegeo uses."""

    geonameid: int
    name: str
    ascii_name: str
    alt_names: tuple[str, ...]
    lat: float
    lon: float
    feature_class: str
    feature_code: str
    country_code: str
    admin1: str
    admin2: str
    population: int
    timezone: str


def read_geonames(path: Path) -> Iterator[Geoname]:
    """Stream the rows of a 19-column GeoNames dump file."""
    for where, fields in _rows(path, DUMP_COLUMNS):
        yield parse_geoname(fields, where)


def parse_geoname(fields: Sequence[str], where: str) -> Geoname:
    """Build a Geoname from the tab-separated `fields` of one dump line (`where` names it in errors)."""
    lat, lon = _float(fields[4], "latitude", where), _float(fields[5], "longitude", where)
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise GeonamesFormatError(f"{where}: coordinate out of range (lat {lat}, lon {lon})")
    return Geoname(
        geonameid=_int(fields[0], "geonameid", where),
        name=_required(fields[1], "name", where),
        ascii_name=fields[2],
        alt_names=tuple(n for n in fields[3].split(",") if n),
        lat=lat,
        lon=lon,
        feature_class=fields[6],
        feature_code=fields[7],
        country_code=fields[8].upper(),
        admin1=fields[10],
        admin2=fields[11],
        population=_int(fields[14], "population", where) if fields[14] else 0,
        timezone=fields[17],
    )


def read_country_info(path: Path) -> Iterator[CountryRow]:
    """Stream countryInfo.txt ('#' lines are comments)."""
    for where, fields in _rows(path, COUNTRY_INFO_COLUMNS):
        iso2 = _required(fields[0], "ISO", where).upper()
        if len(iso2) != 2:
            raise GeonamesFormatError(f"{where}: ISO code {iso2!r} is not two letters")
        yield CountryRow(
            iso2=iso2, iso3=fields[1] or None, name=_required(fields[4], "Country", where),
            capital=fields[5] or None, continent=fields[8] or None,
            geonameid=_int(fields[16], "geonameid", where) if fields[16] else None,
        )


def read_admin_codes(path: Path, parts: int) -> Iterator[AdminRow]:
    """Stream admin1CodesASCII.txt (`parts`=2, 'CC.A1') or admin2Codes.txt (`parts`=3, 'CC.A1.A2')."""
    for where, fields in _rows(path, ADMIN_CODE_COLUMNS):
        code = _required(fields[0], "code", where)
        if code.count(".") != parts - 1:
            raise GeonamesFormatError(f"{where}: code {code!r} is not of the form {'.'.join(['CC', 'A1', 'A2'][:parts])}")
        yield AdminRow(code=code, country_code=code[:2].upper(), name=_required(fields[1], "name", where),
                       geonameid=_int(fields[3], "geonameid", where) if fields[3] else None)


def read_alternate_names(path: Path, keep: Callable[[int], bool]) -> Iterator[NameRow]:
    """Stream language-tagged, current names from alternateNames(V2).txt for the ids `keep` accepts.

    Skipped: names without a language, pseudo-languages (links, postcodes, airport codes),
    historic and colloquial names.
    """
    for where, fields in _rows(path, ALTERNATE_NAME_COLUMNS):
        geonameid = _int(fields[1], "geonameid", where)
        lang = fields[2]
        if not keep(geonameid) or lang in PSEUDO_LANGUAGES or not LANGUAGE.match(lang):
            continue
        if fields[6] == "1" or fields[7] == "1":    # isColloquial, isHistoric
            continue
        yield NameRow(geonameid, lang, _required(fields[3], "alternate name", where), preferred=fields[4] == "1")


def _rows(path: Path, min_columns: int) -> Iterator[tuple[str, list[str]]]:
    """Yield ('file:line', fields) for each non-comment, non-empty line with at least `min_columns` fields."""
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise GeonamesFormatError(f"{path}:{number}: not UTF-8 text") from None
            line = line.rstrip("\r\n")
            if not line or line.startswith("#"):
                continue
            fields = line.split("\t")
            where = f"{path}:{number}"
            if len(fields) < min_columns:
                raise GeonamesFormatError(
                    f"{where}: expected {min_columns} tab-separated columns, found {len(fields)}")
            yield where, fields


def _int(text: str, what: str, where: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise GeonamesFormatError(f"{where}: {what} {text!r} is not an integer") from None


def _float(text: str, what: str, where: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise GeonamesFormatError(f"{where}: {what} {text!r} is not a number") from None


def _required(text: str, what: str, where: str) -> str:
    if not text:
        raise GeonamesFormatError(f"{where}: {what} is empty")
    return text


# ---------------------------------------------------------------------------------------------
# The import


@dataclass(frozen=True, slots=True)
class ImportPaths:
    cities: Path
    admin1: Path
    admin2: Path
    countries: Path
    out: Path
    alternate_names: Path | None = None
    regions_from: Path | None = None


@dataclass(frozen=True, slots=True)
class ImportSummary:
    countries: int
    admin1: int
    admin2: int
    places: int
    names: int
    regions: int


def import_geonames(paths: ImportPaths, progress: Callable[[str], None] = lambda _: None) -> ImportSummary:
    """Write a places database at `paths.out` from raw GeoNames files; only feature class P becomes a place."""
    with PlacesWriter(paths.out) as writer:
        countries = writer.add_countries(sorted(read_country_info(paths.countries), key=lambda r: r.iso2))
        admin1 = sorted(read_admin_codes(paths.admin1, 2), key=lambda r: r.code)
        admin2 = sorted(read_admin_codes(paths.admin2, 3), key=lambda r: r.code)
        writer.add_admin1(admin1)
        writer.add_admin2(admin2)
        progress(f"{countries} countries, {len(admin1)} admin-1, {len(admin2)} admin-2 areas")
        known = _AdminCodes({r.code for r in admin1}, {r.code for r in admin2})
        kept: set[int] = set()
        places = writer.add_places(_places(paths.cities, known, kept, progress))
        progress(f"{places} places")
        names = 0
        if paths.alternate_names:
            kept.update(r.geonameid for r in (*admin1, *admin2) if r.geonameid is not None)
            kept.update(_country_ids(paths.countries))
            names = writer.add_names(read_alternate_names(paths.alternate_names, kept.__contains__))
            progress(f"{names} localized names")
        regions = writer.copy_regions_from(paths.regions_from) if paths.regions_from else 0
        progress(f"{regions} regions copied from {paths.regions_from}" if regions else "no regions")
        writer.set_meta("built_from", {k: str(v) for k, v in _sources(paths).items()})
        writer.set_meta("attribution", GEONAMES_ATTRIBUTION)
        progress("compacting")
        writer.finish()
    return ImportSummary(countries, len(admin1), len(admin2), places, names, regions)


@dataclass(frozen=True, slots=True)
class _AdminCodes:
    admin1: set[str]
    admin2: set[str]

    def resolve(self, g: Geoname) -> tuple[str | None, str | None]:
        """The ('CC.A1', 'CC.A1.A2') codes of a place, each None unless the admin tables know it."""
        a1 = f"{g.country_code}.{g.admin1}"
        a2 = f"{a1}.{g.admin2}"
        return (a1 if a1 in self.admin1 else None, a2 if a2 in self.admin2 else None)


def _places(path: Path, known: _AdminCodes, kept: set[int], progress: Callable[[str], None]) -> Iterator[PlaceRow]:
    for count, g in enumerate(read_geonames(path), start=1):
        if count % PROGRESS_EVERY == 0:
            progress(f"{path.name}: {count:,} rows read")
        if g.feature_class != "P" or not g.country_code:
            continue
        kept.add(g.geonameid)
        admin1, admin2 = known.resolve(g)
        yield PlaceRow(
            geonameid=g.geonameid, name=g.name, ascii_name=g.ascii_name or None, lat=g.lat, lon=g.lon,
            country_code=g.country_code, feature_code=g.feature_code or None, admin1_code=admin1,
            admin2_code=admin2, population=g.population, timezone=g.timezone or None, alt_names=g.alt_names,
        )


def _country_ids(path: Path) -> Iterable[int]:
    return (c.geonameid for c in read_country_info(path) if c.geonameid is not None)


def _sources(paths: ImportPaths) -> dict[str, Path]:
    named = {"cities": paths.cities, "admin1": paths.admin1, "admin2": paths.admin2, "countries": paths.countries,
             "alternate_names": paths.alternate_names, "regions": paths.regions_from}
    return {key: Path(value).name for key, value in named.items() if value}


# ---------------------------------------------------------------------------------------------
# The command line


def add_import_command(commands: argparse._SubParsersAction) -> None:
    """Register `tilegeo import-geonames` on the CLI's sub-parsers."""
    parser = commands.add_parser(
        "import-geonames", help="build a places database from raw GeoNames dump files",
        description="Build a places database from raw GeoNames files (download.geonames.org/export/dump). "
                    "Only populated places (feature class P) are imported. Polygons are copied from "
                    "--regions-from (default: the embedded database).",
    )
    _add_arguments(parser)
    parser.set_defaults(run=run_import)


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cities", type=Path, required=True, metavar="FILE",
                        help="cities500.txt, cities1000.txt, ... or allCountries.txt")
    parser.add_argument("--admin1", type=Path, required=True, metavar="FILE", help="admin1CodesASCII.txt")
    parser.add_argument("--admin2", type=Path, required=True, metavar="FILE", help="admin2Codes.txt")
    parser.add_argument("--countries", type=Path, required=True, metavar="FILE", help="countryInfo.txt")
    parser.add_argument("--alternate-names", type=Path, metavar="FILE",
                        help="alternateNamesV2.txt (localized names; optional)")
    parser.add_argument("--regions-from", type=Path, metavar="FILE",
                        help="places database to copy country/admin-1 polygons from (default: embedded)")
    parser.add_argument("--no-regions", action="store_true", help="write no polygons")
    parser.add_argument("--out", type=Path, required=True, metavar="FILE", help="places database to write")


def run_import(args: argparse.Namespace) -> int:
    """Run the import for parsed arguments; malformed input is a message and exit code 2, never a traceback."""
    regions = None if args.no_regions else (args.regions_from or _embedded_places())
    paths = ImportPaths(cities=args.cities, admin1=args.admin1, admin2=args.admin2, countries=args.countries,
                        out=args.out, alternate_names=args.alternate_names, regions_from=regions)
    started = time.monotonic()
    try:
        _check_inputs(paths)
        summary = import_geonames(paths, progress=_progress)
    except (GeonamesFormatError, PlacesSchemaError, OSError) as exc:
        print(f"tilegeo import-geonames: {exc}", file=sys.stderr)
        return 2
    except sqlite3.Error as exc:
        print(f"tilegeo import-geonames: {paths.out}: SQLite error: {exc}", file=sys.stderr)
        return 2
    _progress(f"wrote {paths.out}: {summary.places} places, {summary.names} names, {summary.regions} regions "
              f"in {time.monotonic() - started:.1f} s")
    return 0


def _check_inputs(paths: ImportPaths) -> None:
    for path in (paths.cities, paths.admin1, paths.admin2, paths.countries, paths.alternate_names, paths.regions_from):
        if path is not None and not Path(path).is_file():
            raise FileNotFoundError(f"{path}: no such file")


def _embedded_places() -> Path | None:
    from ..config import EMBEDDED_DATA_DIR

    path = EMBEDDED_DATA_DIR / "places.sqlite"
    return path if path.is_file() else None


def _progress(message: str) -> None:
    print(f"[import-geonames] {message}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m service.geocode.geonames ...`: the same as `tilegeo import-geonames ...`."""
    parser = argparse.ArgumentParser(prog="tilegeo import-geonames")
    _add_arguments(parser)
    return run_import(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
