"""Tile sources (MBTiles, PMTiles), the catalog of loaded tilesets, and TileJSON."""
