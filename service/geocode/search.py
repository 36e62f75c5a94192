"""Forward search by place name: SQLite FTS5 over names and alternate names, ranked by match, then population."""
from __future__ import annotations

import re
import sqlite3
import unicodedata

from .store import PlaceTable

CANDIDATES = 400          # FTS matches considered before ranking by population
_WORD = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str, prefix: bool = True) -> str | None:
    """A safe FTS5 query for user text: every word must match, the last one (2+ letters) as a prefix if `prefix`.

    >>> fts_query('new yo')
    '"new" "yo"*'
    """
    words = _WORD.findall(text)
    if not words:
        return None
    quoted = [f'"{w}"' for w in words]
    if prefix and len(words[-1]) >= 2:     # a one-letter prefix matches half the world: too slow to rank
        quoted[-1] += "*"
    return " ".join(quoted)


def fold(text: str) -> str:
    """Case- and accent-insensitive form: fold('Zürich') == fold('zurich')."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_rows(conn: sqlite3.Connection, places: PlaceTable, text: str, limit: int) -> list[int]:
    """Rows of `places` matching `text`, best first; population breaks ties within each group.

    Groups: the name itself equals the text; whole words match the name or an alternate name
    ('münchen' finds Munich by its alternate name); the name starts with the text; any prefix match.
    """
    query = fts_query(text)
    if query is None:
        return []
    whole_words = {row[0] for row in _matches(conn, fts_query(text, prefix=False))}
    wanted = fold(" ".join(_WORD.findall(text)))
    ranked = []
    for geonameid, rank, name, population in _matches(conn, query):
        row = places.row_of(geonameid)
        if row is None:
            continue
        folded = fold(name)
        group = 0 if folded == wanted else 1 if geonameid in whole_words else 2 if folded.startswith(wanted) else 3
        ranked.append((group, -(population or 0), rank, row))
    ranked.sort()
    return [row for *_, row in ranked[:limit]]


def _matches(conn: sqlite3.Connection, query: str) -> list[tuple[int, float, str, int]]:
    """(geonameid, FTS rank, name, population) of the best CANDIDATES matches."""
    return conn.execute(
        "SELECT f.rowid, f.rank, p.name, p.population FROM places_fts AS f JOIN places AS p ON p.geonameid = f.rowid"
        " WHERE places_fts MATCH ? ORDER BY f.rank LIMIT ?", (query, CANDIDATES),
    ).fetchall()
