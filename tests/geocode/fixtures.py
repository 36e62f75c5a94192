"""A tiny places database for geocoder tests: real coordinates around a few borders, box polygons.

The polygons are deliberately coarse, like Natural Earth: the Ohio/Kentucky line sits north of
downtown Cincinnati, Copenhagen lies outside Denmark's box, and Buesingen (a German exclave)
is inside Switzerland's box.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon, box

from service.geocode import schema

COUNTRIES = [  # iso2, name, geonameid
    ("US", "United States", 6252001), ("MX", "Mexico", 3996063), ("DE", "Germany", 2921044),
    ("CH", "Switzerland", 2658434), ("NO", "Norway", 3144096), ("SJ", "Svalbard and Jan Mayen", 607072),
    ("FJ", "Fiji", 2205218), ("RU", "Russia", 2017370), ("DK", "Denmark", 2623032), ("FR", "France", 3017382),
]
ADMIN1 = [  # code, country, name, iso, geonameid
    ("US.CA", "US", "California", "US-CA", 5332921), ("US.OH", "US", "Ohio", "US-OH", 5165418),
    ("US.KY", "US", "Kentucky", "US-KY", 6254925), ("MX.02", "MX", "Baja California", "MX-BCN", 4017700),
    ("FR.11", "FR", "Ile-de-France", "FR-IDF", 3012874), ("CH.SH", "CH", "Schaffhausen", "CH-SH", 2658760),
    ("DE.01", "DE", "Baden-Wuerttemberg", "DE-BW", 2953481),
]
ADMIN2 = [("US.OH.061", "US", "Hamilton County", 4513583), ("US.KY.117", "US", "Kenton County", 4295776)]
PLACES = [  # geonameid, name, lat, lon, feature, country, admin1, admin2, population, timezone, alt names
    (5391811, "San Diego", 32.71571, -117.16472, "PPLA2", "US", "US.CA", None, 1394928, "America/Los_Angeles", "SD"),
    (5392229, "San Ysidro", 32.55617, -117.04670, "PPL", "US", "US.CA", None, 28000, "America/Los_Angeles", ""),
    (3981609, "Tijuana", 32.50272, -117.00371, "PPLA2", "MX", "MX.02", None, 1376457, "America/Tijuana", "TIJ"),
    (4508722, "Cincinnati", 39.12711, -84.51439, "PPLA2", "US", "US.OH", "US.OH.061", 309317, "America/New_York", ""),
    (4289445, "Covington", 39.08367, -84.50855, "PPLA2", "US", "US.KY", "US.KY.117", 40640, "America/New_York", ""),
    (4302561, "Newport", 39.09145, -84.49578, "PPL", "US", "US.KY", None, 15273, "America/New_York", ""),
    (2940132, "Buesingen am Hochrhein", 47.69638, 8.68759, "PPL", "DE", "DE.01", None, 1450, "Europe/Berlin", "Busingen"),
    (2658761, "Schaffhausen", 47.69732, 8.63493, "PPLA", "CH", "CH.SH", None, 36000, "Europe/Zurich", ""),
    (2729907, "Longyearbyen", 78.22334, 15.64689, "PPLC", "SJ", None, None, 2060, "Arctic/Longyearbyen", ""),
    (2198148, "Suva", -18.14161, 178.44149, "PPLC", "FJ", None, None, 77366, "Pacific/Fiji", ""),
    (2194000, "Waiyevo", -16.80000, 179.98000, "PPL", "FJ", None, None, 900, "Pacific/Fiji", ""),
    (4031637, "Uelen", 66.15960, -169.80870, "PPL", "RU", None, None, 720, "Asia/Anadyr", ""),
    (2618425, "Copenhagen", 55.67594, 12.56553, "PPLC", "DK", None, None, 1153615, "Europe/Copenhagen", "Kobenhavn"),
    (2988507, "Paris", 48.85341, 2.34880, "PPLC", "FR", "FR.11", None, 2138551, "Europe/Paris", "Lutetia"),
    (2970797, "Vanves", 48.82345, 2.29025, "PPL", "FR", "FR.11", None, 27414, "Europe/Paris", ""),
    (6545270, "Gros-Caillou", 48.85700, 2.29900, "PPLX", "FR", "FR.11", None, 0, "Europe/Paris", ""),
    (9000001, "Lutetiaville", 43.50000, 1.00000, "PPL", "FR", None, None, 600, "Europe/Paris", ""),
]
NAMES = [(2988507, "ru", "Париж"), (3017382, "de", "Frankreich"), (3012874, "de", "Île-de-France"),
         (2988507, "de", "Paris")]
REGIONS = [  # level, country, admin1, name, geometry
    (0, "US", None, "United States", box(-125, 32.54, -66, 49)),
    (0, "MX", None, "Mexico", box(-118, 15, -86, 32.54)),
    (1, "US", "US.CA", "California", box(-125, 32.54, -114, 42)),
    (1, "US", "US.OH", "Ohio", box(-85, 39.105, -80.5, 42)),
    (1, "US", "US.KY", "Kentucky", box(-90, 36.5, -82, 39.105)),
    (1, "MX", "MX.02", "Baja California", box(-118, 28, -112, 32.54)),
    (0, "CH", None, "Switzerland", box(5.95, 45.8, 10.5, 47.8)),
    (1, "CH", "CH.SH", "Schaffhausen", box(8.4, 47.55, 8.9, 47.8)),
    (0, "DE", None, "Germany", box(5.9, 47.8, 15, 55)),
    (0, "NO", None, "Norway", MultiPolygon([box(4.5, 58, 31, 71), box(10, 76.5, 34, 80.8)])),
    (0, "FJ", None, "Fiji", MultiPolygon([box(177, -19.2, 180, -16), box(-180, -19.2, -178, -16)])),
    (0, "RU", None, "Russia", MultiPolygon([box(160, 60, 180, 72), box(-180, 64, -169.9, 70)])),
    (0, "DK", None, "Denmark", box(8, 54.6, 12.5, 57.7)),
    (0, "FR", None, "France", box(-5, 42.3, 8.2, 51.1)),
    (1, "FR", "FR.11", "Ile-de-France", box(1.4, 48.1, 3.6, 49.25)),
]


def build_places(path: Path) -> Path:
    """Write the fixture places database to `path` and return it."""
    conn = sqlite3.connect(path)
    schema.create(conn)
    conn.executemany("INSERT INTO countries (iso2, name, geonameid) VALUES (?,?,?)", COUNTRIES)
    conn.executemany("INSERT INTO admin1 (code, country_code, name, iso_3166_2, geonameid) VALUES (?,?,?,?,?)", ADMIN1)
    conn.executemany("INSERT INTO admin2 (code, country_code, name, geonameid) VALUES (?,?,?,?)", ADMIN2)
    conn.executemany(
        "INSERT INTO places (geonameid, name, ascii_name, lat, lon, feature_code, country_code, admin1_code,"
        " admin2_code, population, timezone) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [(g, n, n, la, lo, f, c, a1, a2, p, tz) for g, n, la, lo, f, c, a1, a2, p, tz, _ in PLACES])
    conn.executemany("INSERT INTO places_fts (rowid, name, alt_names) VALUES (?,?,?)",
                     [(row[0], row[1], row[10]) for row in PLACES])
    conn.executemany("INSERT INTO names (geonameid, lang, name) VALUES (?,?,?)", NAMES)
    conn.executemany(
        "INSERT INTO regions (level, country_code, admin1_code, name, min_lon, min_lat, max_lon, max_lat, geometry)"
        " VALUES (?,?,?,?,?,?,?,?,?)",
        [(lv, cc, a1, name, *shapely.bounds(g).tolist(), shapely.to_wkb(g)) for lv, cc, a1, name, g in REGIONS])
    conn.commit()
    conn.close()
    return path
