"""Which vector tile schema a tileset follows, read from the ids of its `vector_layers`.

Styles are written for a schema, not for a file: knowing the schema lets `/styles` offer a
working style for any tileset a user drops into the data dir. Layers both schemas share
(`water`, `landcover`, `landuse`) prove nothing; only the distinctive ones are counted.
"""
from __future__ import annotations

from typing import Any, Iterable

OPENMAPTILES = "openmaptiles"
PROTOMAPS = "protomaps"
RASTER = "raster"
UNKNOWN = "unknown"

# Layer ids only one schema uses (OpenMapTiles 3.x as planetiler/MapTiler write it; Protomaps basemaps v4).
DISTINCTIVE: dict[str, frozenset[str]] = {
    OPENMAPTILES: frozenset({
        "transportation", "transportation_name", "building", "boundary", "place", "water_name",
        "waterway", "poi", "aeroway", "aerodrome_label", "park", "mountain_peak", "housenumber",
    }),
    PROTOMAPS: frozenset({
        "earth", "roads", "buildings", "boundaries", "places", "pois", "natural", "physical_line",
        "physical_point", "transit",
    }),
}
MIN_DISTINCTIVE = 2   # one matching name (a lone "place" layer) is a coincidence, two are a schema


def layer_ids(vector_layers: Iterable[dict[str, Any]]) -> frozenset[str]:
    """The `id`s of TileJSON `vector_layers` entries; entries without a string id are ignored."""
    return frozenset(layer["id"] for layer in vector_layers
                     if isinstance(layer, dict) and isinstance(layer.get("id"), str))


def detect_schema(ids: Iterable[str]) -> str:
    """'openmaptiles', 'protomaps' or 'unknown' for a set of vector layer ids.

    >>> detect_schema({"water", "transportation", "place", "boundary"})
    'openmaptiles'
    >>> detect_schema({"earth", "water", "roads", "places"})
    'protomaps'
    """
    present = frozenset(ids)
    scores = {schema: len(present & names) for schema, names in DISTINCTIVE.items()}
    best = max(scores, key=scores.__getitem__)
    runner_up = max(score for schema, score in scores.items() if schema != best)
    if scores[best] >= MIN_DISTINCTIVE and scores[best] > runner_up:
        return best
    return UNKNOWN


def tileset_schema(format: str, vector_layers: Iterable[dict[str, Any]]) -> str:
    """The schema of a tileset: 'raster' for image tiles, else what its vector layers say."""
    if format != "pbf":
        return RASTER
    return detect_schema(layer_ids(vector_layers))
