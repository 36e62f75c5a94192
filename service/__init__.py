"""tilegeo: self-hosted map tiles, styles and reverse geocoding for photo servers."""

__version__ = "0.1.0"
