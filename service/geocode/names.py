"""Localized names from the `names` table, read on demand (the table is too big to keep in memory)."""
from __future__ import annotations

import sqlite3
from functools import lru_cache


class LocalNames:
    """name(geonameid, lang) -> the first name stored for that language, or None."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.name = lru_cache(maxsize=65536)(self._lookup)

    def _lookup(self, geonameid: int, lang: str) -> str | None:
        row = self._conn.execute(
            "SELECT name FROM names WHERE geonameid = ? AND lang = ? ORDER BY rowid LIMIT 1", (geonameid, lang),
        ).fetchone()
        return row[0] if row else None


def normalize_lang(lang: str | None) -> str | None:
    """'de-CH' -> 'de', 'zh-Hant' kept as is (the names table stores it so), '' -> None."""
    if not lang:
        return None
    if lang.lower() == "zh-hant":
        return "zh-Hant"
    return lang.split("-")[0].split("_")[0].lower() or None
