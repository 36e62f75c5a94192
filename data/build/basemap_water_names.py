"""Label points for oceans, major seas and great lakes (the `water_name` layer).

Hand-written for tilegeo: names are the common English names, points were placed by hand
near the visual centre of each water body (about a degree of precision is enough for a label).
Not derived from any dataset, so no licence applies beyond the project's own.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WaterName:
    """One label: name, class (ocean, sea, lake), first zoom shown, lon/lat of the label point."""

    name: str
    cls: str
    minzoom: int
    lon: float
    lat: float


WATER_NAMES: tuple[WaterName, ...] = (
    WaterName("Pacific Ocean", "ocean", 0, -140.0, 5.0),
    WaterName("Pacific Ocean", "ocean", 0, 165.0, 20.0),
    WaterName("Atlantic Ocean", "ocean", 0, -40.0, 25.0),
    WaterName("Atlantic Ocean", "ocean", 0, -20.0, -20.0),
    WaterName("Indian Ocean", "ocean", 0, 80.0, -20.0),
    WaterName("Arctic Ocean", "ocean", 0, 0.0, 84.0),
    WaterName("Southern Ocean", "ocean", 0, 60.0, -60.0),
    WaterName("Mediterranean Sea", "sea", 2, 18.0, 35.0),
    WaterName("Caribbean Sea", "sea", 2, -75.0, 15.0),
    WaterName("Gulf of Mexico", "sea", 2, -90.0, 25.0),
    WaterName("South China Sea", "sea", 2, 114.0, 13.0),
    WaterName("Arabian Sea", "sea", 2, 64.0, 15.0),
    WaterName("Bay of Bengal", "sea", 2, 88.0, 15.0),
    WaterName("Bering Sea", "sea", 2, -178.0, 58.0),
    WaterName("Hudson Bay", "sea", 2, -85.0, 60.0),
    WaterName("Coral Sea", "sea", 2, 155.0, -17.0),
    WaterName("Tasman Sea", "sea", 2, 162.0, -40.0),
    WaterName("Philippine Sea", "sea", 2, 132.0, 18.0),
    WaterName("Sea of Okhotsk", "sea", 2, 150.0, 55.0),
    WaterName("Barents Sea", "sea", 2, 40.0, 73.0),
    WaterName("Norwegian Sea", "sea", 3, 3.0, 68.0),
    WaterName("Labrador Sea", "sea", 3, -55.0, 58.0),
    WaterName("Gulf of Alaska", "sea", 3, -145.0, 57.0),
    WaterName("Gulf of Guinea", "sea", 3, 3.0, 2.0),
    WaterName("East China Sea", "sea", 3, 126.0, 29.0),
    WaterName("Sea of Japan", "sea", 3, 135.0, 40.0),
    WaterName("Yellow Sea", "sea", 4, 123.0, 36.0),
    WaterName("North Sea", "sea", 3, 3.0, 56.0),
    WaterName("Baltic Sea", "sea", 3, 19.0, 57.0),
    WaterName("Black Sea", "sea", 3, 34.0, 43.0),
    WaterName("Red Sea", "sea", 3, 38.0, 21.0),
    WaterName("Persian Gulf", "sea", 4, 51.5, 27.0),
    WaterName("Caspian Sea", "lake", 3, 50.5, 42.0),
    WaterName("Tyrrhenian Sea", "sea", 5, 12.0, 40.0),
    WaterName("Adriatic Sea", "sea", 5, 16.0, 43.0),
    WaterName("Aegean Sea", "sea", 5, 25.0, 38.5),
    WaterName("Ionian Sea", "sea", 5, 19.0, 37.5),
    WaterName("Bay of Biscay", "sea", 5, -4.5, 45.5),
    WaterName("Irish Sea", "sea", 5, -5.0, 53.8),
    WaterName("English Channel", "sea", 6, -2.5, 50.0),
    WaterName("Gulf of Bothnia", "sea", 5, 20.5, 62.5),
    WaterName("Lake Superior", "lake", 4, -87.5, 47.6),
    WaterName("Lake Michigan", "lake", 5, -87.0, 44.0),
    WaterName("Lake Huron", "lake", 5, -82.3, 44.8),
    WaterName("Lake Victoria", "lake", 4, 33.0, -1.0),
    WaterName("Lake Tanganyika", "lake", 5, 29.6, -6.5),
    WaterName("Lake Baikal", "lake", 4, 108.0, 53.5),
    WaterName("Great Bear Lake", "lake", 5, -121.0, 66.0),
    WaterName("Lake Titicaca", "lake", 6, -69.4, -15.8),
    WaterName("Lake Ladoga", "lake", 6, 31.5, 61.0),
)
