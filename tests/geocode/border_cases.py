"""Where points really are, from public knowledge: twin towns, river borders, exclaves, coasts, landmarks.

Each case is a point a person could photograph, with its true country (and state and city where
they are unambiguous). Names are GeoNames' names as stored in data/places.sqlite. Used by
test_borders.py and by loadtests/bench_geocode.py (to score reverse_geocoder on the same cases).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Case:
    label: str
    lat: float
    lon: float
    country_code: str | None
    state: str | None = None      # GeoNames admin-1 name; None = not checked
    city: str | None = None       # None = not checked


CASES = [
    # Rivers and twin towns: the nearest place is often across the line
    Case("downtown Cincinnati (Fountain Square)", 39.1016, -84.5125, "US", "Ohio", "Cincinnati"),
    Case("Covington KY, Mainstrasse", 39.0837, -84.5086, "US", "Kentucky", "Covington"),
    Case("downtown St. Louis (Old Courthouse)", 38.6255, -90.1892, "US", "Missouri", "St. Louis"),
    Case("East St. Louis", 38.6245, -90.1510, "US", "Illinois"),
    Case("Jersey City City Hall", 40.7178, -74.0431, "US", "New Jersey", "Jersey City"),
    Case("Lower Manhattan, Wall Street", 40.7060, -74.0088, "US", "New York"),
    Case("San Ysidro, San Diego", 32.5525, -117.0440, "US", "California"),
    Case("Tijuana Zona Centro", 32.5320, -117.0370, "MX", "Baja California", "Tijuana"),
    Case("downtown El Paso", 31.7587, -106.4869, "US", "Texas", "El Paso"),
    Case("Ciudad Juarez centro", 31.7383, -106.4870, "MX", "Chihuahua"),
    Case("downtown Detroit", 42.3314, -83.0458, "US", "Michigan", "Detroit"),
    Case("downtown Windsor ON", 42.3149, -83.0364, "CA", "Ontario", "Windsor"),
    Case("Gorizia, Piazza della Vittoria", 45.9403, 13.6200, "IT", None, "Gorizia"),
    Case("Nova Gorica centre", 45.9560, 13.6480, "SI", None, "Nova Gorica"),
    Case("Frankfurt (Oder) centre", 52.3471, 14.5506, "DE", "Brandenburg"),
    Case("Slubice centre", 52.3500, 14.5600, "PL"),
    Case("Strasbourg cathedral", 48.5818, 7.7509, "FR", None, "Strasbourg"),
    Case("Kehl centre", 48.5728, 7.8152, "DE", None, "Kehl"),
    Case("Basel Muenster", 47.5565, 7.5928, "CH", None, "Basel"),
    Case("Weil am Rhein centre", 47.5937, 7.6209, "DE"),
    Case("Saint-Louis (Haut-Rhin)", 47.5904, 7.5594, "FR"),
    Case("Valga centre", 57.7778, 26.0473, "EE", None, "Valga"),
    Case("Valka centre", 57.7752, 26.0175, "LV"),
    Case("Narva castle", 59.3797, 28.1791, "EE", None, "Narva"),
    Case("Ivangorod fortress", 59.3766, 28.2136, "RU"),
    Case("Goerlitz old town", 51.1526, 14.9872, "DE"),
    Case("Zgorzelec centre", 51.1500, 15.0083, "PL"),
    Case("Haparanda centre", 65.8355, 24.1368, "SE"),
    Case("Tornio centre", 65.8481, 24.1466, "FI"),
    # Exclaves and tiny states (missing or sliver-sized in Natural Earth 10m)
    Case("St Peter's Basilica", 41.9022, 12.4539, "VA"),
    Case("Llivia", 42.4636, 1.9806, "ES", "Catalonia"),
    Case("Buesingen am Hochrhein", 47.6967, 8.6900, "DE"),
    Case("Campione d'Italia", 45.9685, 8.9713, "IT"),
    Case("Monte Carlo casino", 43.7394, 7.4281, "MC"),
    Case("San Marino old town", 43.9356, 12.4473, "SM"),
    Case("Vaduz", 47.1410, 9.5209, "LI", None, "Vaduz"),
    Case("Gibraltar Main Street", 36.1408, -5.3536, "GI"),
    Case("Ceuta", 35.8894, -5.3213, "ES"),
    Case("Kaliningrad", 54.7104, 20.4522, "RU", None, "Kaliningrad"),
    # Coasts: Natural Earth puts some harbour cities in the sea
    Case("Copenhagen City Hall Square", 55.6761, 12.5683, "DK", None, "Copenhagen"),
    Case("Copenhagen Nyhavn", 55.6798, 12.5911, "DK"),
    Case("Helsingborg harbour", 56.0465, 12.6945, "SE", None, "Helsingborg"),
    Case("Helsingor, Kronborg", 56.0389, 12.6213, "DK"),
    Case("Venice, St Mark's Square", 45.4340, 12.3388, "IT", None, "Venice"),
    Case("Hong Kong Central", 22.2819, 114.1580, "HK"),
    Case("Singapore Marina Bay", 1.2834, 103.8607, "SG"),
    Case("Lisbon, Belem tower", 38.6916, -9.2160, "PT"),
    Case("10 km off Nice", 43.60, 7.35, "FR"),
    # Landmarks: the city, not the suburb next to them
    Case("Eiffel Tower", 48.8584, 2.2945, "FR", None, "Paris"),
    Case("Sydney Opera House", -33.8568, 151.2153, "AU", "New South Wales", "Sydney"),
    Case("Hagia Sophia", 41.0086, 28.9802, "TR", None, "Istanbul"),
    # Antimeridian, polar, open sea
    Case("Suva", -18.1416, 178.4415, "FJ", None, "Suva"),
    Case("Taveuni, east of 180", -16.8400, -179.9700, "FJ"),
    Case("Uelen, Chukotka (west longitudes)", 66.1596, -169.8087, "RU"),
    Case("Anadyr", 64.7337, 177.5089, "RU", None, "Anadyr"),
    Case("Longyearbyen, Svalbard", 78.2232, 15.6267, "SJ", None, "Longyearbyen"),
    Case("mid-Atlantic", 30.0, -40.0, None),
    Case("South Pacific", -45.0, -130.0, None),
    Case("North Pole", 90.0, 0.0, None),
    Case("45 km off Cannes", 43.15, 7.0, None),
]
