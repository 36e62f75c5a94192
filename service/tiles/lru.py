"""A byte-bounded LRU of recently served tiles, so hot tiles skip the SQLite read.

A map view asks for the same low-zoom and city tiles again and again; keeping them as bytes
saves the query (the largest single cost of a tile request once the HTTP path is lean).
Used from the event loop only, like the sources it fronts, so it needs no lock.
"""
from __future__ import annotations

from collections import OrderedDict

TileKey = tuple[int, int, int]
ABSENT_COST = 64            # bytes charged for remembering that a tile does not exist


class TileLRU:
    """Tiles by (z, x, y), oldest evicted first once `max_bytes` of tile data is held.

    >>> lru = TileLRU(max_bytes=10)
    >>> lru.put((0, 0, 0), b"12345678"); lru.put((1, 0, 0), b"1234")
    >>> lru.get((0, 0, 0)) is TileLRU.MISSING, lru.get((1, 0, 0))
    (True, b'1234')
    """

    MISSING = object()       # `get` result for "not cached"; a cached None means "no such tile"

    def __init__(self, max_bytes: int, max_item_bytes: int = 1 << 20) -> None:
        self.max_bytes = max_bytes
        self.max_item_bytes = max_item_bytes
        self.size = 0
        self.hits = 0
        self.misses = 0            # plain counters, read by the /metrics collector at scrape time
        self._items: OrderedDict[TileKey, bytes | None] = OrderedDict()

    def get(self, key: TileKey) -> bytes | None | object:
        data = self._items.get(key, TileLRU.MISSING)
        if data is TileLRU.MISSING:
            self.misses += 1
        else:
            self.hits += 1
            self._items.move_to_end(key)
        return data

    def put(self, key: TileKey, data: bytes | None) -> None:
        cost = _cost(data)
        if cost > self.max_item_bytes or cost > self.max_bytes or key in self._items:
            return
        self._items[key] = data
        self.size += cost
        while self.size > self.max_bytes:
            _, evicted = self._items.popitem(last=False)
            self.size -= _cost(evicted)

    def clear(self) -> None:
        self._items.clear()
        self.size = 0

    def __len__(self) -> int:
        return len(self._items)


def _cost(data: bytes | None) -> int:
    return ABSENT_COST if data is None else len(data)
